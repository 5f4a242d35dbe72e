"""The study: ``semg-study study`` runs the numbered notebooks in order and records the run.

The top of the stage order (just below the entry points): it assembles the stages below
(the corpora of ``synth``, the notebooks' set-up in ``report``, the released runs of
``training``) into one run of the study.

* ``cli.py``: the ``semg-study study`` verb (``configure``, ``run``): step 0, then each notebook;
* ``corpora.py``: step 0, the corpora the notebooks read and the split file they use;
* ``notebooks.py``: the nine slots, the parameters convention, papermill execution of one notebook;
* ``memory.py``: the peak memory of a notebook's kernel (a sampler of the process tree);
* ``record.py``: the run record, ``<out>/study_run.json`` and ``<out>/tables/study_run.md``.
"""
