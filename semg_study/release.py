"""Released models: a trained run packed small enough to commit, with a model card.

``release_run(run_dir)`` copies a run's best checkpoint without the optimiser,
scheduler and RNG state (they only matter for resuming), its manifest, metrics
and evaluation results into ``models/<config name>/``, and writes
``MODEL_CARD.md`` from them. The folder has the layout of a run folder, so
``semg-study evaluate models/<name>``, ``semg-study latency models/<name>`` and
``semg-study live --run models/<name>`` load it with ``load_run`` like any run.

The card's numbers are read from the run's own ``eval/*/metrics.json`` files;
nothing is typed by hand.

Consent: a model's weights carry the data of everyone it was trained on, so a
run is released only when every captured participant in its manifest's
``participants`` consented to model release in the consent register
(:func:`semg_study.consent.check_model_release`); synthetic and public data
always may be. The card lists the training data by participant code, and the
folder ends with a ``SHA256SUMS`` manifest (``semg-study verify-release``).
``semg-study release-model RUN OUT --register FILE`` is the CLI.
"""
from __future__ import annotations

import argparse
import io as _io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from semg_study import io
from semg_study.checksums import write_checksums
from semg_study.consent import Register, check_model_release, read_register
from semg_study.data.participants import training_participants
from semg_study.errors import StudyError
from semg_study.locations import repo_relative
from semg_study.provenance import keeps_tmp, portable
from semg_study.markdown import markdown_table
from semg_study.run_folder import METRICS, RunFolder

# Training-only state that a released model does not need.
_RESUME_ONLY_KEYS = ("optimizer", "scheduler", "scaler", "rng", "sampler")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StudyError(f"{path}: cannot read JSON ({exc})") from exc


def evaluation_results(run_dir: Path) -> list[Path]:
    """The run's evaluations (``eval/<split>-<mode>-<decoder>/metrics.json``), sorted by folder name.

    Other files of ``eval/`` are caches, not results: the participants' decodings that a study
    keeps beside a run (``eval/participant-<P>-test/``) have no split and no rates, and whether they
    exist depends on what ran before, so a release carries none of them."""
    return [path for path in RunFolder(run_dir).evaluation_metrics() if "split" in _read_json(path)]


def evaluation_rows(run_dir: Path) -> list[dict[str, Any]]:
    """One row per evaluation of a run (:func:`evaluation_results`), sorted by folder name."""
    rows = []
    for metrics_path in evaluation_results(run_dir):
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


def provenance_lines(participants: list[dict] | None) -> list[str]:
    """The card's "Training data provenance" section: one row per participant code or data source."""
    lines = ["## Training data provenance", ""]
    if not participants:
        return lines + ["Not recorded in the run's manifest.", ""]
    rows = []
    for r in participants:
        if r["source"] == "captured":
            consent = f"consented ({r['consent_date']})" if r.get("consent_date") else "consented"
        else:
            consent = f"not needed ({r['source']} data)"
        rows.append([r["participant"], r["source"], r["utterances"], consent])
    lines += markdown_table(["participant", "source", "training utterances", "model release"], rows)
    return lines + ["", "Participants are pseudonymous codes from the consent register; no names are held.", ""]


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
        lines += markdown_table(["split", "mode", "condition", "decoder", "WER", "CER", "data"],
                                [[r["split"], r["mode"], r["condition"], r["decoder"], _fmt(r["wer"]), _fmt(r["cer"]),
                                  r["data"]] for r in evaluations])
    else:
        lines.append("No evaluation was run before release; run `semg-study evaluate` on this folder.")
    lines += [""] + provenance_lines(manifest.get("participants"))
    lines += [
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
        f"semg-study latency {location}",
        "```",
        "",
        "Licence: GPL-3.0-or-later, as the rest of the project.",
        "",
    ]
    return "\n".join(lines)


def run_participants(run_dir: Path, manifest: dict) -> list[dict]:
    """The manifest's training participants; for a run trained before manifests listed them, derived
    again from its data root, provided the data still has the run's fingerprint."""
    if isinstance(manifest.get("participants"), list):
        return manifest["participants"]
    from semg_study.recipes.config import load_config
    from semg_study.recipes.selection import open_configured_corpus, train_utterances
    from semg_study.training.data import data_fingerprint

    try:
        cfg = load_config(manifest["config"])
        _, corpus = open_configured_corpus(cfg)
        fingerprint = data_fingerprint(cfg, corpus)
    except (KeyError, TypeError, StudyError) as exc:
        raise StudyError(f"{RunFolder(run_dir).manifest}: lists no training participants and its training data "
                         f"cannot be read to find them ({exc}); retrain the run") from None
    if fingerprint != manifest.get("data_fingerprint"):
        raise StudyError(f"{RunFolder(run_dir).manifest}: lists no training participants and its data root has "
                         "changed since training (fingerprint differs); retrain the run")
    return training_participants(train_utterances(cfg, corpus), corpus)


