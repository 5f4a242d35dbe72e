"""What the report quotes from the literature: published results and references.

These numbers are other people's published results, quoted with their source
(``shared/reference/digital-voicing-dataset.md`` gathered them from the papers);
they are never this study's results, which come only from the table sidecars.
"""
from __future__ import annotations

# (work, citation key, condition, reported WER): quoted as published
PUBLISHED_RESULTS: tuple[tuple[str, str, str, str], ...] = (
    ("Digital voicing of silent speech", "gaddy2020", "closed vocabulary, silent, human transcription",
     "3.6% (strongest baseline about 64%)"),
    ("Digital voicing of silent speech", "gaddy2020", "open vocabulary, silent, voiced-then-ASR", "68.0%"),
    ("An improved model for voicing silent speech", "gaddy2021", "open vocabulary, silent", "42.2%"),
    ("Direct EMG-to-text, CTC + 5-gram LM (thesis)", "gaddy2022", "open vocabulary, silent / voiced",
     "28.8% / 23.3% (seen second-hand)"),
    ("MONA, single model", "benster2024", "open vocabulary, silent, validation", "20.6%"),
    ("MONA LISA (ensemble + LLM rescoring)", "benster2024", "open vocabulary, silent / voiced, test",
     "12.2% / 3.7%"),
    ("EMG adaptor + frozen 3B LLM", "mohapatra2025", "closed vocabulary, silent, 8:1:1 split",
     "0.49 (their baseline 0.75)"),
)

# citation key -> (in-text citation, full reference)
REFERENCES: dict[str, tuple[str, str]] = {
    "amodei2015": ("Amodei et al., 2015",
                   "Amodei, D., Anubhai, R., Battenberg, E., et al. (2015). Deep Speech 2: End-to-end speech "
                   "recognition in English and Mandarin. arXiv:1512.02595."),
    "benster2024": ("Benster et al., 2024",
                    "Benster, T., Wilson, G., Elisha, R., Willett, F. R., & Druckmann, S. (2024). A cross-modal "
                    "approach to silent speech with LLM-enhanced recognition. arXiv:2403.05583."),
    "gaddy2020": ("Gaddy and Klein, 2020",
                  "Gaddy, D., & Klein, D. (2020). Digital voicing of silent speech. Proceedings of EMNLP 2020. "
                  "Dataset: Zenodo, doi:10.5281/zenodo.4064408."),
    "gaddy2021": ("Gaddy and Klein, 2021",
                  "Gaddy, D., & Klein, D. (2021). An improved model for voicing silent speech. Proceedings of "
                  "ACL-IJCNLP 2021 (short papers)."),
    "gaddy2022": ("Gaddy, 2022",
                  "Gaddy, D. (2022). Voicing silent speech. PhD thesis, University of California, Berkeley."),
    "graves2006": ("Graves et al., 2006",
                   "Graves, A., Fernández, S., Gomez, F., & Schmidhuber, J. (2006). Connectionist temporal "
                   "classification: labelling unsegmented sequence data with recurrent neural networks. "
                   "Proceedings of ICML 2006."),
    "gulati2020": ("Gulati et al., 2020",
                   "Gulati, A., Qin, J., Chiu, C.-C., et al. (2020). Conformer: Convolution-augmented transformer "
                   "for speech recognition. Proceedings of Interspeech 2020."),
    "ito2017": ("Ito and Johnson, 2017",
                "Ito, K., & Johnson, L. (2017). The LJ Speech dataset. https://keithito.com/LJ-Speech-Dataset/."),
    "jou2006": ("Jou et al., 2006",
                "Jou, S.-C., Schultz, T., Walliczek, M., Kraft, F., & Waibel, A. (2006). Towards continuous "
                "speech recognition using surface electromyography. Proceedings of Interspeech 2006."),
    "mohapatra2025": ("Mohapatra et al., 2025",
                      "Mohapatra, P., et al. (2025). An EMG adaptor for a frozen 3B-parameter large language "
                      "model, closed-vocabulary silent speech (result as gathered in the project's dataset "
                      "reference; title not restated here)."),
}


def cite(*keys: str) -> str:
    """``"(Gaddy and Klein, 2020; Gaddy, 2022)"``."""
    return "(" + "; ".join(REFERENCES[k][0] for k in keys) + ")"
