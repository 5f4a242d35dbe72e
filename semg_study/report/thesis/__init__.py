"""The dissertation as authored chapters with computed values.

* :mod:`.values`: a number's one formatting rule per kind of quantity, where it came from
  (:class:`~.values.Source`: a file and the path of the value inside it, or a constant of the code), and
  the marks that tie each rendered number to that source;
* :mod:`.records`: the study's results as typed records (a dataclass per result row, keyed by
  metadata: model, vocabulary, split, mode, decoder, seeds), read from the table sidecars, the
  benchmark and the run manifests;
* :mod:`.template`: the chapters' template language (``{name}`` values, verdict-chosen words);
* :mod:`.chapters`: one module per chapter, its text written by a person, its numbers named values;
* :mod:`.check`: the consistency check that fails the build (every number traced to its source at
  the same rounding, one value per quantity, labels that match the data, no placeholder left);
* :mod:`.build`: the chapters assembled into the :class:`~semg_study.report.document.Document`.
"""