def release_run(run_dir: str | os.PathLike, models_dir: str | os.PathLike = "models", name: str | None = None,
                repo_root: str | os.PathLike | None = None, register: Register | str | os.PathLike | None = None,
                ) -> Path:
    """Pack ``run_dir`` into ``models_dir/<name>`` (see module doc). Returns the folder.

    Refuses (StudyError naming them) when a captured participant of the training data did not
    consent to model release in ``register``, or there is no register to ask."""
    import torch

    from semg_study.provenance import repo_root as find_repo_root

    run = RunFolder(run_dir)
    run_dir = run.path
    best, manifest_path = run.best, run.manifest
    for required in (best, manifest_path):
        if not required.is_file():
            raise StudyError(f"{required}: missing; is {run_dir} a finished training run?")
    manifest = _read_json(manifest_path)
    if not manifest.get("finished", True):
        raise StudyError(f"{run_dir}: the run did not finish; release a finished run")
    if register is not None and not isinstance(register, Register):
        register = read_register(register)
    participants = check_model_release(run_participants(run_dir, manifest), register, str(run_dir))
    root = Path(repo_root) if repo_root is not None else find_repo_root()
    name = name or manifest.get("config_name") or run_dir.name
    models_dir = Path(models_dir)
    out = models_dir / name
    # every text of the folder is written portable here, before its checksums: nothing may
    # rewrite a released file afterwards (the pipeline's final path pass leaves release folders alone)
    keep_tmp = keeps_tmp(models_dir)

    def shown(value: Any) -> Any:
        return portable(value, root, keep_tmp)

    ckpt = torch.load(best, map_location="cpu", weights_only=False)
    for key in _RESUME_ONLY_KEYS:
        ckpt.pop(key, None)
    if isinstance(ckpt.get("config"), dict):
        data = ckpt["config"].setdefault("data", {})
        data["root"] = repo_relative(data.get("root"), root)
        train = ckpt["config"].setdefault("train", {})
        train["out"] = repo_relative(train.get("out"), root)  # where it was trained: not this machine's path
    manifest = dict(manifest)
    if isinstance(manifest.get("config"), dict):
        manifest["config"]["data"]["root"] = repo_relative(manifest["config"]["data"].get("root"), root)
    manifest["data_root"] = repo_relative(manifest.get("data_root"), root)
    manifest["released_from"] = str(run_dir)
    manifest["participants"] = participants
    manifest = shown(manifest)
    evaluations = shown(evaluation_rows(run_dir))
    try:  # show the folder as a reader of the repository will type it
        location = str(out.resolve().relative_to(root.resolve()))
    except ValueError:
        location = shown(str(out))

    # the folder is built beside its destination and swapped in whole, checksums last: an earlier
    # release of the same name leaves no file behind, and a failure leaves the earlier one intact
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=models_dir))
    try:
        # serialised in memory: torch names the archive's records after the file, and io.torch_save's
        # temporary file has a random name, so the same checkpoint would not give the same bytes twice
        buffer = _io.BytesIO()
        torch.save(ckpt, buffer)
        packed = RunFolder(staging)
        io.write_bytes(packed.best, buffer.getvalue())
        io.write_json(packed.manifest, manifest)
        if run.metrics.is_file():
            io.write_json(packed.metrics, shown(_read_json(run.metrics)))
        for metrics_path in evaluation_results(run_dir):
            io.write_json(packed.evaluations / metrics_path.parent.name / METRICS, shown(_read_json(metrics_path)))
        io.write_text(staging / "MODEL_CARD.md",
                      model_card(name, manifest, evaluations, manifest["released_from"], location))
        write_checksums(staging)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def release_runs(run_dirs, models_dir: str | os.PathLike = "models") -> list[Path]:
    """Release several runs; an existing ``models_dir/<name>`` is replaced."""
    released = []
    for run_dir in run_dirs:
        released.append(release_run(run_dir, models_dir))
    return released


# ------------------------------------------------------------------ CLI: release-model
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a finished training run folder")
    parser.add_argument("out", metavar="OUT", help="folder for the released model (replaced files, same layout as a run)")
    parser.add_argument("--register", metavar="FILE",
                        help="consent register (participants.csv); needed when the run was trained on captured "
                             "participants")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    released = release_run(args.run, models_dir=out.parent, name=out.name, register=args.register)
    manifest = json.loads(RunFolder(released).manifest.read_text(encoding="utf-8"))
    provenance = ", ".join(f"{r['participant']} ({r['utterances']})" for r in manifest["participants"])
    print(f"released {args.run} into {released}; trained on: {provenance}; card {released / 'MODEL_CARD.md'}")
    return 0


__all__ = ["release_run", "release_runs", "model_card", "evaluation_rows", "run_participants", "provenance_lines"]
