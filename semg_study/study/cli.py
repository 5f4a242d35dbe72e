"""``semg-study study``: the whole study as a papermill pipeline.

Step 0 makes (or finds in the cache) the synthetic corpora of the profile, unless
``--data-root`` points at the real dataset (:mod:`.corpora`). Then the numbered notebooks
``notebooks/NN_*.ipynb`` run in order into ``<out>/executed/``, each with the
same parameters (see ``notebooks/README.md``; :mod:`.notebooks`). Wall time and peak memory
(RSS of the kernel's process tree, sampled every 0.5 s, and ``ru_maxrss`` of finished
children; :mod:`.memory`) of every notebook and of the whole run go to ``<out>/study_run.json``
and ``<out>/tables/study_run.md`` (:mod:`.record`). A failing notebook stops the run with its
name, the failing cell and the path of the executed copy.
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

from semg_study.errors import ConfigError
from semg_study.recipes.profiles import PROFILE_NAMES
from semg_study.study.corpora import prepare_data, resolve_study_testset
from semg_study.study.memory import MemorySampler, children_maxrss_mb, measure
from semg_study.study.notebooks import (OPTIONAL_DEFAULTS, NotebookFailed, discover, execute, notebook_parameters,
                                        parse_only)
from semg_study.study.record import previous_entries, write_record


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=PROFILE_NAMES, default="quick",
                        help="size of corpus, models and training (default: quick)")
    parser.add_argument("--data-root", help="the real Digital Voicing dataset (default: the synthetic corpus)")
    parser.add_argument("--ljspeech-root", help="an LJSpeech-layout corpus (default: the synthetic TTS one)")
    parser.add_argument("--testset", metavar="FILE", default=None,
                        help="split file of the Digital Voicing corpus (default: its own testset_largedev.json, "
                             "then testset.json, else the packaged testset_largedev.json)")
    parser.add_argument("--force", action="store_true", help="retrain even when a cached run matches")
    parser.add_argument("--retrain", action="store_true",
                        help="train every run from scratch, once: ignore the released runs and the local cache "
                             "(a fresh runs folder, runs/retrain-<UTC time>, unless --runs-root is given)")
    parser.add_argument("--only", help="comma-separated notebook numbers, e.g. 01,03")
    parser.add_argument("--out", help="results folder (default: <repo>/reports)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--notebooks", help="folder of the numbered notebooks (default: <repo>/notebooks)")
    parser.add_argument("--data-dir", help="cache folder of the synthetic corpora (default: <repo>/data)")
    parser.add_argument("--runs-root", help="training runs folder (default: <repo>/runs)")
    parser.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default: none)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from semg_study.provenance import git_info, machine_info, now_utc, repo_root

    say = lambda msg: print(msg, flush=True)  # noqa: E731
    repo = repo_root()
    out = Path(args.out).resolve() if args.out else repo / "reports"
    notebooks_dir = Path(args.notebooks).resolve() if args.notebooks else repo / "notebooks"
    runs_root = Path(args.runs_root).resolve() if args.runs_root else repo / "runs"
    retrain = bool(getattr(args, "retrain", False))
    if retrain:
        # every run trained exactly once in this invocation: no released run (the notebooks'
        # reuse_released parameter), no earlier local run (a fresh runs folder)
        if not args.runs_root:
            runs_root = repo / "runs" / f"retrain-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    only = parse_only(args.only)
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is available")
    slots = discover(notebooks_dir)
    out.mkdir(parents=True, exist_ok=True)

    started_wall = time.perf_counter()
    record: dict[str, Any] = {
        "kind": "study-run", "status": "running", "profile": args.profile, "device": args.device,
        "seed": args.seed, "force": bool(args.force), "retrain": retrain,
        "out": str(out), "notebooks_dir": str(notebooks_dir),
        "runs_root": str(runs_root), "git": git_info(repo), "machine": machine_info(), "started": now_utc(),
        "finished": None, "notebooks": [], "total": {},
    }
    data = prepare_data(args, say)
    testset = resolve_study_testset(args, data["data_root"])
    say(f"step 0: split file {testset}")
    record.update(corpus=data["corpus"], data_root=data["data_root"], ljspeech_root=data["ljspeech_root"],
                  step0=data)
    parameters = {"profile": args.profile, "data_root": data["data_root"], "ljspeech_root": data["ljspeech_root"],
                  "corpus": data["corpus"], "device": args.device, "seed": args.seed, "out_dir": str(out),
                  "runs_root": str(runs_root), "force": bool(args.force)}
    record["parameters"] = parameters
    record["testset"] = testset
    # study-wide choices, injected into the notebooks that declare them: --testset (None: the
    # corpus's own split), --retrain (no released run is reused)
    optional = {"testset": testset if getattr(args, "testset", None) else None, "reuse_released": not retrain}
    peaks: list[float] = []

    def finish(status: str) -> None:
        record["status"] = status
        record["finished"] = now_utc()
        record["total"] = {"wall_s": round(time.perf_counter() - started_wall, 3),
                           "peak_rss_mb": max(peaks) if peaks else None,
                           "ru_maxrss_children_mb": children_maxrss_mb(),
                           "runner_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        from semg_study.training.released import stale_runs

        # released runs met whose training code changed since (never reused; trained afresh instead)
        record["stale_released_runs"] = stale_runs(runs_root)
        write_record(out, record)

    previous = previous_entries(out) if only is not None else {}
    to_run = [s for s in slots if s.path is not None and (only is None or s.number in only)]
    for slot in slots:  # say up front what will not run
        if slot.path is None and (only is None or slot.number in only):
            say(f"[{slot.number}] {slot.name}: not yet present in {notebooks_dir}, skipped")
    for slot in to_run:  # and which notebook cannot take a study-wide choice given on the command line
        chosen = [k for k, v in optional.items() if v != OPTIONAL_DEFAULTS[k]]
        missing = [k for k in chosen if k not in notebook_parameters(slot.path)]
        if missing:
            say(f"[{slot.number}] {slot.name}: declares no {', '.join(missing)} parameter; it runs with its own "
                f"default ({', '.join(f'{k}={OPTIONAL_DEFAULTS[k]!r}' for k in missing)})")
    for slot in slots:
        entry: dict[str, Any] = {"slot": slot.number, "name": slot.name, "title": slot.title,
                                 "notebook": str(slot.path) if slot.path else None}
        record["notebooks"].append(entry)
        if only is not None and slot.number not in only:
            if slot.number in previous:  # keep what an earlier run measured for it
                entry.update(previous[slot.number], previous_run=True)
            else:
                entry["status"] = "skipped (--only)"
            continue
        if slot.path is None:
            entry["status"] = "not yet present"
            continue
        dest = out / "executed" / slot.path.name
        entry.update(status="running", executed=str(dest), started=now_utc())
        write_record(out, record)  # later notebooks (09) see the times so far
        position = to_run.index(slot) + 1
        say(f"[{slot.number}] {slot.name} ({position}/{len(to_run)}) ...")
        t0 = time.perf_counter()
        sampler = MemorySampler()
        try:
            with sampler:
                execute(slot, dest, parameters, cwd=notebooks_dir, progress=args.progress,
                        timeout=args.cell_timeout, optional=optional)
        except NotebookFailed as exc:
            entry.update(status="failed", error=exc.error, failed_cell=exc.cell_index)
            measure(entry, t0, sampler, peaks)
            finish("failed")
            from semg_study.report.portability import make_portable

            make_portable(out)
            say(f"[{slot.number}] {slot.name}: FAILED after {entry['wall_s']:.1f} s")
            raise
        measure(entry, t0, sampler, peaks)
        entry["status"] = "ok"
        say(f"[{slot.number}] {slot.name}: ok in {entry['wall_s']:.1f} s, "
            f"peak RSS {entry['peak_rss_mb']:.0f} MB -> {dest}")
    finish("ok")
    ran = [e for e in record["notebooks"] if e["status"] == "ok"]
    if any(e["slot"] == "09" for e in ran):
        # 09 ran before the run's totals existed: refresh the report's study-run section.
        from semg_study.chapters.dissertation.write import write_report

        write_report(out)
    # last: every text file of the results folder names only repo-relative paths
    from semg_study.report.portability import make_portable

    make_portable(out)
    missing = [e["name"] for e in record["notebooks"] if e["status"] == "not yet present"]
    say(f"study ({args.profile}): {len(ran)} notebook(s) in {record['total']['wall_s']:.1f} s, "
        f"peak RSS {record['total']['peak_rss_mb'] or 0:.0f} MB"
        + (f"; not yet present: {', '.join(missing)}" if missing else "")
        + f"; record: {out / 'study_run.json'}")
    return 0
