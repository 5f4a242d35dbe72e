"""Chapter 03's plan: DeepSpeech2 on audio (Table 3.1 regenerated), per profile.

Which runs (the three audio configs), their epoch ceilings (``configs/study/profiles.yaml``) and how they are
scored (test split, the profile's decoders). The dissertation's own Table 3.1 WERs are quoted here, the only
result numbers typed in the package.
"""
from __future__ import annotations

from semg_study.experiments.specs import epochs, open_emg_epochs, spec

# The six defects of the dissertation's code, fixed in this study (docs: the
# dataset reference, "Defects found in the dissertation's original code").
FIXES = (
    "punctuation cleaned (normalised text reaches the model)",
    "reserved CTC blank (index 0, not a character)",
    "greedy decoder drops only the blank",
    "one feature pipeline for training and evaluation",
    "corpus-level WER (not a mean of sentence WERs)",
    "no split leakage (silent dev utterances never trained on)",
)


# The only result numbers typed in this package: the dissertation's own Table 3.1
# WERs, quoted from the seed (produced by code with the six defects above).
# LJSpeech: the dissertation reports none.
ORIGINAL_TABLE31_WER = {
    "ASR-LJSpeech": None,
    "ASR-SilentSpeechVocal-Closed": 0.33,
    "ASR-SilentSpeechVocal-Full": 0.45,
}


ORIGINAL_LABEL = "original (dissertation, defective code)"


def section(profile: str, k: dict) -> dict:
    """The ``table31`` section of the study plan (``k``: the profile's knobs)."""
    table31 = [
        spec("ds2audio_ljspeech", profile, corpus="ljspeech",
             overrides={**epochs(k, "ds2audio_ljspeech"), **open_emg_epochs(k, "open")},
             label="ASR-LJSpeech", dataset="LJSpeech-layout TTS corpus (voiced audio)"),
        spec("ds2audio_closed", profile, overrides=epochs(k, "ds2audio_closed"),
             label="ASR-SilentSpeechVocal-Closed", dataset="Digital Voicing layout, closed vocabulary, voiced audio"),
        spec("ds2audio_full", profile, overrides={**epochs(k, "ds2audio_full"), **open_emg_epochs(k, "open")},
             label="ASR-SilentSpeechVocal-Full", dataset="Digital Voicing layout, open vocabulary, voiced audio"),
    ]
    for row in table31:
        row["original_wer"] = ORIGINAL_TABLE31_WER[row["label"]]
    return {"runs": table31, "split": "test", "decoders": list(k["table31_decoders"]),
            "fixes": list(FIXES), "original_label": ORIGINAL_LABEL}
