"""The training loop: one function, :func:`train`, readable top to bottom.

config -> data -> model -> optimiser/schedule -> (resume) -> epochs of
[batches -> CTC loss -> step] -> dev greedy CER/WER -> checkpoints + metrics.

Determinism: every random draw (shuffling, dropout, augmentation) comes from
generators seeded by ``train.seed``; checkpoints carry the RNG states and the
sampler's epoch, so ``--resume`` reproduces an uninterrupted run exactly on CPU.
"""
from __future__ import annotations

import math
import os
import random
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from semg_study import io
from semg_study.errors import ConfigError, StudyError
from semg_study.models.common import input_lengths
from semg_study.models.registry import build_model, count_parameters, model_class
from semg_study.text import VOCAB
from semg_study.training.checkpoint import (capture_rng_state, load_checkpoint_file, restore_rng_state,
                                            check_model_name)
from semg_study.recipes.config import Config, load_config
from semg_study.training.data import TrainingData, make_training_data
from semg_study.training.manifest import finish_manifest, start_manifest


# Early stopping: a dev CER at or above this means the model still emits (almost) only blanks.
PLATEAU_CER = 0.95


# ------------------------------------------------------------------ helpers
def distributed_context() -> tuple[bool, int, int, int]:
    """(distributed?, rank, world size, local rank): distributed when started by torchrun."""
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        return True, int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0))
    return False, 0, 1, 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def model_kwargs(cfg: Config, data: TrainingData) -> dict:
    """The config's model arguments, plus the frame rates the features fix (unless set)."""
    kwargs = dict(cfg.model.kwargs)
    params = set(model_class(cfg.model.name).__init__.__code__.co_varnames)
    if "raw_rate" in params and "raw_rate" not in kwargs:
        kwargs["raw_rate"] = data.feature_config.raw_rate
    if "input_frame_rate" in params and "input_frame_rate" not in kwargs:
        kwargs["input_frame_rate"] = data.feature_config.frame_rate
    if "n_sessions" in params and "n_sessions" not in kwargs and data.n_sessions:
        kwargs["n_sessions"] = data.n_sessions
    return kwargs


def make_schedule(cfg: Config, optimizer, steps_per_epoch: int):
    """Learning-rate schedule stepped once per optimiser step."""
    t = cfg.train
    if t.schedule == "onecycle":  # DS2 tutorial: OneCycleLR over the whole run, linear anneal
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=t.lr, total_steps=max(2, t.epochs * steps_per_epoch),
                                                   anneal_strategy="linear")
    if t.schedule == "warmup_halving":  # gaddy2022: linear warm-up, halve at given epochs

        def factor(step: int) -> float:
            epoch = step // max(1, steps_per_epoch)
            warm = min(1.0, (step + 1) / t.warmup_batches) if t.warmup_batches > 0 else 1.0
            return warm * 0.5 ** sum(epoch >= e for e in t.halve_at_epochs)

        return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)


def forward_in_chunks(model, batch: dict, chunk_frames: int) -> dict:
    """Train on fixed-length chunks (gaddy2022): concatenate the batch's utterances
    along time, cut the stream into chunks of ``chunk_frames`` output frames, run
    the model on the chunks, and split the outputs back per utterance."""
    core = model.module if hasattr(model, "module") else model
    key, per = core.input_key, core.input_per_output
    x = batch[key]
    lengths = input_lengths(batch, key)
    out_lengths = torch.div(lengths, per, rounding_mode="floor").clamp(min=1)
    stream = torch.cat([x[i, : int(out_lengths[i]) * per] for i in range(x.shape[0])])
    chunk_len = chunk_frames * per
    n_chunks = math.ceil(stream.shape[0] / chunk_len)
    stream = F.pad(stream, (0, 0, 0, n_chunks * chunk_len - stream.shape[0]))
    chunk_lengths = torch.full((n_chunks,), chunk_len, dtype=torch.long, device=x.device)
    out = model({key: stream.view(n_chunks, chunk_len, -1), f"{key}_lengths": chunk_lengths})
    result = {"lengths": out_lengths}
    for name in ("log_probs", "phoneme_log_probs"):
        if name in out:
            flat = out[name].reshape(-1, out[name].shape[-1])
            pieces = torch.split(flat[: int(out_lengths.sum())], out_lengths.tolist())
            result[name] = torch.nn.utils.rnn.pad_sequence(list(pieces), batch_first=True)
    return result


