"""An evaluation folder: ``predictions.jsonl`` (one line per utterance) and ``metrics.json``.

Written by every decoding that is scored (``evaluate_run``, the streamed
evaluation) and read back by :func:`read_evaluation` (error analysis, rescoring
with confidence intervals), so the two files have one layout.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

from semg_study import io
from semg_study.errors import DataError
from semg_study.evaluation.metrics import UtteranceErrors
from semg_study.locations import default_runs_root
from semg_study.run_folder import METRICS, PREDICTIONS, RunFolder
from semg_study.training.fingerprint import weights_digest

_UTTERANCE_FIELDS = ("id", "reference", "hypothesis", "words", "hits", "substitutions", "deletions", "insertions",
                     "characters", "character_errors")


def evaluation_home(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """The folder a run's decoded outputs (``eval/``) and language models (``lm/``) are written under.

    ``out`` when given; otherwise the run folder itself, except for a read-only run (a released
    run under ``released/`` or a checksummed model release), whose outputs go to
    ``<runs root>/evaluations/<run name>-<weights digest>``: evaluating a released run never
    writes into it, and two releases of one name with other weights never share a folder.
    """
    from semg_study.training.released import read_only_run

    if out is not None:
        return Path(out)
    run_dir = Path(run_dir)
    if not read_only_run(run_dir):
        return run_dir
    digest = weights_digest(run_dir) or "no-weights"
    return default_runs_root() / "evaluations" / RunFolder.name_for(run_dir.name, digest)


def predictions_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / PREDICTIONS


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def manifest_reference(run_dir: Path, manifest: dict) -> dict:
    """What ``metrics.json`` records of the run's manifest: its path, digest, commit, data and config."""
    manifest_path = RunFolder(run_dir).manifest
    return {"path": str(manifest_path), "sha256": _file_sha256(manifest_path),
            "git": manifest.get("git"), "data_fingerprint": manifest.get("data_fingerprint"),
            "config": manifest.get("config_name")}


def write_evaluation(out_dir: str | Path, scored, raw_references: Sequence[str], metrics: dict) -> dict:
    """Write ``scored``'s per-utterance errors (with each raw reference) and then ``metrics``, atomically.

    ``scored`` is a :func:`semg_study.evaluation.metrics.score` result; ``metrics``
    is written as given (callers put ``predictions_path(out_dir)`` in it).
    """
    out_dir = Path(out_dir)
    lines = [json.dumps({"id": u.id, "reference": u.reference, "hypothesis": u.hypothesis, "raw_reference": raw,
                         **{k: v for k, v in u.as_dict().items() if k not in ("id", "reference", "hypothesis")}})
             for u, raw in zip(scored.utterances, raw_references)]
    io.write_text(predictions_path(out_dir), "".join(line + "\n" for line in lines))
    io.write_json(out_dir / METRICS, metrics)
    return metrics


def read_evaluation(out_dir: str | Path) -> tuple[dict, list]:
    """Read back ``metrics.json`` and the per-utterance errors of one evaluation folder.

    For error analysis (``alignment_report(utterances)`` renders the worst ones).
    """
    out_dir = Path(out_dir)
    try:
        metrics = json.loads((out_dir / METRICS).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(out_dir / METRICS, f"cannot read evaluation metrics ({exc})") from exc
    path = predictions_path(out_dir)
    utterances = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(path, f"cannot read predictions ({exc.strerror})") from exc
    for n, line in enumerate(lines, 1):
        try:
            row = json.loads(line)
            utterances.append(UtteranceErrors(**{k: row[k] for k in _UTTERANCE_FIELDS}))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(path, f"line {n}: not a prediction record ({exc})") from exc
    return metrics, utterances
