"""The layout of a run folder, in one place.

A trained run (``runs/<config>-<fingerprint[:12]>``), a released one
(``released/runs/...``), a packed model (``reports/models/...``) and the evaluation home of
a read-only run (``runs/evaluations/<run>-<weights digest[:12]>``) share it::

    manifest.json                  what the run is (config, data, code, participants, ...)
    metrics.json                   one row per epoch
    checkpoints/best.pt, last.pt   the weights (last.pt: with the resume-only state)
    eval/<split>-<mode>-<decoder>[-lexfree][-data-<fp12>][-streamed]/   predictions.jsonl, metrics.json
    eval/lm-weights-<split>-<mode>.json                                  the LM weights chosen on dev
    lm[-data-<fp12>]/              the n-gram LM the beam search decodes with
    bench/                         the benchmark's numbers (train_resources.json, latency, ...)

:class:`RunFolder` names every one of these paths; nothing else spells them. The training
loop, its checkpoints and the training data (``training/loop.py``, ``checkpoint.py``,
``data.py``, ``adapt.py``) keep their own spellings of the same names: they are part of the
training-code fingerprint (``training.fingerprint``), and editing them would make every
released run stale. A test checks that both agree.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

MANIFEST = "manifest.json"
METRICS = "metrics.json"
CHECKPOINTS = "checkpoints"
EVAL = "eval"
LM = "lm"
BENCH = "bench"
PREDICTIONS = "predictions.jsonl"
TRAIN_RESOURCES = "train_resources.json"
LM_WEIGHTS = "lm-weights-"  # eval/lm-weights-<split>-<mode>.json
STREAMED = "-streamed"  # eval/<...>-streamed/: decoded chunk by chunk


def data_suffix(data_fingerprint: str | None) -> str:
    """``""`` for the run's own data, else ``-data-<fingerprint[:12]>`` (outputs made from another corpus
    or split file)."""
    return f"-data-{data_fingerprint[:12]}" if data_fingerprint else ""


def evaluation_name(split: str, mode: str, decoder: str, *, lexfree: bool = False, data: str | None = None,
                    streamed: bool = False) -> str:
    """``<split>-<mode>-<decoder>[-lexfree][-data-<fp12>][-streamed]``: one evaluation's folder name.

    ``data``: the corpus fingerprint when it is not the run's own data (see :func:`data_suffix`)."""
    return (f"{split}-{mode}-{decoder}" + ("-lexfree" if lexfree else "") + data_suffix(data)
            + (STREAMED if streamed else ""))


def read_manifest(run_dir: str | os.PathLike) -> dict:
    """``run_dir``'s manifest, or ``{}`` when it is missing, unreadable or not a JSON object."""
    return RunFolder(run_dir).read_manifest()


class RunFolder:
    """One run folder's paths (nothing is read or made until asked)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @staticmethod
    def name_for(config_name: str, fingerprint: str) -> str:
        """A run's folder name, ``<config>-<fingerprint[:12]>``: the same wherever the run lies."""
        return f"{config_name}-{fingerprint[:12]}"

    # -- what the run is ----------------------------------------------------------------
    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    @property
    def metrics(self) -> Path:
        return self.path / METRICS

    def read_manifest(self) -> dict:
        """The manifest, or ``{}`` when it is missing, unreadable or not a JSON object."""
        try:
            value = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    # -- weights ------------------------------------------------------------------------
    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    def checkpoint(self, which: str = "best") -> Path:
        return self.checkpoints / f"{which}.pt"

    @property
    def best(self) -> Path:
        return self.checkpoint("best")

    @property
    def last(self) -> Path:
        return self.checkpoint("last")

    def finished(self, fingerprint: str | None = None) -> bool:
        """A manifest that says the run finished (with ``fingerprint``, when given) and a best checkpoint."""
        manifest = self.read_manifest()
        return bool(manifest.get("finished")) and self.best.is_file() and (
            fingerprint is None or manifest.get("run_fingerprint") == fingerprint)

    # -- decoded outputs ----------------------------------------------------------------
    @property
    def evaluations(self) -> Path:
        return self.path / EVAL

    def evaluation(self, split: str, mode: str, decoder: str, *, lexfree: bool = False, data: str | None = None,
                   streamed: bool = False) -> Path:
        """``eval/<split>-<mode>-<decoder>[-lexfree][-data-<fp12>][-streamed]`` (:func:`evaluation_name`)."""
        return self.evaluations / evaluation_name(split, mode, decoder, lexfree=lexfree, data=data,
                                                  streamed=streamed)

    def evaluation_metrics(self) -> list[Path]:
        """Every ``eval/<folder>/metrics.json``, sorted by folder name."""
        return sorted(self.evaluations.glob(f"*/{METRICS}"))

    def lm_weights(self, split: str, mode: str) -> Path:
        """``eval/lm-weights-<split>-<mode>.json``: the LM weights chosen on ``split``."""
        return self.evaluations / f"{LM_WEIGHTS}{split}-{mode}.json"

    def lm(self, data: str | None = None) -> Path:
        """``lm[-data-<fp12>]/``: the language model of the run's own data, or of another corpus."""
        return self.path / (LM + data_suffix(data))

    # -- the benchmark's numbers --------------------------------------------------------
    @property
    def bench(self) -> Path:
        return self.path / BENCH

    @property
    def train_resources(self) -> Path:
        return self.bench / TRAIN_RESOURCES
