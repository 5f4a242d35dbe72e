"""The dissertation's fixed wording: the title page, the synthetic-data banner, the abstract's length and
each chapter's title and introduction (the results prose is computed, in :mod:`semg_study.report.narrative`).

Apart from :mod:`semg_study.chapters.dissertation.write`, the HTML and Typst renderers read the title and author."""
from __future__ import annotations

TITLE = "Novel Transformer Architecture for sEMG Silent Speech Recognition"
AUTHOR = "Tada Makepeace"
SUBTITLE = "School of Computing Final Year Research Project"
SYNTHETIC_BANNER = ("Synthetic data: the figures and tables below were produced from the embedded synthetic "
                    "corpus made by semg_study.synth, not from recordings of people. They show that the "
                    "pipeline runs end to end; they are not findings about silent speech.")

ABSTRACT_WORDS = 300
# slot -> (chapter, section number or None, title, what the section is about)
CHAPTERS: dict[str, tuple[int, str | None, str, str]] = {
    "01": (3, "3.1", "Dataset",
           "The Digital Voicing dataset (Gaddy and Klein, 2020) was chosen because it is the largest open "
           "sEMG silent-speech corpus: eight facial and neck electrodes at 1000 Hz, silent and voiced "
           "recordings of the same sentences, a closed vocabulary of dates and times and an open vocabulary "
           "of book sentences. Notebook 01 describes the corpus the study read: conditions, splits, "
           "durations, vocabulary, the effect of the mains notch and high-pass filters, and silent against "
           "voiced amplitude."),
    "02": (3, "3.2", "Feature Selection",
           "Two ways of giving EMG to a model are compared: the hand-crafted time-domain and spectral "
           "features of Jou et al. (2006), as in the dataset authors' code, and features learned end to end "
           "by convolutions over the raw stream. Notebook 02 shows both and asks how much phonetic "
           "structure the hand-crafted features carry before any training."),
    "03": (3, "3.4", "Baseline ASR Testing",
           "To bound what the EMG models can reach, DeepSpeech2 (Amodei et al., 2015) was trained on audio "
           "only: LJSpeech (Ito and Johnson, 2017) and the voiced audio of the dataset's closed-vocabulary "
           "and full recordings (ASR-LJSpeech, ASR-SilentSpeechVocal-Closed, ASR-SilentSpeechVocal-Full). "
           "The original Table 3.1 came from code with six defects (punctuation fed to the model, the hyphen "
           "used as the CTC blank, a decoder that dropped the character 0, different spectrogram settings in "
           "training and validation, WER averaged per sentence, silent dev utterances in the training set); "
           "here it is regenerated with each defect fixed and tested, beside the original's numbers."),
    "04": (4, None, "EMG Results",
           "Two baselines read EMG: DeepSpeech2 on the 112 hand-crafted features, and a reproduction of the "
           "dataset authors' 2022 direct EMG-to-text model (residual convolutions on the raw stream, a "
           "Transformer encoder with relative positions, CTC). Each is trained per condition and evaluated "
           "on silent EMG (the task) and voiced EMG (the easier case); WER and CER are corpus-level."),
    "05": (5, None, "The Proposed Model: MyoStream",
           "MyoStream is a streaming, electrode-aware Conformer (Gulati et al., 2020) over the raw EMG "
           "stream: per-electrode causal convolutions with electrode embeddings and learned channel "
           "mixing, a per-session adaptation of the eight channels, attention restricted to chunks with "
           "limited left context and a few frames of look-ahead (so it decodes live, chunk by chunk), an "
           "auxiliary phoneme CTC head and EMG augmentation. It is decoded greedily and with beam search "
           "and a word 3-gram language model built from the training transcripts."),
    "06": (6, None, "Ablations",
           "Each MyoStream component is switched off in turn with everything else equal (configuration, "
           "epochs, data and seeds), on the closed vocabulary to keep the budget. A component matters only "
           "if switching it off changes the error rate by more than the variation between seeds."),
    "07": (7, None, "Inference Latency",
           "What each trained model costs at inference on the study machine's CPU, one thread and batch 1: "
           "parameters, latency per utterance, real-time factor, and for the streaming MyoStream the "
           "response latency a live user waits for (chunk and look-ahead plus the compute per chunk), "
           "against the project's target of a response within 300 ms."),
    "08": (8, None, "Live OpenBCI Demonstration",
           "New EMG enters the study through an OpenBCI board and brainflow: prompts are shown one at a "
           "time, each utterance is written in the dataset's layout, the raw board data are replayed through "
           "brainflow's playback board to check the recording, and a session is decoded live by the "
           "streaming MyoStream with the same causal preprocessing."),
}
