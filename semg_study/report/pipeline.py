"""``semg-study study``: the whole study as a papermill pipeline.

Step 0 makes (or finds in the cache) the synthetic corpora of the profile, unless
``--data-root`` points at the real dataset. Then the numbered notebooks
``notebooks/NN_*.ipynb`` run in order into ``<out>/executed/``, each with the
same parameters (see ``notebooks/README.md``). Wall time and peak memory (RSS of
the kernel's process tree, sampled every 0.5 s, and ``ru_maxrss`` of finished
children) of every notebook and of the whole run go to ``<out>/study_run.json``
and ``<out>/tables/study_run.md``. A failing notebook stops the run with its
name, the failing cell and the path of the executed copy.

Everything a notebook needs reaches it as a papermill parameter, never through the
environment: the convention's parameters (``CONVENTION``, every notebook) and the
study-wide optional ones (``OPTIONAL_PARAMETERS``: ``testset`` from ``--testset``,
``reuse_released`` False under ``--retrain``, ``interactive`` False), injected into the
notebooks that declare them.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from semg_study.errors import ConfigError, StudyError
from semg_study.data.synthetic_label import labelled_synthetic
from semg_study.io import atomic_path, write_json, write_text
from semg_study.recipes.profiles import PROFILE_NAMES
from semg_study.report import paths as _paths

# Every slot of the study, in order: (number, file stem, title).
SLOTS: tuple[tuple[str, str, str], ...] = (
    ("01", "dataset_exploration", "dataset exploration"),
    ("02", "feature_visualisation", "feature visualisation"),
    ("03", "deepspeech2_audio_baselines", "DeepSpeech2 audio baselines"),
    ("04", "emg_baselines", "EMG baselines"),
    ("05", "transformer_training", "transformer training"),
    ("06", "ablations", "ablations"),
    ("07", "inference_latency", "inference latency"),
    ("08", "live_capture", "live OpenBCI capture"),
    ("09", "report", "report"),
)
SAMPLE_INTERVAL_S = 0.5
# The parameters every notebook declares (notebooks/README.md), and the optional ones a notebook
# gets when its parameters cell declares them.
CONVENTION = ("profile", "data_root", "ljspeech_root", "corpus", "device", "seed", "out_dir", "runs_root", "force")
OPTIONAL_PARAMETERS = ("testset", "reuse_released", "interactive")
OPTIONAL_DEFAULTS = {"testset": None, "reuse_released": True, "interactive": None}


class NotebookFailed(StudyError):
    """A notebook raised: names it, the failing cell and the executed copy."""

    def __init__(self, notebook: str, executed: Path | None, cell_index: int | None = None,
                 source: str | None = None, error: str | None = None):
        self.notebook = notebook
        self.executed = executed
        self.cell_index = cell_index
        self.source = source
        self.error = error
        lines = [f"notebook {notebook} failed"
                 + (f" in cell {cell_index} (index in the executed copy)" if cell_index is not None else "")]
        if source:
            lines.append("  cell source: " + excerpt(source).replace("\n", "\n               "))
        if error:
            lines.append(f"  error: {error}")
        lines.append(f"  executed copy: {executed if executed else '(not written)'}")
        super().__init__("\n".join(lines))


def excerpt(source: str, max_lines: int = 6, max_chars: int = 400) -> str:
    lines = source.strip("\n").splitlines()
    text = "\n".join(lines[:max_lines])
    if len(lines) > max_lines:
        text += "\n..."
    return text[:max_chars] + ("..." if len(text) > max_chars else "")


@dataclass
class Slot:
    number: str
    stem: str
    title: str
    path: Path | None  # None: not yet present

    @property
    def name(self) -> str:
        return self.path.stem if self.path else f"{self.number}_{self.stem}"


def discover(notebooks_dir: str | os.PathLike) -> list[Slot]:
    """All nine slots, each with the notebook found for it (``NN_*.ipynb``) or None."""
    folder = Path(notebooks_dir)
    slots = []
    for number, stem, title in SLOTS:
        found = sorted(folder.glob(f"{number}_*.ipynb")) if folder.is_dir() else []
        exact = [p for p in found if p.stem == f"{number}_{stem}"]
        if len(found) > 1 and not exact:
            names = ", ".join(p.name for p in found)
            raise ConfigError(f"slot {number} has several notebooks ({names}); keep one")
        slots.append(Slot(number, stem, title, (exact or found or [None])[0]))
    return slots


def parse_only(text: str | None) -> set[str] | None:
    if not text:
        return None
    known = {number for number, _, _ in SLOTS}
    chosen = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or f"{int(part):02d}" not in known:
            raise ConfigError(f"--only: unknown notebook slot {part!r}; slots are {', '.join(sorted(known))}")
        chosen.add(f"{int(part):02d}")
    return chosen


class MemorySampler:
    """Peak RSS of this process's children (the kernel's process tree), sampled every 0.5 s."""

    def __init__(self, interval: float = SAMPLE_INTERVAL_S):
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def tree_rss(self) -> int:
        total = 0
        try:
            children = self._psutil.Process(os.getpid()).children(recursive=True)
        except self._psutil.Error:
            return 0
        for child in children:
            try:
                total += child.memory_info().rss
            except self._psutil.Error:
                continue
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.tree_rss())
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def children_maxrss_mb() -> float:
    """``ru_maxrss`` of terminated, waited-for children (a high-water mark over all of them)."""
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(kb / 1024, 1) if sys.platform != "darwin" else round(kb / 2**20, 1)


def notebook_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (empty when it has none)."""
    import ast
    import re

    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            names |= set(re.findall(r"^([A-Za-z_]\w*)\s*=", cell.source, re.M))
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def notebook_values(parameters: dict[str, Any], optional: dict[str, Any], declared: set[str]) -> dict[str, Any]:
    """What papermill injects into one notebook: every convention parameter, and the optional ones
    (:data:`OPTIONAL_PARAMETERS`) that its parameters cell declares."""
    return {**parameters, **{k: v for k, v in optional.items() if k in declared}}