def ctc(log_probs, out_lengths, targets, target_lengths, blank: int = 0) -> torch.Tensor:
    """Mean CTC loss over the batch (each utterance's loss divided by its target length)."""
    return F.ctc_loss(log_probs.float().transpose(0, 1), targets, out_lengths, target_lengths, blank=blank,
                      reduction="mean", zero_infinity=True)


def compute_loss(model, batch: dict, cfg: Config) -> torch.Tensor:
    """CTC on characters, plus the weighted auxiliary phoneme CTC when the model has one."""
    chunk = cfg.train.chunk_frames
    out = forward_in_chunks(model, batch, chunk) if (chunk > 0 and model.training) else model(batch)
    loss = ctc(out["log_probs"], out["lengths"], batch["text_ids"], batch["text_lengths"])
    core = model.module if hasattr(model, "module") else model
    weight = getattr(core, "phoneme_loss_weight", 0.0)
    if weight > 0 and "phoneme_log_probs" in out and "phoneme_ids" in batch:
        loss = loss + weight * ctc(out["phoneme_log_probs"], out["lengths"], batch["phoneme_ids"],
                                   batch["phoneme_lengths"])
    frame_weight = getattr(core, "frame_phoneme_weight", 0.0)
    if frame_weight > 0 and "frame_phoneme_logits" in out and "frame_phonemes" in batch:
        loss = loss + frame_weight * frame_phoneme_loss(out["frame_phoneme_logits"], batch["frame_phonemes"],
                                                        out["lengths"], core.frame_label_step)
    return loss


def frame_phoneme_loss(logits: torch.Tensor, frame_labels: torch.Tensor, out_lengths: torch.Tensor,
                       step: int) -> torch.Tensor:
    """Cross-entropy of per-frame phoneme logits (B, T, P) against aligned labels (B, n) at ``step``
    feature frames per output frame; padding (-100) and frames past each output length are ignored."""
    b, t, p = logits.shape
    labels = frame_labels[:, ::step][:, :t]
    if labels.shape[1] < t:
        labels = F.pad(labels, (0, t - labels.shape[1]), value=-100)
    beyond = torch.arange(t, device=labels.device)[None, :] >= out_lengths.to(labels.device)[:, None]
    labels = labels.masked_fill(beyond, -100)
    if not bool((labels >= 0).any()):
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float().reshape(b * t, p), labels.reshape(b * t), ignore_index=-100)


def greedy_texts(log_probs: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    best = log_probs.argmax(-1).cpu()
    return [VOCAB.decode(VOCAB.ctc_collapse(best[i, : int(lengths[i])].tolist())) for i in range(best.shape[0])]


def error_rates(references: list[str], hypotheses: list[str]) -> tuple[float, float]:
    """Corpus-level (CER, WER) with jiwer over the lists of sentences."""
    import jiwer

    pairs = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]
    if not pairs:
        return float("nan"), float("nan")
    refs, hyps = zip(*pairs)
    return float(jiwer.cer(list(refs), list(hyps))), float(jiwer.wer(list(refs), list(hyps)))


@torch.no_grad()
def evaluate_dev(model, loader, device, cfg: Config) -> dict:
    model.eval()
    total, count, refs, hyps = 0.0, 0, [], []
    for batch in loader:
        batch = to_device(batch, device)
        with autocast(device, cfg):
            out = model(batch)
        loss = ctc(out["log_probs"], out["lengths"], batch["text_ids"], batch["text_lengths"])
        n = batch["text_ids"].shape[0]
        total, count = total + float(loss) * n, count + n
        hyps += greedy_texts(out["log_probs"], out["lengths"])
        refs += list(batch["text"])
    cer, wer = error_rates(refs, hyps)
    return {"dev_loss": total / max(1, count), "dev_cer": cer, "dev_wer": wer,
            "dev_examples": [{"ref": r, "hyp": h} for r, h in list(zip(refs, hyps))[:3]]}


def to_device(batch: dict, device) -> dict:
    return {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in batch.items()}


def autocast(device: torch.device, cfg: Config):
    enabled = device.type == "cuda" and cfg.train.amp
    return torch.autocast(device_type=device.type, dtype=torch.float16, enabled=enabled)


