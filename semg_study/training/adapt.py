"""Adapting a trained run to a new participant (``semg-study adapt RUN DATA``).

A few minutes of a new person's calibration recordings fine-tune a trained run:

* **calibration**: the participant's training-split utterances (the run's condition,
  in its evaluation mode) in a fixed order drawn from ``seed``, taken up to
  ``minutes`` of EMG or ``utterances`` utterances (:func:`calibration_utterances`);
  the checkpoint is chosen, and training stopped early, on the participant's own dev
  utterances;
* **what adapts** (:data:`MODES`): ``adapter``: the session adapter only (MyoStream's
  per-session channel mixing, ``session_*``); ``top``: the adapter, the last block and
  the output layer; ``all``: every parameter, at a lower learning rate; ``scratch``:
  the same architecture re-initialised and trained on the same calibration utterances
  only (the baseline an adaptation has to beat);
* the participant's sessions get new adapter rows, initialised from the parent's
  ``<unknown>`` row; the parent's session map is extended, never renumbered, and the
  parent's rows never change (their gradients are masked, and they carry no weight decay);
* the parent's feature config, normaliser and vocabulary are reused as they are (a
  normaliser is never refit on the participant's data), and the recordings go through
  the run's input-rate check (:mod:`semg_study.data.rates`).

The result is an ordinary run folder (``load_run``, ``semg-study evaluate``, ``live``)
whose manifest names its parent run, the adaptation settings and the participants of
both (so ``release-model`` applies the consent rule to all of them). The losses,
steps and dev evaluation are the training loop's own functions; the run fingerprint
covers the parent's run fingerprint, the settings, the participant data and the code.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from semg_study import io
from semg_study.errors import ConfigError, StudyError

MODES = ("adapter", "top", "all", "scratch")
# Learning rate per mode, as a fraction of the parent's: the adapter rows start far from what a new
# person needs and are few; the more of the trained network moves, the smaller the steps must be so
# that a few minutes of data do not wipe out what the study corpus taught it.
LR_SCALE = {"adapter": 1.0, "top": 0.3, "all": 0.1, "scratch": 1.0}
ADAPTER_PREFIX = "session_"
ADAPT_CODE = ("training/adapt.py",)
SECONDS_PER_MINUTE = 60.0


@dataclass(frozen=True)
class AdaptSettings:
    """What an adaptation run is, apart from its parent and its data."""

    adapt: str = "adapter"
    participant: str | None = None
    minutes: float | None = None
    utterances: int | None = None
    epochs: int = 30
    patience: int = 5
    lr: float | None = None          # None: the parent's learning rate x LR_SCALE[adapt]
    seed: int = 0

    def check(self) -> None:
        if self.adapt not in MODES:
            raise ConfigError(f"--adapt must be one of {MODES}, not {self.adapt!r}")
        if self.minutes is not None and self.utterances is not None:
            raise ConfigError("give --minutes or --utterances, not both")
        if self.minutes is not None and not self.minutes > 0:
            raise ConfigError(f"--minutes must be positive, not {self.minutes}")
        if self.utterances is not None and self.utterances < 1:
            raise ConfigError(f"--utterances must be at least 1, not {self.utterances}")
        if self.epochs < 1:
            raise ConfigError(f"--epochs must be at least 1, not {self.epochs}")


# ------------------------------------------------------------------ the participant's data
def utterance_participant(utt) -> str | None:
    """The participant code of a recording: its capture session's metadata, else the synthetic
    participant its info file names, else None (a corpus of one speaker)."""
    from semg_study.data.participants import session_participant

    code = session_participant(Path(utt.path).parent)
    if code is not None:
        return code
    try:
        info = json.loads(utt.info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    synthetic = info.get("synthetic") if isinstance(info, dict) else None
    return synthetic.get("participant") if isinstance(synthetic, dict) else None


def participant_utterances(utterances, participant: str | None) -> list:
    """The utterances of ``participant``; with None, all of them, provided they are one person's."""
    codes = [utterance_participant(u) for u in utterances]
    if participant is None:
        named = sorted({c for c in codes if c is not None})
        if len(named) > 1:
            raise ConfigError(f"the data holds participants {', '.join(named)}: choose one with --participant")
        return list(utterances)
    wanted = participant.strip().lower()
    return [u for u, c in zip(utterances, codes) if c is not None and c.lower() == wanted]


