"""What the report quotes from the literature: published results, facts about the real dataset, references.

These numbers are other people's published results and the real dataset's published description
(``shared/reference/digital-voicing-dataset.md`` gathered them from the papers and the dataset's
page); they are never this study's results, which come only from the study's own tables. The
dissertation prints them in their own tables and sentences, labelled as published real-data numbers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """One published word error rate on the Digital Voicing dataset (real recordings)."""

    work: str
    key: str          # citation key
    vocabulary: str   # closed, open
    mode: str         # silent, voiced
    split: str        # test, validation
    system: str       # what produced the transcript
    wer: float        # in percent (Mohapatra et al.: a fraction as they report it, see ``unit``)
    unit: str = "%"   # "%" or "fraction" (the dissertation prints a fraction in percent, whole percent)
    note: str = ""
    baseline: float | None = None  # the authors' own baseline on the same task, in ``unit``


PUBLISHED: tuple[Published, ...] = (
    Published("Digital voicing of silent speech", "gaddy2020", "closed", "silent", "test",
              "digital voicing, transcribed by people", 3.6),
    Published("Digital voicing of silent speech", "gaddy2020", "open", "silent", "test",
              "digital voicing, then an ASR model", 68.0),
    Published("An improved model for voicing silent speech", "gaddy2021", "open", "silent", "test",
              "improved voicing model, then an ASR model", 42.2),
    Published("Voicing silent speech (thesis)", "gaddy2022", "open", "silent", "test",
              "direct EMG-to-text, CTC and a 5-gram LM", 28.8, note="seen second-hand"),
    Published("Voicing silent speech (thesis)", "gaddy2022", "open", "voiced", "test",
              "direct EMG-to-text, CTC and a 5-gram LM", 23.3, note="seen second-hand"),
    Published("MONA (single model)", "benster2024", "open", "silent", "validation",
              "cross-modal training", 20.6),
    Published("MONA LISA", "benster2024", "open", "silent", "test",
              "ensemble with LLM rescoring", 12.2),
    Published("MONA LISA", "benster2024", "open", "voiced", "test",
              "ensemble with LLM rescoring", 3.7),
    Published("EMG adaptor and a frozen 3B LLM", "mohapatra2025", "closed", "silent", "test (8:1:1 split)",
              "EMG adaptor for a frozen language model", 0.49, unit="fraction", baseline=0.75),
)

# the real dataset's published size (Gaddy and Klein, 2020; the Zenodo record), per condition
DATASET = {
    "rate_hz": 1000,
    "channels": 8,
    "closed_utterances": 500,
    "closed_silent_min": 26,
    "closed_voiced_min": 30,
    "closed_words": 67,
    "open_parallel_utterances": 1588,
    "open_silent_h": 3.6,
    "open_voiced_h": 3.9,
    "nonparallel_utterances": 5477,
    "nonparallel_h": 11.2,
    "total_h": 18.6,
    "vocabulary_words": 9828,
    "closed_dev": 30,
    "closed_test": 100,
    "closed_train": 370,
}

# the original dissertation's Table 3.1 (DeepSpeech2 on the real dataset's voiced audio, code with six defects)
ORIGINAL_TABLE31 = {"closed": 0.33, "open": 0.45}
ORIGINAL_TABLE31_NAME = "Table 3.1"  # its number in the original dissertation

# citation key -> (in-text citation, full reference)
REFERENCES: dict[str, tuple[str, str]] = {
    "amodei2015": ("Amodei et al., 2015",
                   "Amodei, D., Anubhai, R., Battenberg, E., et al. (2015). Deep Speech 2: End-to-end speech "
                   "recognition in English and Mandarin. arXiv:1512.02595."),
    "benster2024": ("Benster et al., 2024",
                    "Benster, T., Wilson, G., Elisha, R., Willett, F. R., & Druckmann, S. (2024). A cross-modal "
                    "approach to silent speech with LLM-enhanced recognition. arXiv:2403.05583."),
    "chen1998": ("Chen and Goodman, 1998",
                 "Chen, S. F., & Goodman, J. (1998). An empirical study of smoothing techniques for language "
                 "modeling. Technical Report TR-10-98, Harvard University."),
    "denby2010": ("Denby et al., 2010",
                  "Denby, B., Schultz, T., Honda, K., Hueber, T., Gilbert, J. M., & Brumberg, J. S. (2010). Silent "
                  "speech interfaces. Speech Communication, 52(4), 270-287."),
    "efron1993": ("Efron and Tibshirani, 1993",
                  "Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap. Chapman & Hall."),
    "gaddy2020": ("Gaddy and Klein, 2020",
                  "Gaddy, D., & Klein, D. (2020). Digital voicing of silent speech. Proceedings of EMNLP 2020. "
                  "Dataset: Zenodo, doi:10.5281/zenodo.4064408."),
    "gaddy2021": ("Gaddy and Klein, 2021",
                  "Gaddy, D., & Klein, D. (2021). An improved model for voicing silent speech. Proceedings of "
                  "ACL-IJCNLP 2021 (short papers)."),
    "gaddy2022": ("Gaddy, 2022",
                  "Gaddy, D. (2022). Voicing silent speech. PhD thesis, University of California, Berkeley."),
    "gonzalez2020": ("Gonzalez-Lopez et al., 2020",
                     "Gonzalez-Lopez, J. A., Gomez-Alanis, A., Martín-Doñas, J. M., Pérez-Córdoba, J. L., & Gomez, "
                     "A. M. (2020). Silent speech interfaces for speech restoration: A review. IEEE Access, 8, "
                     "177995-178021."),
    "goodfellow2014": ("Goodfellow et al., 2014",
                       "Goodfellow, I., Pouget-Abadie, J., Mirza, M., et al. (2014). Generative adversarial nets. "
                       "Advances in Neural Information Processing Systems 27."),
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
    "kapur2018": ("Kapur et al., 2018",
                  "Kapur, A., Kapur, S., & Maes, P. (2018). AlterEgo: A personalized wearable silent speech "
                  "interface. Proceedings of the 23rd International Conference on Intelligent User Interfaces "
                  "(IUI 2018), 43-53."),
    "kingma2014": ("Kingma and Welling, 2014",
                   "Kingma, D. P., & Welling, M. (2014). Auto-encoding variational Bayes. Proceedings of ICLR 2014."),
    "mohapatra2025": ("Mohapatra et al., 2025",
                      "Mohapatra, P., Pandey, A., Zhang, X., & Zhu, Q. (2025). Can LLMs understand unvoiced speech? "
                      "Exploring EMG-to-text conversion with LLMs. Proceedings of the 63rd Annual Meeting of the "
                      "Association for Computational Linguistics (ACL 2025), Volume 2: Short Papers. "
                      "arXiv:2506.00304."),
    "park2019": ("Park et al., 2019",
                 "Park, D. S., Chan, W., Zhang, Y., et al. (2019). SpecAugment: A simple data augmentation method "
                 "for automatic speech recognition. Proceedings of Interspeech 2019."),
    "sabour2017": ("Sabour et al., 2017",
                   "Sabour, S., Frosst, N., & Hinton, G. E. (2017). Dynamic routing between capsules. Advances in "
                   "Neural Information Processing Systems 30."),
    "schultz2010": ("Schultz and Wand, 2010",
                    "Schultz, T., & Wand, M. (2010). Modeling coarticulation in EMG-based continuous speech "
                    "recognition. Speech Communication, 52(4), 341-353."),
    "zoph2017": ("Zoph and Le, 2017",
                 "Zoph, B., & Le, Q. V. (2017). Neural architecture search with reinforcement learning. "
                 "Proceedings of ICLR 2017."),
}


def cite(*keys: str) -> str:
    """``"(Gaddy and Klein, 2020; Gaddy, 2022)"``."""
    return "(" + "; ".join(REFERENCES[k][0] for k in keys) + ")"