def execute(slot: Slot, dest: Path, parameters: dict[str, Any], cwd: Path, progress: bool = True,
            timeout: int | None = None, optional: dict[str, Any] | None = None) -> None:
    """Run one notebook with papermill into ``dest`` (atomically); raise NotebookFailed.

    ``optional``: values of :data:`OPTIONAL_PARAMETERS`, injected where the notebook declares them
    (``interactive`` is always False: no frontend under papermill, static figures).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    assert slot.path is not None
    params = notebook_values(parameters, {**(optional or {}), "interactive": False}, notebook_parameters(slot.path))
    failure: BaseException | None = None
    written = False
    try:
        with atomic_path(dest, suffix=".ipynb") as tmp:
            try:
                papermill.execute_notebook(str(slot.path), str(tmp), parameters=params, kernel_name="python3",
                                           language="python", progress_bar=progress, cwd=str(cwd),
                                           execution_timeout=timeout)
            except Exception as exc:  # keep papermill's copy (it has the error banner)
                failure = exc
            if tmp.stat().st_size == 0:
                raise _NothingWritten
            # papermill names its temporary output and this machine's folders in the metadata
            from semg_study.provenance import portable_text
            from semg_study.report.portability import portable_notebook

            keep = _keep_tmp(dest)
            portable_notebook(tmp, portable_text(str(dest), keep_tmp=keep), portable_text(str(slot.path), keep_tmp=keep))
        written = True
    except _NothingWritten:
        written = False
    if failure is None:
        return
    executed = dest if written else None
    if isinstance(failure, PapermillExecutionError):
        raise NotebookFailed(slot.name, executed, failure.cell_index, failure.source,
                             f"{failure.ename}: {failure.evalue}") from failure
    raise NotebookFailed(slot.name, executed, None, None, f"{type(failure).__name__}: {failure}") from failure


class _NothingWritten(Exception):
    pass


def study_run_markdown(record: dict[str, Any]) -> str:
    from semg_study.markdown import markdown_escape, markdown_table
    from semg_study.report.tables import provenance_line

    synthetic = record.get("corpus") == "synthetic"
    lines = ["**Study run: wall time and peak memory per notebook**", "",
             f"*{markdown_escape(provenance_line(record['profile'], 'semg-study study', synthetic))}; "
             f"commit {record['git'].get('commit') or 'unknown'}"
             f"{' (dirty)' if record['git'].get('dirty') else ''}; "
             f"{record['machine'].get('cpu_count')} cores, {record['machine'].get('memory_gb')} GB RAM*", ""]
    rows = []
    for nb in record["notebooks"]:
        wall = "" if nb.get("wall_s") is None else f"{nb['wall_s']:.1f}"
        peak = "" if nb.get("peak_rss_mb") is None else f"{nb['peak_rss_mb']:.0f}"
        status = nb["status"] + (" (earlier run)" if nb.get("previous_run") else "")
        rows.append([nb["name"], status, wall, peak])
    total = record["total"]
    wall = "" if total.get("wall_s") is None else f"{total['wall_s']:.1f}"
    peak = "" if total.get("peak_rss_mb") is None else f"{total['peak_rss_mb']:.0f}"
    rows.append(["**total**", record["status"], wall, peak])
    lines += markdown_table(["notebook", "status", "wall time (s)", "peak RSS, kernel tree (MB)"], rows)
    return "\n".join(lines) + "\n"


def _keep_tmp(path: Path) -> bool:
    from semg_study.provenance import keeps_tmp

    return keeps_tmp(path)


def write_record(out: Path, record: dict[str, Any]) -> None:
    from semg_study.provenance import portable

    write_json(out / "study_run.json", portable(record, keep_tmp=_keep_tmp(out)))
    write_text(out / "tables" / "study_run.md", study_run_markdown(record))


def prepare_data(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    """Step 0: the corpora the notebooks read."""
    started = time.perf_counter()
    data_dir = Path(args.data_dir).resolve() if args.data_dir else _paths.default_data_dir()
    if args.data_root:
        data_root = Path(args.data_root).resolve()
        if not data_root.exists():
            from semg_study.errors import DataError

            raise DataError(data_root, "--data-root does not exist")
        corpus = "synthetic" if labelled_synthetic(data_root) else "digital-voicing"
        say(f"step 0: using the {corpus} corpus at {data_root}")
    else:
        say(f"step 0: synthetic corpus for profile {args.profile} in {data_dir} (cached by fingerprint)")
        data_root = _paths.synthetic_corpus(args.profile, data_dir, args.seed, progress=args.progress)
        corpus = "synthetic"
    if args.ljspeech_root:
        ljspeech_root = Path(args.ljspeech_root).resolve()
    else:
        ljspeech_root = _paths.synthetic_corpus(args.profile, data_dir, args.seed, layout="ljspeech",
                                                progress=args.progress)
    wall = time.perf_counter() - started
    say(f"step 0: corpora ready in {wall:.1f} s")
    return {"data_root": str(data_root), "ljspeech_root": str(ljspeech_root), "corpus": corpus,
            "wall_s": round(wall, 3)}


def resolve_study_testset(args: argparse.Namespace, data_root: str) -> str:
    """The split file the study's Digital Voicing corpus opens with (named in the study record)."""
    from semg_study.data.dv_folders import locate_emg_data
    from semg_study.data.testsets import resolve_testset
    from semg_study.errors import DataError

    root = Path(data_root)
    try:
        base, _ = locate_emg_data(root)
    except DataError:  # not a Digital Voicing layout: the notebooks that open it say so
        base = root
    return str(resolve_testset(root, base, getattr(args, "testset", None)).resolve())


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

    previous = _previous_entries(out) if only is not None else {}
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
            _measure(entry, t0, sampler, peaks)
            finish("failed")
            from semg_study.report.portability import make_portable

            make_portable(out)
            say(f"[{slot.number}] {slot.name}: FAILED after {entry['wall_s']:.1f} s")
            raise
        _measure(entry, t0, sampler, peaks)
        entry["status"] = "ok"
        say(f"[{slot.number}] {slot.name}: ok in {entry['wall_s']:.1f} s, "
            f"peak RSS {entry['peak_rss_mb']:.0f} MB -> {dest}")
    finish("ok")
    ran = [e for e in record["notebooks"] if e["status"] == "ok"]
    if any(e["slot"] == "09" for e in ran):
        # 09 ran before the run's totals existed: refresh the report's study-run section.
        from semg_study.report.dissertation import write_report

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


def _previous_entries(out: Path) -> dict[str, dict[str, Any]]:
    """Slot -> entry of the last study_run.json in ``out`` for notebooks that ran there."""
    import json

    try:
        record = json.loads((out / "study_run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["slot"]: e for e in record.get("notebooks", [])
            if isinstance(e, dict) and e.get("slot") and e.get("status") in ("ok", "failed")}


def _measure(entry: dict[str, Any], t0: float, sampler: MemorySampler, peaks: list[float]) -> None:
    from semg_study.provenance import now_utc

    entry["wall_s"] = round(time.perf_counter() - t0, 3)
    entry["peak_rss_mb"] = round(sampler.peak_bytes / 2**20, 1)
    entry["rss_samples"] = sampler.samples
    entry["ru_maxrss_children_mb"] = children_maxrss_mb()
    entry["finished"] = now_utc()
    peaks.append(entry["peak_rss_mb"])