def emg_seconds(utt) -> float:
    """Length of a recording's EMG in seconds, read from the array header (no samples loaded)."""
    return np.load(utt.emg_path, mmap_mode="r").shape[0] / float(utt.emg_rate)


def calibration_utterances(utterances, *, minutes: float | None = None, n: int | None = None,
                           seed: int = 0) -> list:
    """The calibration set: ``utterances`` in an order drawn from ``seed`` (independent of the order
    they are listed in), the first ``n`` of them, or as many as fit in ``minutes`` of EMG (at least
    one); all of them when neither is given. A longer budget extends a shorter one's selection."""
    ordered = sorted(utterances, key=lambda u: u.id)
    order = np.random.default_rng(seed).permutation(len(ordered))
    shuffled = [ordered[i] for i in order]
    if n is not None:
        return shuffled[:n]
    if minutes is None:
        return shuffled
    budget, total, chosen = minutes * SECONDS_PER_MINUTE, 0.0, []
    for u in shuffled:
        seconds = emg_seconds(u)
        if chosen and total + seconds > budget:
            break
        chosen.append(u)
        total += seconds
    return chosen


def extended_sessions(parent: dict, utterances) -> dict:
    """The parent's session map with the utterances' new sessions appended (sorted by name)."""
    sessions = dict(parent)
    for name in sorted({u.session for u in utterances} - set(sessions)):
        sessions[name] = len(sessions)
    return sessions


def merged_participants(*lists) -> list[dict]:
    """The union of manifests' ``participants`` rows (utterances summed per participant and source),
    in :func:`semg_study.data.participants.training_participants`' order."""
    from semg_study.data.participants import SOURCES

    counts: dict[tuple[str, str], int] = {}
    for rows in lists:
        for r in rows or []:
            key = (r["participant"], r["source"])
            counts[key] = counts.get(key, 0) + int(r.get("utterances", 0))
    rows = [{"participant": p, "source": s, "utterances": n} for (p, s), n in counts.items()]
    return sorted(rows, key=lambda r: (SOURCES.index(r["source"]), r["participant"]))


# ------------------------------------------------------------------ the model
def adapted_model(parent, sessions: dict, adapt: str, seed: int):
    """The parent's architecture with one adapter row per session of ``sessions``: the parent's
    weights (new rows copied from its ``<unknown>`` row 0), or fresh weights for ``scratch``."""
    from semg_study.models.registry import build_model
    from semg_study.training.loop import seed_everything

    ckpt = torch.load(parent.checkpoint, map_location="cpu", weights_only=False)
    kwargs = dict(ckpt["model_kwargs"])
    has_adapter = any(name.startswith(ADAPTER_PREFIX) for name in ckpt["model_state"])
    if has_adapter:
        kwargs["n_sessions"] = len(sessions)
    elif adapt == "adapter":
        raise StudyError(f"{parent.run_dir}: the {ckpt['model_name']!r} model has no session adapter "
                         f"(no {ADAPTER_PREFIX}* parameters); adapt 'top' or 'all' instead")
    seed_everything(seed)
    model = build_model(ckpt["model_name"], **kwargs)
    if adapt == "scratch":
        return model, kwargs
    state = dict(ckpt["model_state"])
    for name, value in state.items():
        if name.startswith(ADAPTER_PREFIX):
            rows = value.shape[0]
            new = value[:1].expand(len(sessions) - rows, *value.shape[1:])
            state[name] = torch.cat([value, new.clone()])
    model.load_state_dict(state)
    return model, kwargs


def trainable_names(model, adapt: str) -> set[str]:
    """The parameters ``adapt`` trains (``top``: the adapter, the last block and the output layer)."""
    names = [n for n, _ in model.named_parameters()]
    adapter = {n for n in names if n.startswith(ADAPTER_PREFIX)}
    if adapt in ("all", "scratch"):
        return set(names)
    if adapt == "adapter":
        return adapter
    blocks = getattr(model, "blocks", None)
    if blocks is None or not hasattr(model, "classifier"):
        raise StudyError(f"{type(model).__name__} has no blocks/classifier: adapt 'adapter' or 'all' instead")
    last = f"blocks.{len(blocks) - 1}."
    return adapter | {n for n in names if n.startswith(last) or n.startswith("classifier.")}


