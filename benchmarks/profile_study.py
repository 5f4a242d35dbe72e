"""Profile the stages of the study that are not the models' own forward/backward.

Times, on one CPU thread, on a given (synthetic) corpus:

* ``synth``: ``semg-study synth --profile smoke`` into a temporary folder;
* ``features_cold``: the streams of the first N utterances computed from the
  files (no disk cache, memory cache cleared), split into preprocessing
  (filters + resampling), the 112 hand-crafted features and the mel spectrogram;
* ``dataset``: ``make_training_data`` for each config, first with the disk cache
  as the configs before it left it (the first config starts cold, like a fresh
  machine), then again with the disk cache warm and the memory cache empty, then
  with both warm;
* ``loader``: the first and the second epoch of the training loader
  (``__getitem__`` + ``collate``) with the features cached, separate from the model;
* ``train_epoch``: one training epoch of the config's model split into data
  time (waiting for the next batch) and model time (forward, loss, backward,
  optimiser step).

Writes ``reports/benchmarks/study_profile-<profile>.json`` and ``.md``
(atomically, labelled synthetic, with git commit, machine, threads, versions)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/profile_study.py --profile quick
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from semg_study import io  # noqa: E402
from semg_study.markdown import markdown_table  # noqa: E402


@contextmanager
def clock(out: dict, name: str):
    t0 = time.perf_counter()
    yield
    out[name] = round(time.perf_counter() - t0, 4)


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stage_synth(tmp: Path) -> dict:
    from semg_study.synth.corpus import generate_corpus

    res: dict = {}
    with clock(res, "seconds"):
        generate_corpus(tmp / "synth-smoke", profile="smoke", seed=0, progress=False)
    res["command"] = "generate_corpus(profile='smoke')  (= semg-study synth --profile smoke)"
    return res


def stage_features_cold(root: Path, n: int) -> dict:
    from semg_study.data import open_corpus
    from semg_study.data.feature_cache import MEMORY_CACHE, FeatureCache
    from semg_study.features import FeatureConfig
    from semg_study.features.audio import mel_spectrogram
    from semg_study.features.emg_features import emg_features
    from semg_study.features.preprocessing import preprocess_emg

    corpus = open_corpus(root)
    utts = corpus.utterances(condition="open", split="train")[:n]
    cfg = FeatureConfig()
    res: dict = {"utterances": len(utts), "feature_config": cfg.digest()}
    with clock(res, "load_files"):
        loaded = [(u.load(), u.load_context()) for u in utts]
    parts = {"preprocess": 0.0, "emg_features": 0.0, "mel": 0.0}
    for data, (before, after) in loaded:
        t0 = time.perf_counter()
        _, feat = preprocess_emg(data.emg, cfg.preprocess, before=before, after=after)
        t1 = time.perf_counter()
        emg_features(feat)
        t2 = time.perf_counter()
        if data.audio is not None:
            mel_spectrogram(data.audio, data.audio_rate, cfg=cfg.mel)
        t3 = time.perf_counter()
        parts["preprocess"] += t1 - t0
        parts["emg_features"] += t2 - t1
        parts["mel"] += t3 - t2
    res.update({k: round(v, 4) for k, v in parts.items()})
    MEMORY_CACHE.clear()
    cache = FeatureCache(cfg, None)
    with clock(res, "feature_cache_compute_total"):
        for u in utts:
            cache.compute(u)
    res["per_utterance_ms"] = round(1000 * res["feature_cache_compute_total"] / max(1, len(utts)), 2)
    return res


def _batches_time(loader) -> tuple[float, int, list]:
    t0 = time.perf_counter()
    batches = list(loader)
    return time.perf_counter() - t0, len(batches), batches


def stage_config(config: str, root: Path, cache_root: Path, max_batches: int) -> dict:
    from semg_study.data.feature_cache import MEMORY_CACHE
    from semg_study.recipes.config import load_config
    from semg_study.training.data import make_training_data
    from semg_study.training.loop import compute_loss, model_kwargs, seed_everything, to_device
    from semg_study.models.registry import build_model

    cfg = load_config(config, [f"data.root={root}"])
    res: dict = {"config": config}
    # one feature cache for all configs, as in the study: the first config starts cold, a
    # later one finds what the earlier ones wrote (the memory cache is emptied in between)
    os.environ["SEMG_STUDY_CACHE"] = str(cache_root)
    MEMORY_CACHE.clear()
    with clock(res, "make_training_data_first"):
        data = make_training_data(cfg)
    res["n_train"], res["n_dev"] = data.n_train, data.n_dev
    MEMORY_CACHE.clear()
    with clock(res, "make_training_data_disk_cache"):
        data = make_training_data(cfg)
    with clock(res, "make_training_data_memory_cache"):
        data = make_training_data(cfg)
    data.set_epoch(0)
    t, nb, _ = _batches_time(data.train_loader)  # the first epoch also builds the phoneme targets
    res["loader_epoch_seconds"], res["train_batches"] = round(t, 4), nb
    data.set_epoch(1)
    t, _, _ = _batches_time(data.train_loader)
    res["loader_epoch2_seconds"] = round(t, 4)
    t, nb, _ = _batches_time(data.dev_loader)
    res["dev_loader_seconds"], res["dev_batches"] = round(t, 4), nb

    seed_everything(cfg.train.seed)
    model = build_model(cfg.model.name, **model_kwargs(cfg, data))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.train.lr)
    device = torch.device("cpu")
    data_t = model_t = 0.0
    steps = 0
    it = iter(data.train_loader)
    while steps < max_batches:
        t0 = time.perf_counter()
        try:
            batch = next(it)
        except StopIteration:
            break
        batch = to_device(batch, device)
        t1 = time.perf_counter()
        loss = compute_loss(model, batch, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        t2 = time.perf_counter()
        data_t += t1 - t0
        model_t += t2 - t1
        steps += 1
    res["train_steps"] = steps
    res["train_data_seconds"] = round(data_t, 4)
    res["train_model_seconds"] = round(model_t, 4)
    res["data_share"] = round(data_t / max(1e-9, data_t + model_t), 4)
    return res


def write_report(result: dict, out_dir: Path, profile: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"study_profile-{profile}"
    io.write_json(stem.with_suffix(".json"), result)
    lines = [f"**Study profile ({profile}): stages outside the models' forward/backward**", "",
             f"*synthetic data; corpus {result['corpus']}; commit {result['git'].get('commit')}"
             f"{' (dirty)' if result['git'].get('dirty') else ''}; torch threads {result['torch_threads']}; "
             f"{result['machine'].get('cpu_count')} cores*", ""]
    base = result.get("baseline")
    if base:
        lines += [f"*before: commit {base['git'].get('commit')} ({base.get('label') or 'baseline'}); "
                  "timings on a shared machine vary by about +-20 %*", ""]
    rows = []
    for stage, values in result["stages"].items():
        if isinstance(values, dict):
            for k, v in values.items():
                rows.append([stage, k, base.get("stages", {}).get(stage, {}).get(k, ""), v] if base else [stage, k, v])
    for k, label in (("total_seconds", "seconds"), ("peak_rss_mb", "peak RSS (MB)")):
        rows.append(["total", label, base.get(k, ""), result[k]] if base else ["total", label, result[k]])
    lines += markdown_table(["stage", "measure", "before", "after"] if base else ["stage", "measure", "value"], rows)
    io.write_text(stem.with_suffix(".md"), "\n".join(lines) + "\n")
    return stem


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--corpus", help="corpus root (default data/synthetic-<profile>)")
    ap.add_argument("--configs", nargs="*", default=None,
                    help="configs to profile (default myostream-<profile> ds2emg-<profile>)")
    ap.add_argument("--n-features", type=int, default=50, help="utterances for the cold feature stage")
    ap.add_argument("--max-batches", type=int, default=20, help="training steps timed per config")
    ap.add_argument("--skip", nargs="*", default=[], choices=["synth", "features", "configs"])
    ap.add_argument("--out", default=str(REPO / "reports" / "benchmarks"))
    ap.add_argument("--label", default="", help="free text stored with the result (e.g. before/after)")
    ap.add_argument("--baseline", help="an earlier study_profile JSON to show beside this one (before/after)")
    ap.add_argument("--from-json", help="rewrite the report of an existing result JSON (no timing)")
    args = ap.parse_args(argv)

    import json

    baseline = None
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text())
        baseline = {k: baseline.get(k) for k in ("git", "label", "created", "stages", "total_seconds", "peak_rss_mb")}
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
        if baseline:
            result["baseline"] = baseline
        stem = write_report(result, Path(args.out), result.get("profile", args.profile))
        print(f"wrote {stem}.json / .md")
        return 0
    torch.set_num_threads(1)
    from semg_study.provenance import git_info, machine_info, now_utc, package_versions

    root = Path(args.corpus or REPO / "data" / f"synthetic-{args.profile}").resolve()
    configs = args.configs if args.configs is not None else [f"myostream-{args.profile}", f"ds2emg-{args.profile}"]
    stages: dict = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="semg-profile-") as tmp:
        tmp = Path(tmp)
        os.environ["SEMG_STUDY_CACHE"] = str(tmp / "cache")
        if "synth" not in args.skip:
            stages["synth_smoke"] = stage_synth(tmp)
            print("synth", stages["synth_smoke"], flush=True)
        if "features" not in args.skip:
            stages["features_cold"] = stage_features_cold(root, args.n_features)
            print("features", stages["features_cold"], flush=True)
        if "configs" not in args.skip:
            for c in configs:
                stages[c] = stage_config(c, root, tmp / "cache", args.max_batches)
                print(c, stages[c], flush=True)
    result = {"data": "synthetic", "profile": args.profile, "corpus": str(root), "label": args.label,
              "created": now_utc(), "git": git_info(REPO), "machine": machine_info(),
              "torch_threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
              "packages": package_versions(), "stages": stages,
              "total_seconds": round(time.perf_counter() - t0, 2), "peak_rss_mb": peak_rss_mb()}
    if baseline:
        result["baseline"] = baseline
    stem = write_report(result, Path(args.out), args.profile)
    print(f"wrote {stem}.json / .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