def _metric_value(row: dict, name: str) -> float:
    value = row["dev_" + name]
    return float("inf") if value is None or math.isnan(value) else value


# ------------------------------------------------------------------- train
def train(config_or_name, overrides=None, resume: bool = False, run_dir: str | Path | None = None,
          extra_manifest: dict | None = None) -> Path:
    """Train a model from a config; return its run folder (``train.out/<config name>`` unless ``run_dir``)."""
    cfg = load_config(config_or_name, overrides)
    distributed, rank, world, local_rank = distributed_context()
    if cfg.train.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device=cuda but no CUDA device is available (use device=cpu)")
    device = torch.device(f"cuda:{local_rank}" if cfg.train.device == "cuda" else "cpu")
    own_group = distributed and not torch.distributed.is_initialized()
    if own_group:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        return _train(cfg, resume, run_dir, extra_manifest, distributed, rank, world, local_rank, device)
    finally:
        if own_group:
            torch.distributed.destroy_process_group()


def _train(cfg: Config, resume: bool, run_dir, extra_manifest, distributed: bool, rank: int, world: int,
           local_rank: int, device: torch.device) -> Path:
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True, warn_only=True)
    seed_everything(cfg.train.seed)

    run_dir = Path(run_dir) if run_dir is not None else Path(cfg.train.out) / (cfg.name or cfg.model.name)
    last_path, best_path = run_dir / "checkpoints" / "last.pt", run_dir / "checkpoints" / "best.pt"
    if not resume and last_path.exists():
        raise StudyError(f"{run_dir}: a run already exists here; pass --resume to continue it, "
                         f"or out=PATH for a new one")
    if resume and not last_path.exists():
        raise StudyError(f"{last_path}: nothing to resume (no checkpoint)")

    data = make_training_data(cfg, rank=rank, world_size=world)
    kwargs = model_kwargs(cfg, data)
    model = build_model(cfg.model.name, **kwargs).to(device)
    core = model
    if distributed:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda" else None)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)
    accumulation = max(1, cfg.train.grad_accumulation)
    steps_per_epoch = math.ceil(len(data.train_loader) / accumulation)
    scheduler = make_schedule(cfg, optimizer, steps_per_epoch)
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda" and cfg.train.amp)

    start_epoch, metrics, best_value = 0, [], float("inf")
    if resume:
        ckpt = load_checkpoint_file(last_path)
        check_model_name(ckpt, cfg.model.name, last_path)
        core.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        restore_rng_state(ckpt["rng"])
        start_epoch, metrics, best_value = ckpt["epoch"], ckpt["metrics"], ckpt["best_value"]

    writer = rank == 0
    manifest = None
    if writer and not resume:
        from semg_study.training.data import inputs_digest

        extra_manifest = {**(extra_manifest or {}), "inputs_digest": inputs_digest(data)}
    if writer:
        manifest = start_manifest(run_dir, cfg, data, device, n_parameters=count_parameters(core),
                                  model_kwargs=kwargs, resumed_from_epoch=start_epoch if resume else None,
                                  extra=extra_manifest)
    tag = " (synthetic data)" if data.synthetic else ""

    def checkpoint(epoch: int) -> dict:
        return {"model_name": cfg.model.name, "model_kwargs": kwargs, "model_state": core.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(), "rng": capture_rng_state(), "epoch": epoch,
                "sampler": {"epoch": epoch, "seed": cfg.train.seed}, "metrics": metrics, "best_value": best_value,
                "config": cfg.to_dict(), "normalizer": data.normalizer_state,
                "mel_normalizer": data.mel_normalizer_state,
                "feature_config": data.feature_config.to_dict(), "sessions": data.sessions,
                "input_key": data.input_key, "vocab": list(VOCAB.symbols)}

    def epochs_without_improvement() -> int:
        """Epochs since the last one that made progress (read from the metrics, so a resumed run counts
        the same). Progress is a new best of ``best_metric``; while the run is still on CTC's blank
        plateau (best dev CER >= PLATEAU_CER, nothing decoded yet), a new best dev loss counts too, so
        early stopping never ends a run that is about to leave the plateau."""
        best_value, best_loss, last_progress = float("inf"), float("inf"), -1
        for i, r in enumerate(metrics):
            value = r["dev_loss"] if cfg.train.best_metric == "loss" else _metric_value(r, cfg.train.best_metric)
            on_plateau = min(best_value, value) >= PLATEAU_CER and cfg.train.best_metric != "loss"
            if value < best_value or (on_plateau and r["dev_loss"] < best_loss):
                last_progress = i
            best_value, best_loss = min(best_value, value), min(best_loss, r["dev_loss"])
        return len(metrics) - 1 - last_progress if metrics else 0

    def best_epoch() -> int | None:
        values = [r["dev_loss"] if cfg.train.best_metric == "loss" else _metric_value(r, cfg.train.best_metric)
                  for r in metrics]
        return 1 + min(range(len(values)), key=values.__getitem__) if values else None

    stopped_early = None
    for epoch in range(start_epoch, cfg.train.epochs):
        if cfg.train.patience > 0 and metrics and epochs_without_improvement() >= cfg.train.patience:
            stopped_early = epoch
            break
        started = time.time()
        data.set_epoch(epoch)
        model.train()
        total, n_batches = 0.0, 0
        batches = data.train_loader
        if writer and cfg.train.progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.train.epochs}", leave=False, dynamic_ncols=True)
        optimizer.zero_grad(set_to_none=True)
        n_total = len(data.train_loader)
        for step, batch in enumerate(batches):
            batch = to_device(batch, device)
            with autocast(device, cfg):
                loss = compute_loss(model, batch, cfg)
            if not torch.isfinite(loss):
                raise StudyError(f"{run_dir}: loss became {float(loss.detach())} at epoch {epoch + 1}, batch {step + 1}; "
                                 f"stopped (the last good checkpoint, {last_path.name} of epoch {epoch}, is kept)")
            scaler.scale(loss / accumulation).backward()
            if (step + 1) % accumulation == 0 or step + 1 == n_total:
                if cfg.train.grad_clip > 0:
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.train.grad_clip)
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                if scheduler.last_epoch + 1 < getattr(scheduler, "total_steps", float("inf")):
                    scheduler.step()
            total += float(loss.detach())
            n_batches += 1
            if hasattr(batches, "set_postfix"):
                batches.set_postfix(loss=f"{total / n_batches:.3f}")

        if writer:
            dev = evaluate_dev(core, data.dev_loader, device, cfg)
            row = {"epoch": epoch + 1, "train_loss": total / max(1, n_batches), **dev,
                   "lr": optimizer.param_groups[0]["lr"], "seconds": time.time() - started,
                   "synthetic": data.synthetic}
            metrics.append(row)
            print(f"epoch {epoch + 1}/{cfg.train.epochs}  loss {row['train_loss']:.3f}  dev loss {row['dev_loss']:.3f}  "
                  f"dev greedy CER {100 * row['dev_cer']:.1f}%  WER {100 * row['dev_wer']:.1f}%{tag}  "
                  f"lr {row['lr']:.2e}  {row['seconds']:.1f} s", flush=True)
            value = row["dev_loss"] if cfg.train.best_metric == "loss" else _metric_value(row, cfg.train.best_metric)
            improved = value < best_value or not best_path.exists()
            if improved:
                best_value = value
            state = checkpoint(epoch + 1)
            io.torch_save(last_path, state)
            if improved:
                io.torch_save(best_path, state)
            io.write_json(run_dir / "metrics.json", metrics)
        if distributed:
            # only rank 0 evaluates: share its metrics so every rank takes the same early-stopping decision
            shared = [metrics]
            torch.distributed.broadcast_object_list(shared, src=0)
            metrics = shared[0]
    if stopped_early is None and cfg.train.patience > 0 and metrics and \
            epochs_without_improvement() >= cfg.train.patience and len(metrics) < cfg.train.epochs:
        stopped_early = len(metrics)

    if writer:
        if manifest is not None:
            manifest["early_stopping"] = {
                "patience": cfg.train.patience, "epochs_trained": len(metrics), "max_epochs": cfg.train.epochs,
                "stopped_early": stopped_early is not None,
                "best_epoch": best_epoch(), "plateau_cer": PLATEAU_CER}
        finish_manifest(run_dir, manifest, metrics)
    return run_dir