def keep_parent_rows(model, first_new: int) -> None:
    """Mask the gradients of the adapter rows the parent trained (its sessions and ``<unknown>``):
    only the new participant's rows learn."""
    for name, p in model.named_parameters():
        if name.startswith(ADAPTER_PREFIX) and p.requires_grad:
            mask = torch.zeros_like(p)
            mask[first_new:] = 1.0
            p.register_hook(lambda g, m=mask: g * m)


def train_mode(model, trainable: set[str]) -> None:
    """Training mode (augmentation on), except normalisation layers left frozen: a frozen batch norm
    keeps the parent's running statistics rather than drifting to the calibration data's."""
    model.train()
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            own = [f"{name}.{n}" for n, _ in module.named_parameters()]
            if not own or not all(n in trainable for n in own):
                module.eval()


# ------------------------------------------------------------------ run identity
def code_digest() -> str:
    """The training code and this module: what decides the adapted weights besides the parent.

    Their syntax trees (``code_identity.semantic_digest``: docstrings and where an import comes from
    left out), not their bytes: a comment or a moved import leaves the released adapted runs valid,
    while any change to what the code computes makes them stale. The command line lives in
    ``adapt_cli.py``, outside this digest."""
    from semg_study.training import code_identity
    from semg_study.training.fingerprint import TRAINING_CODE

    entries = TRAINING_CODE + ADAPT_CODE
    return code_identity.semantic_digest(code_identity.current_sources(entries), entries)


def participant_data_fingerprint(corpus, feature_config, condition: str, mode: str, participant,
                                 calibration, dev) -> str:
    """The corpus files, the features, and which utterances calibrate and select the adapted model."""
    root = str(Path(corpus.root).resolve())
    rel = lambda utts: [str(u.path)[len(root):].lstrip("/") for u in utts]  # noqa: E731
    return corpus.fingerprint(features=feature_config.digest(), condition=condition, eval_mode=mode,
                              participant=participant, calibration=rel(calibration), dev=sorted(rel(dev)))


