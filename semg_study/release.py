"""Released models: a trained run packed small enough to commit, with a model card.

``release_run(run_dir)`` copies a run's best checkpoint without the optimiser,
scheduler and RNG state (they only matter for resuming), its manifest, metrics
and evaluation results into ``models/<config name>/``, and writes
``MODEL_CARD.md`` from them. The folder has the layout of a run folder, so
``semg-study evaluate models/<name>``, ``semg-study bench models/<name>`` and
``semg-study live --run models/<name>`` load it with ``load_run`` like any run.

The card's numbers are read from the run's own ``eval/*/metrics.json`` files;
nothing is typed by hand.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from semg_study import io
from semg_study.errors import StudyError

# Training-only state that a released model does not need.
_RESUME_ONLY_KEYS = ("optimizer", "scheduler", "scaler", "rng", "sampler")


def _repo_relative(path: str | None, repo_root: Path) -> str | None:
    """Make an absolute data root portable when it lies inside the repository."""
    if not path:
        return path
    p = Path(path)
    try:
        return str(p.resolve().relative_to(repo_root.resolve()))
    except ValueError:
        return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StudyError(f"{path}: cannot read JSON ({exc})") from exc


def evaluation_rows(run_dir: Path) -> list[dict[str, Any]]:
    """One row per ``eval/<folder>/metrics.json`` of a run, sorted by folder name."""
    rows = []
    for metrics_path in sorted(run_dir.glob("eval/*/metrics.json")):
        m = _read_json(metrics_path)
        decoder = m.get("decoder") or {}
        rows.append({
            "split": m.get("split"), "mode": m.get("mode"), "condition": m.get("condition"),
            "decoder": decoder.get("decoder") if isinstance(decoder, dict) else decoder,
            "wer": m.get("wer"), "cer": m.get("cer"), "data": m.get("data"),
            "utterances": (m.get("counts") or {}).get("utterances") if isinstance(m.get("counts"), dict) else None,
        })
    return rows


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else ("n/a" if value is None else str(value))


def model_card(name: str, manifest: dict, evaluations: list[dict], released_from: str,
               location: str | None = None) -> str:
    location = location or f"models/{name}"
    config = manifest.get("config", {})
    data = config.get("data", {})
    train = config.get("train", {})
    synthetic = bool(manifest.get("synthetic"))
    data_label = "the embedded **synthetic** corpus" if synthetic else "real recordings"
    git = manifest.get("git", {})
    lines = [
        f"# Model card: {name}",
        "",
        f"- **Model**: `{manifest.get('model')}` ({manifest.get('n_parameters', 'n/a'):,} parameters)"
        if isinstance(manifest.get("n_parameters"), int) else f"- **Model**: `{manifest.get('model')}`",
        f"- **Config**: `{manifest.get('config_name')}` (full resolved config in `manifest.json`)",
        f"- **Trained on**: {data_label} at `{data.get('root')}`, condition `{data.get('condition')}`, "
        f"modes {data.get('train_modes')}, {manifest.get('n_train_utterances', 'n/a')} training utterances",
        f"- **Data fingerprint**: `{manifest.get('data_fingerprint')}`",
        f"- **Training**: {manifest.get('epochs_completed', 'n/a')} epochs (config: {train.get('epochs')}), "
        f"seed {manifest.get('seed')}, device {manifest.get('device')}",
        f"- **Code**: git `{git.get('commit')}`{' (dirty)' if git.get('dirty') else ''}",
        f"- **Released from**: `{released_from}`",
        "",
        "## Metrics" + (" (synthetic data)" if synthetic else ""),
        "",
    ]
    if evaluations:
        lines += ["| split | mode | condition | decoder | WER | CER | data |", "|---|---|---|---|---|---|---|"]
        for r in evaluations:
            lines.append(f"| {r['split']} | {r['mode']} | {r['condition']} | {r['decoder']} | "
                         f"{_fmt(r['wer'])} | {_fmt(r['cer'])} | {r['data']} |")
    else:
        lines.append("No evaluation was run before release; run `semg-study evaluate` on this folder.")
    lines += [
        "",
        "## Intended use",
        "",
        "Reproducing and inspecting the study's pipeline (evaluation, latency benchmarks, the live-decoding "
        "notebook) without training. It is a quick-profile model: small and briefly trained.",
        "",
        "## Limitations",
        "",
    ]
    if synthetic:
        lines.append("- Trained **only on synthetic EMG**: its outputs on real sEMG are meaningless, and its "
                     "error rates say nothing about performance on the Digital Voicing dataset.")
    lines += [
        "- Sessions not seen in training map to the `<unknown>` session entry.",
        "- Not a medical device; not for communication by people who depend on it.",
        "",
        "## Load it",
        "",
        "```bash",
        f"semg-study evaluate {location} --split dev --decoder greedy",
        f"semg-study bench {location}",
        "```",
        "",
        "Licence: GPL-3.0-or-later, as the rest of the project.",
        "",
    ]
    return "\n".join(lines)


def release_run(run_dir: str | os.PathLike, models_dir: str | os.PathLike = "models", name: str | None = None,
                repo_root: str | os.PathLike | None = None) -> Path:
    """Pack ``run_dir`` into ``models_dir/<name>`` (see module doc). Returns the folder."""
    import torch

    from semg_study.report.paths import repo_root as find_repo_root

    run_dir = Path(run_dir)
    best = run_dir / "checkpoints" / "best.pt"
    manifest_path = run_dir / "manifest.json"
    for required in (best, manifest_path):
        if not required.is_file():
            raise StudyError(f"{required}: missing; is {run_dir} a finished training run?")
    manifest = _read_json(manifest_path)
    if not manifest.get("finished", True):
        raise StudyError(f"{run_dir}: the run did not finish; release a finished run")
    root = Path(repo_root) if repo_root is not None else find_repo_root()
    name = name or manifest.get("config_name") or run_dir.name
    out = Path(models_dir) / name

    ckpt = torch.load(best, map_location="cpu", weights_only=False)
    for key in _RESUME_ONLY_KEYS:
        ckpt.pop(key, None)
    if isinstance(ckpt.get("config"), dict):
        data = ckpt["config"].setdefault("data", {})
        data["root"] = _repo_relative(data.get("root"), root)
    manifest = dict(manifest)
    if isinstance(manifest.get("config"), dict):
        manifest["config"]["data"]["root"] = _repo_relative(manifest["config"]["data"].get("root"), root)
    manifest["data_root"] = _repo_relative(manifest.get("data_root"), root)
    manifest["released_from"] = str(run_dir)

    io.torch_save(out / "checkpoints" / "best.pt", ckpt)
    io.write_json(out / "manifest.json", manifest)
    if (run_dir / "metrics.json").is_file():
        io.write_bytes(out / "metrics.json", (run_dir / "metrics.json").read_bytes())
    for metrics_path in sorted(run_dir.glob("eval/*/metrics.json")):
        io.write_bytes(out / "eval" / metrics_path.parent.name / "metrics.json", metrics_path.read_bytes())
    evaluations = evaluation_rows(run_dir)
    try:  # show the folder as a reader of the repository will type it
        location = str(out.resolve().relative_to(root.resolve()))
    except ValueError:
        location = str(out)
    io.write_text(out / "MODEL_CARD.md", model_card(name, manifest, evaluations, str(run_dir), location))
    return out


def release_runs(run_dirs, models_dir: str | os.PathLike = "models") -> list[Path]:
    """Release several runs; an existing ``models_dir/<name>`` is replaced."""
    released = []
    for run_dir in run_dirs:
        released.append(release_run(run_dir, models_dir))
    return released


__all__ = ["release_run", "release_runs", "model_card", "evaluation_rows"]
