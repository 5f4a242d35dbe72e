"""The study, one folder per chapter: open notebook NN, open one folder.

Each chapter folder holds what is particular to that chapter: its plan (``plan.py``: which runs, at which
budget), its runner (``runner.py``), its findings (``findings.py``: the sentences its notebook ends with),
its figures (``figures.py``) and its text in the dissertation (``text.py``); its ``__init__`` is what the
notebook calls. Shared machinery (training, evaluation, decoding, statistics, tables, the dissertation's
template and records) stays in the stage packages below; :mod:`.plan` puts the chapters' plans together and
:mod:`.headline` is the comparison over seeds that chapters 05-07 share.

=====  ==============================  ======================
slot   notebook                        folder
=====  ==============================  ======================
01     01_dataset_exploration          ``dataset/``
02     02_feature_visualization        ``features/``
03     03_deepspeech2_audio_baselines  ``audio_baselines/``
04     04_emg_baselines                ``emg_baselines/``
05     05_transformer_training         ``myostream/``
06     06_ablations                    ``ablations/``
07     07_inference_latency            ``latency/``
08     08_live_openbci_capture         ``participants/``
09     09_report                       ``dissertation/``
=====  ==============================  ======================
"""

# notebook slot -> chapter folder (tests/test_architecture.py checks each notebook imports only its own)
CHAPTER_OF_SLOT = {"01": "dataset", "02": "features", "03": "audio_baselines", "04": "emg_baselines",
                   "05": "myostream", "06": "ablations", "07": "latency", "08": "participants", "09": "dissertation"}