def adapted_fingerprint(parent_weights: str, settings: AdaptSettings, data_fp: str, code: str) -> str:
    """What an adapted run is: the parent's weights (by digest: two parent folders holding the same
    weights, e.g. the same seed trained under two epoch ceilings it never reached, give the same
    adapted run), the settings, the participant's data and the code."""
    payload = json.dumps({"parent_weights": parent_weights, "adaptation": asdict(settings), "data": data_fp,
                          "code": code}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# ------------------------------------------------------------------ adapt
def adapt_run(run: str | Path, data_root: str | Path, settings: AdaptSettings, out: str | Path | None = None,
              threads: int = 0, progress: bool = True, released: str | Path | None = None) -> Path:
    """Fine-tune ``run`` on a participant of ``data_root`` (see the module doc); return the new run folder
    (``<out>/<config>-<adapt>-<participant>-<fingerprint[:12]>``; reused when it finished already).

    ``released``: a folder of released adapted runs (``released/adapted``); a run there with the same
    fingerprint is copied into ``out`` and reused instead of trained (its manifest then says
    ``"source": "released"``)."""
    from semg_study.data import open_corpus
    from semg_study.data.dataset import BucketBatchSampler, EMGDataset, collate
    from semg_study.data.fingerprint import feature_cache_dir
    from semg_study.data.rates import conform_utterances, run_input_rate
    from semg_study.data.synthetic_label import labelled_synthetic
    from semg_study.training.fingerprint import weights_digest
    from semg_study.models.registry import count_parameters
    from semg_study.recipes.config import config_from_dict
    from semg_study.text import VOCAB
    from semg_study.training import load_run
    from semg_study.training.data import UNLIMITED, TrainingData
    from semg_study.training.loop import (PLATEAU_CER, autocast, compute_loss, evaluate_dev, make_schedule,
                                          seed_everything, to_device)
    from semg_study.training.manifest import finish_manifest, start_manifest
    from semg_study.locations import default_runs_root
    from semg_study.training.fingerprint import run_folder_name

    settings.check()
    if threads > 0:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    run = Path(run)
    parent = load_run(run)
    if getattr(parent.model, "input_key", "emg_raw") == "audio_features":
        raise StudyError(f"{run}: an audio model; adaptation takes a participant's EMG")
    if tuple(parent.vocab.symbols) != tuple(VOCAB.symbols):
        # the loop's dev evaluation decodes with the package vocabulary
        raise StudyError(f"{run}: its vocabulary differs from this version's; it cannot be adapted here")
    pcfg = parent.config

    corpus = open_corpus(Path(data_root).expanduser(), testset=pcfg.data.testset)
    mode, condition = pcfg.data.eval_mode, pcfg.data.condition
    pool = participant_utterances(corpus.utterances(condition=condition, split="train", mode=mode),
                                  settings.participant)
    dev = participant_utterances(corpus.utterances(condition=condition, split="dev", mode=mode),
                                 settings.participant)
    who = settings.participant or "the data"
    if not pool:
        raise StudyError(f"{corpus.root}: no {condition}-vocabulary {mode} training utterances of {who}")
    if not dev:
        raise StudyError(f"{corpus.root}: no {condition}-vocabulary {mode} dev utterances of {who} "
                         f"(early stopping needs the participant's own)")
    # refuse a recording slower than the run needs before anything is trained
    rate = run_input_rate(parent)
    calibration = conform_utterances(calibration_utterances(pool, minutes=settings.minutes, n=settings.utterances,
                                                            seed=settings.seed), rate)
    dev = conform_utterances(dev, rate)

    data_fp = participant_data_fingerprint(corpus, parent.feature_config, condition, mode, settings.participant,
                                           calibration, dev)
    fingerprint = adapted_fingerprint(weights_digest(run), settings, data_fp, code_digest())
    label = (settings.participant or "participant").replace("/", "-")
    run_dir = Path(out or default_runs_root()) / run_folder_name(
        f"{pcfg.name or pcfg.model.name}-{settings.adapt}-{label}", fingerprint)
    manifest_path = run_dir / "manifest.json"
    if manifest_path.is_file():
        done = json.loads(manifest_path.read_text())
        if done.get("run_fingerprint") == fingerprint and done.get("finished") and \
                (run_dir / "checkpoints" / "best.pt").is_file():
            return run_dir
    if released is not None:
        from semg_study.training.released import reuse

        folder = Path(released) / run_dir.name
        try:
            shipped = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            shipped = {}
        if shipped.get("run_fingerprint") == fingerprint and (folder / "checkpoints" / "best.pt").is_file():
            return reuse(folder, run_dir, data_root=str(Path(corpus.root).resolve()))

    lr = settings.lr if settings.lr is not None else pcfg.train.lr * LR_SCALE[settings.adapt]
    train_settings = {"epochs": settings.epochs, "patience": settings.patience, "lr": lr, "seed": settings.seed,
                      "out": str(out or default_runs_root()), "threads": threads, "progress": False}
    if settings.adapt != "scratch":  # fine-tuning: constant steps, no warm-up from a random start
        train_settings.update(schedule="constant", warmup_batches=0, halve_at_epochs=[])
    raw = pcfg.to_dict()
    raw["data"].update(root=str(Path(corpus.root).resolve()), train_modes=[mode], max_train_utterances=None)
    raw["train"].update(train_settings)
    cfg = config_from_dict(raw, source=str(run_dir / "manifest.json"), name=pcfg.name)

    sessions = extended_sessions(parent.sessions or {"<unknown>": 0}, calibration)
    first_new = len(parent.sessions or {"<unknown>": 0})
    model, kwargs = adapted_model(parent, sessions, settings.adapt, settings.seed)
    trainable = trainable_names(model, settings.adapt)
    for name, p in model.named_parameters():
        p.requires_grad_(name in trainable)
    if settings.adapt != "scratch":
        keep_parent_rows(model, first_new)

    cache_dir = feature_cache_dir(corpus.root)
    train_set = EMGDataset(calibration, parent.feature_config, vocab=parent.vocab, normalizer=parent.normalizer,
                           cache_dir=cache_dir, sessions=sessions, mel_normalizer=parent.mel_normalizer)
    dev_set = train_set.derive(dev)
    lengths_of = (lambda ds: ds.raw_lengths()) if model.input_key == "emg_raw" else (lambda ds: ds.frame_lengths())
    t = cfg.train
    budget = t.batch_samples if t.batch_samples > 0 else UNLIMITED
    max_items = None if t.batch_samples > 0 else t.batch_size
    sampler = BucketBatchSampler(lengths_of(train_set), budget, shuffle=True, seed=t.seed, max_items=max_items)
    dev_sampler = BucketBatchSampler(lengths_of(dev_set), budget, shuffle=False, seed=t.seed, max_items=max_items)
    train_loader = torch.utils.data.DataLoader(train_set, batch_sampler=sampler, collate_fn=collate)
    dev_loader = torch.utils.data.DataLoader(dev_set, batch_sampler=dev_sampler, collate_fn=collate)
    data = TrainingData(root=Path(corpus.root), corpus=corpus, feature_config=parent.feature_config,
                        input_key=model.input_key, train_set=train_set, dev_set=dev_set, train_loader=train_loader,
                        dev_loader=dev_loader, train_sampler=sampler,
                        normalizer_state=None if parent.normalizer is None else parent.normalizer.state_dict(),
                        sessions=sessions, fingerprint=data_fp, synthetic=labelled_synthetic(corpus.root),
                        mel_normalizer_state=None if parent.mel_normalizer is None
                        else parent.mel_normalizer.state_dict())

    from semg_study.data.participants import training_participants

    own = training_participants(calibration, corpus)
    seconds = sum(emg_seconds(u) for u in calibration)
    device = torch.device("cpu")
    extra = {
        "source": "adapted", "run_fingerprint": fingerprint, "code_version": code_digest(),
        "parent_run": {"name": run.name, "path": str(run), "config_name": pcfg.name,
                       "weights_digest": weights_digest(run), "run_fingerprint": parent.manifest.get("run_fingerprint"),
                       "data_fingerprint": parent.manifest.get("data_fingerprint")},
        "adaptation": {**asdict(settings), "lr": lr, "trainable_parameters": sorted(trainable),
                       "n_trainable": sum(p.numel() for n, p in model.named_parameters() if n in trainable),
                       "new_sessions": {s: i for s, i in sessions.items() if i >= first_new},
                       "calibration_utterances": len(calibration), "calibration_seconds": round(seconds, 3),
                       "calibration_ids": [u.id for u in calibration], "dev_utterances": len(dev),
                       "participant_data": own, "normalizer": "the parent's (never refit)"},
        # whose recordings the weights carry: the parent's training participants and this participant
        "participants": merged_participants(parent.manifest.get("participants"), own),
    }
    if settings.adapt == "scratch":  # nothing of the parent's weights: only the calibration data
        extra["participants"] = own
    manifest = start_manifest(run_dir, cfg, data, device, n_parameters=count_parameters(model),
                              model_kwargs=kwargs, extra=extra)

    seed_everything(settings.seed)
    decay = [p for n, p in model.named_parameters() if n in trainable and not n.startswith(ADAPTER_PREFIX)]
    rows = [p for n, p in model.named_parameters() if n in trainable and n.startswith(ADAPTER_PREFIX)]
    # the adapter table carries no weight decay: it would pull the parent's rows (no gradient) towards 0
    groups = [g for g in ({"params": decay, "weight_decay": t.weight_decay},
                          {"params": rows, "weight_decay": 0.0 if settings.adapt != "scratch" else t.weight_decay})
              if g["params"]]
    optimizer = torch.optim.AdamW(groups, lr=lr)
    scheduler = make_schedule(cfg, optimizer, max(1, len(train_loader)))
    last_path, best_path = run_dir / "checkpoints" / "last.pt", run_dir / "checkpoints" / "best.pt"
    metrics: list[dict] = []

    def checkpoint(epoch: int) -> dict:
        # the keys load_run reads (the loop's checkpoint without the resume-only state)
        return {"model_name": pcfg.model.name, "model_kwargs": kwargs, "model_state": model.state_dict(),
                "epoch": epoch, "metrics": metrics, "best_value": best_value, "config": cfg.to_dict(),
                "normalizer": data.normalizer_state, "mel_normalizer": data.mel_normalizer_state,
                "feature_config": parent.feature_config.to_dict(), "sessions": sessions,
                "input_key": model.input_key, "vocab": list(parent.vocab.symbols)}

    def value_of(row: dict) -> float:
        v = row["dev_loss"] if t.best_metric == "loss" else row["dev_" + t.best_metric]
        return float("inf") if v is None or math.isnan(v) else v

    def log(row: dict) -> None:
        if progress:
            loss = "-" if row["train_loss"] is None else f"{row['train_loss']:.3f}"
            print(f"epoch {row['epoch']}/{settings.epochs}  loss {loss}  dev loss {row['dev_loss']:.3f}  "
                  f"dev greedy CER {100 * row['dev_cer']:.1f}%  WER {100 * row['dev_wer']:.1f}%  "
                  f"{row['seconds']:.1f} s", flush=True)

    # epoch 0: the parent as it is (new rows = its <unknown> row), so an adaptation that never helps
    # on the participant's dev utterances leaves the zero-shot model
    best_value, best_loss, since = float("inf"), float("inf"), 0
    if settings.adapt != "scratch":
        started = time.time()
        row = {"epoch": 0, "train_loss": None, **evaluate_dev(model, dev_loader, device, cfg), "lr": lr,
               "seconds": time.time() - started, "synthetic": data.synthetic}
        metrics.append(row)
        log(row)
        best_value, best_loss = value_of(row), row["dev_loss"]
        io.torch_save(best_path, checkpoint(0))
    stopped_early = False
    for epoch in range(1, settings.epochs + 1):
        if settings.patience > 0 and since >= settings.patience:
            stopped_early = True
            break
        started = time.time()
        sampler.set_epoch(epoch)
        train_mode(model, trainable)
        total, n = 0.0, 0
        for step, batch in enumerate(train_loader):
            batch = to_device(batch, device)
            with autocast(device, cfg):
                loss = compute_loss(model, batch, cfg)
            if not torch.isfinite(loss):
                raise StudyError(f"{run_dir}: loss became {float(loss.detach())} at epoch {epoch}, batch {step + 1}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if t.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], t.grad_clip)
            optimizer.step()
            if scheduler.last_epoch + 1 < getattr(scheduler, "total_steps", float("inf")):
                scheduler.step()
            total, n = total + float(loss.detach()), n + 1
        row = {"epoch": epoch, "train_loss": total / max(1, n), **evaluate_dev(model, dev_loader, device, cfg),
               "lr": optimizer.param_groups[0]["lr"], "seconds": time.time() - started, "synthetic": data.synthetic}
        metrics.append(row)
        log(row)
        value = value_of(row)
        # the loop's rule: progress is a new best; on CTC's blank plateau a new best dev loss counts too
        on_plateau = min(best_value, value) >= PLATEAU_CER and t.best_metric != "loss"
        improved = value < best_value or not best_path.exists()
        since = 0 if improved or (on_plateau and row["dev_loss"] < best_loss) else since + 1
        best_value, best_loss = min(best_value, value), min(best_loss, row["dev_loss"])
        state = checkpoint(epoch)
        io.torch_save(last_path, state)
        if improved:
            io.torch_save(best_path, state)
        io.write_json(run_dir / "metrics.json", metrics)
    io.write_json(run_dir / "metrics.json", metrics)
    values = [value_of(r) for r in metrics]
    manifest["early_stopping"] = {"patience": settings.patience,
                                  "epochs_trained": sum(r["epoch"] > 0 for r in metrics),
                                  "max_epochs": settings.epochs, "stopped_early": stopped_early,
                                  "best_epoch": metrics[min(range(len(values)), key=values.__getitem__)]["epoch"],
                                  "plateau_cer": PLATEAU_CER}
    finish_manifest(run_dir, manifest, metrics)
    return run_dir
