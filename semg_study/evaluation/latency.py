"""``semg-study latency RUN``: inference cost of a trained run on this machine (``make latency``: every run).

Measured, never assumed:

* **size**: parameter count; bytes of the checkpoint file (weights plus
  optimiser state, RNG, config) and of the model's state dict alone.
* **latency per utterance**: one utterance at a time (batch 1), the full
  forward pass under ``torch.inference_mode``, ``warmup`` untimed passes then
  ``repeats`` timed passes per dev utterance; p50/p95 over all timed passes.
* **real-time factor**: compute time / signal duration, per pass (p50/p95), and
  over the whole set (sum of median compute / sum of duration).
* **peak RSS**: the largest resident set size psutil saw after any pass, and
  the process's lifetime peak (``ru_maxrss``).
* **streaming** (models with ``stream_step``, i.e. MyoStream with its
  streaming mask): each dev utterance is fed as it would arrive live, one
  chunk of ``chunk * input_per_output`` raw samples at a time; p50/p95 of the
  compute time per ``stream_step`` call. The model's algorithmic latency
  (chunk + look-ahead) plus the p95 chunk compute is the total response
  latency: the time from a sample's arrival to its frame's output.

The CPU thread count is set (default 1) and reported with the machine. The
result is compared with the latency rows of the study's targets table
(:mod:`semg_study.evaluation.targets`, why: ``benchmarks/README.md``). Several
runs (``semg-study latency RUN RUN ...`` or every run under ``--runs-root``) are
each measured in a process of their own and written together as
``OUT/latency.json`` and ``OUT/latency.md``.
"""
from __future__ import annotations

import argparse
import io as _io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from semg_study import io
from semg_study.decoding.beam import BeamDecoder
from semg_study.decoding.greedy import greedy_decode
from semg_study.errors import StudyError
from semg_study.evaluation.evaluate import data_label, ensure_lm, eval_dataset, open_run_corpus
from semg_study.evaluation.output import evaluation_home
from semg_study.evaluation.streaming import item_session, stream_in_chunks
from semg_study.evaluation.targets import evaluate_targets, targets_for, threshold_of
from semg_study.markdown import markdown_table
from semg_study.run_folder import RunFolder


def _percentiles(values_s: list[float]) -> dict:
    a = np.asarray(values_s, dtype=float) * 1000.0
    return {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "mean_ms": float(a.mean()), "min_ms": float(a.min()), "max_ms": float(a.max()), "n": int(a.size)}


def _rss_bytes() -> int:
    return int(psutil.Process().memory_info().rss)


def _lifetime_peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) * (1 if platform.system() == "Darwin" else 1024)  # Linux reports KiB


def _state_dict_bytes(model) -> int:
    import torch

    buf = _io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def _machine(threads: int) -> dict:
    import torch

    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "threads_requested": threads, "python": platform.python_version()}


def _signal_seconds(item: dict, key: str, loaded) -> float:
    fc = loaded.feature_config
    n = int(item[key].shape[0])
    if key == "emg_raw":
        return n / fc.raw_rate
    return n / fc.frame_rate


def measure_latency(run_dir: str | Path, threads: int = 1, repeats: int = 5, warmup: int = 2,
              split: str = "dev", max_utterances: int | None = 20, data_root: str | Path | None = None,
              which: str = "best", stream: bool = True, out: str | Path | None = None,
              beam: bool = False) -> dict:
    """Measure a run's inference cost; return (and, with ``out``, write) the result.

    torch's CPU thread count is set to ``threads`` for the measurement and
    restored afterwards.
    """
    import torch

    if threads < 1 or repeats < 1 or warmup < 0:
        raise StudyError(f"need threads >= 1, repeats >= 1, warmup >= 0 (got {threads}, {repeats}, {warmup})")
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _measure_latency(run_dir, threads, repeats, warmup, split, max_utterances, data_root, which,
                          stream, out, beam)
    finally:
        torch.set_num_threads(previous_threads)


def _measure_latency(run_dir, threads, repeats, warmup, split, max_utterances, data_root, which, stream, out,
               beam) -> dict:
    # deferred, like torch in this module: `semg-study latency --help` and the report's imports need none
    import torch

    from semg_study.data.dataset import collate
    from semg_study.models.registry import count_parameters
    from semg_study.training import load_run

    run_dir = Path(run_dir)
    loaded = load_run(run_dir, which=which)
    model, config = loaded.model.eval(), loaded.config
    corpus = open_run_corpus(config, data_root)
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=config.data.eval_mode)
    if max_utterances:
        utterances = utterances[:max_utterances]
    if not utterances:
        raise StudyError(f"{corpus.root}: no {split} utterances to benchmark on")
    dataset = eval_dataset(loaded, corpus, utterances)
    key = getattr(model, "input_key", "emg_raw")
    items = [dataset[i] for i in range(len(dataset))]

    peak_rss = _rss_bytes()
    times: list[float] = []
    rtfs: list[float] = []
    medians: list[float] = []
    durations: list[float] = []
    emissions: list[np.ndarray] = []
    with torch.inference_mode():
        for item in items:
            batch = collate([item])
            seconds = _signal_seconds(item, key, loaded)
            for _ in range(warmup):
                model(batch)
            mine = []
            for _ in range(repeats):
                start = time.perf_counter()
                outputs = model(batch)
                mine.append(time.perf_counter() - start)
                peak_rss = max(peak_rss, _rss_bytes())
            emissions.append(outputs["log_probs"][0, : int(outputs["lengths"][0])].float().numpy())
            times += mine
            rtfs += [t / seconds for t in mine]
            medians.append(float(np.median(mine)))
            durations.append(seconds)

    rtf = np.asarray(rtfs)
    result = {
        "data": data_label(corpus),
        "run": str(run_dir), "checkpoint": str(loaded.checkpoint), "config": config.name,
        "model": config.model.name, "input": key, "split": split, "mode": config.data.eval_mode,
        "utterances": len(items), "repeats": repeats, "warmup": warmup,
        "machine": _machine(threads), "inference_mode": True, "batch_size": 1,
        "parameters": int(count_parameters(model)),
        "size": {"checkpoint_bytes": loaded.checkpoint.stat().st_size,
                 "state_dict_bytes": _state_dict_bytes(model)},
        "latency": _percentiles(times),
        "signal_seconds": {"total": float(sum(durations)), "mean": float(np.mean(durations))},
        "rtf": {"p50": float(np.percentile(rtf, 50)), "p95": float(np.percentile(rtf, 95)),
                "overall": float(sum(medians) / sum(durations))},
    }

    result["decoding"] = _time_decoding(emissions, repeats, loaded, corpus, run_dir, beam)

    streaming = None
    if stream and hasattr(model, "stream_step") and getattr(model, "use_streaming_mask", True) \
            and key == "emg_raw":
        streaming = _time_streaming(model, items, repeats, warmup)
        peak_rss = max(peak_rss, _rss_bytes())
    result["streaming"] = streaming
    result["memory"] = {"peak_rss_bytes": int(peak_rss), "lifetime_peak_rss_bytes": _lifetime_peak_rss_bytes(),
                        "note": "peak_rss: largest RSS psutil saw after a timed pass; lifetime: ru_maxrss"}
    result["targets"] = compare_with_targets(result)
    result["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if out is not None:
        io.write_json(out, result)
        result["out"] = str(out)
    return result


def _time_decoding(emissions: list[np.ndarray], repeats: int, loaded, corpus, run_dir: Path,
                    beam: bool) -> dict:
    """Time turning each utterance's log-probabilities into text: greedy, and the run's beam search."""
    greedy_times = []
    for e in emissions:
        for _ in range(repeats):
            start = time.perf_counter()
            greedy_decode(e[None], vocab=loaded.vocab)
            greedy_times.append(time.perf_counter() - start)
    result = {"greedy": _percentiles(greedy_times), "beam": None}
    if beam:
        d = loaded.config.decode
        lm = ensure_lm(RunFolder(evaluation_home(run_dir)).lm(), corpus, loaded.config, int(d.lm_order))
        decoder = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=d.alpha, beta=d.beta,
                              beam=int(d.beam_size), lexicon=True)
        beam_times = []
        for e in emissions:
            start = time.perf_counter()
            decoder.decode(e[None])
            beam_times.append(time.perf_counter() - start)
        result["beam"] = {**_percentiles(beam_times), "settings": dict(decoder.settings, lm_order=int(d.lm_order))}
    return result


def _time_streaming(model, items, repeats: int, warmup: int) -> dict:
    per_output = int(model.input_per_output)
    chunk_samples = int(model.chunk) * per_output
    raw_rate = float(model.output_frame_rate) * per_output
    chunk_ms = 1000.0 * chunk_samples / raw_rate
    step_times: list[float] = []
    frames_out = 0
    for r in range(warmup + repeats):
        for item in items:
            seconds: list[float] = []
            outputs = stream_in_chunks(model, item["emg_raw"][None].float(), chunk_samples, item_session(item),
                                       step_seconds=seconds)
            if r >= warmup:
                step_times += seconds
                frames_out += sum(int(out.shape[1]) for out in outputs)
    compute = _percentiles(step_times)
    algorithmic = float(model.algorithmic_latency_ms)
    return {
        "chunk_frames": int(model.chunk), "lookahead_frames": int(model.lookahead),
        "chunk_samples": chunk_samples, "raw_rate_hz": raw_rate, "chunk_ms": chunk_ms,
        "chunk_compute": compute, "frames_out": frames_out,
        "algorithmic_latency_ms": algorithmic,
        "total_response_latency_ms": algorithmic + compute["p95_ms"],
        "total_response_latency_definition": "algorithmic latency (chunk + look-ahead) + p95 compute per chunk",
        "realtime": compute["p95_ms"] < chunk_ms,
    }


def compare_with_targets(result: dict) -> dict:
    """Each latency target with the measured value, its threshold and whether it is met (None: not applicable)."""
    return {t["name"]: {"target": t["description"], "comparison": t["comparison"], "value": t["value"],
                        "threshold": t["threshold"], "met": t["met"]}
            for t in evaluate_targets(result, targets_for("latency"))}


def summary(result: dict) -> str:
    tag = " [synthetic data]" if result.get("data") == "synthetic" else ""
    lines = [
        f"{result['config'] or result['model']}: {result['parameters']:,} parameters, checkpoint "
        f"{result['size']['checkpoint_bytes'] / 1e6:.2f} MB, weights {result['size']['state_dict_bytes'] / 1e6:.2f} MB{tag}",
        f"  {result['utterances']} {result['split']} utterances x {result['repeats']} passes, "
        f"{result['machine']['torch_threads']} thread(s): latency p50 {result['latency']['p50_ms']:.1f} ms, "
        f"p95 {result['latency']['p95_ms']:.1f} ms; RTF p50 {result['rtf']['p50']:.3f}, p95 {result['rtf']['p95']:.3f}; "
        f"peak RSS {result['memory']['peak_rss_bytes'] / 2**20:.0f} MiB",
    ]
    dec = result.get("decoding") or {}
    if dec.get("greedy"):
        text = f"  decoding per utterance: greedy p95 {dec['greedy']['p95_ms']:.2f} ms"
        if dec.get("beam"):
            text += (f", beam {dec['beam']['settings']['beam']} with {dec['beam']['settings']['lm_order']}-gram LM "
                     f"p50 {dec['beam']['p50_ms']:.1f} ms, p95 {dec['beam']['p95_ms']:.1f} ms")
        lines.append(text)
    s = result.get("streaming")
    if s:
        lines.append(
            f"  streaming: chunk {s['chunk_ms']:.1f} ms, compute p50 {s['chunk_compute']['p50_ms']:.2f} ms, "
            f"p95 {s['chunk_compute']['p95_ms']:.2f} ms ({'real time' if s['realtime'] else 'NOT real time'}); "
            f"algorithmic {s['algorithmic_latency_ms']:.1f} ms + compute = {s['total_response_latency_ms']:.1f} ms "
            f"(target < {threshold_of('total_response_latency_ms'):.0f} ms)")
    if result.get("out"):
        lines.append(f"  written to {result['out']}")
    return "\n".join(lines)


def _fmt(value, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def _met(flag) -> str:
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def latency_markdown(results: list[dict]) -> str:
    """A Markdown report of several latency results against the latency targets."""
    synthetic = any(r.get("data") == "synthetic" for r in results)
    threads = sorted({r["machine"]["torch_threads"] for r in results})
    machine = results[0]["machine"] if results else {}
    lines = [
        "# Inference latency" + (" (synthetic data)" if synthetic else ""),
        "",
        f"Machine: {machine.get('processor', '?')}, {machine.get('cpu_count', '?')} CPUs, torch "
        f"{machine.get('torch', '?')}, {', '.join(map(str, threads))} CPU thread(s); batch 1, "
        f"torch.inference_mode. Latencies are measurements on this machine, not guarantees.",
        "",
        f"Targets: streaming chunk compute p95 < chunk duration (real time); total response latency "
        f"(algorithmic + p95 chunk compute) < {threshold_of('total_response_latency_ms'):.0f} ms; "
        f"offline RTF p95 < {threshold_of('offline_rtf_p95')}.",
        "",
    ]
    columns = ["run", "model", "params", "checkpoint MB", "weights MB", "utterance p50 ms", "utterance p95 ms",
               "RTF p95", "beam decode p95 ms", "peak RSS MiB", "chunk ms", "chunk compute p95 ms", "algorithmic ms",
               "total response ms", "real time", "< 300 ms", "RTF < 1"]
    rows = []
    for r in results:
        s = r.get("streaming") or {}
        t = r["targets"]
        rows.append([
            Path(r["run"]).name, r["model"], f"{r['parameters']:,}",
            f"{r['size']['checkpoint_bytes'] / 1e6:.2f}", f"{r['size']['state_dict_bytes'] / 1e6:.2f}",
            f"{r['latency']['p50_ms']:.1f}", f"{r['latency']['p95_ms']:.1f}", f"{r['rtf']['p95']:.3f}",
            _fmt(((r.get('decoding') or {}).get('beam') or {}).get('p95_ms')),
            f"{r['memory']['peak_rss_bytes'] / 2**20:.0f}", _fmt(s.get('chunk_ms')),
            _fmt((s.get('chunk_compute') or {}).get('p95_ms'), '.2f'), _fmt(s.get('algorithmic_latency_ms')),
            _fmt(s.get('total_response_latency_ms')),
            _met(t['streaming_chunk_p95_below_chunk_duration']['met']), _met(t['total_response_latency_ms']['met']),
            _met(t['offline_rtf_p95']['met'])])
    lines += markdown_table(columns, rows, align="llrrrrrrrrrrrrlll")
    return "\n".join(lines) + "\n"


def _measure_in_subprocess(run_dir: str | Path, threads: int = 1, repeats: int = 5, warmup: int = 2,
                           max_utterances: int | None = 20, data_root=None, which: str = "best",
                           stream: bool = True, beam: bool = False) -> dict:
    """``measure_latency`` in a fresh interpreter, so its peak RSS is this run's alone."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "latency.json"
        cmd = [sys.executable, "-m", "semg_study", "latency", str(run_dir), "--threads", str(threads),
               "--repeats", str(repeats), "--warmup", str(warmup), "--max-utterances", str(max_utterances or 0),
               "--which", which, "--out", str(out)]
        if data_root is not None:
            cmd += ["--data-root", str(data_root)]
        if not stream:
            cmd.append("--no-stream")
        if beam:
            cmd.append("--beam")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not out.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise StudyError(f"{run_dir}: latency measurement failed: {' / '.join(tail)}")
        return json.loads(out.read_text())


def find_runs(runs_root: str | Path) -> list[Path]:
    """Every run folder under ``runs_root`` with a best checkpoint, sorted."""
    return sorted(p.parent.parent for p in Path(runs_root).glob("*/checkpoints/best.pt"))


def measure_many(run_dirs: list[str | Path], out_dir: str | Path, isolate: bool = True, **kwargs) -> dict:
    """Measure several runs; write ``OUT/latency.json`` and ``OUT/latency.md`` (atomically).

    With ``isolate`` each run is measured in its own process: memory figures
    would otherwise carry the previous runs' allocations.
    """
    if not run_dirs:
        raise StudyError("no run folders to measure (each needs checkpoints/best.pt)")
    measure = _measure_in_subprocess if isolate else measure_latency
    results = [measure(d, **kwargs) for d in run_dirs]
    out_dir = Path(out_dir)
    report = {"targets": targets_for("latency"), "results": results, "isolated_processes": bool(isolate),
              "data": "synthetic" if any(r.get("data") == "synthetic" for r in results) else "real",
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    io.write_json(out_dir / "latency.json", report)
    io.write_text(out_dir / "latency.md", latency_markdown(results))
    return report


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", metavar="RUN", nargs="*",
                        help="run folder(s); none: every run under --runs-root (written to --out-dir)")
    parser.add_argument("--runs-root", metavar="PATH", default="runs",
                        help="where to find runs when no RUN is given (default: runs)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per utterance")
    parser.add_argument("--warmup", type=int, default=2, help="untimed passes per utterance first")
    parser.add_argument("--max-utterances", type=int, default=20, help="dev utterances used (0: all)")
    parser.add_argument("--data-root", metavar="PATH", default=None, help="corpus root (default: the run's)")
    parser.add_argument("--which", choices=("best", "last"), default="best")
    parser.add_argument("--no-stream", action="store_true", help="skip the streaming measurement")
    parser.add_argument("--beam", action="store_true",
                        help="also time the run's lexicon beam search with its LM (built from the train split)")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="one RUN: JSON output (default: RUN/bench/bench-<threads>thread.json)")
    parser.add_argument("--out-dir", metavar="PATH", default=None,
                        help="several runs (or --out-dir given): where latency.json and latency.md go, each run "
                             "measured in a process of its own (default: reports/benchmarks)")
    parser.add_argument("--json", action="store_true", help="one RUN: print the result as JSON")


def run(args: argparse.Namespace) -> int:
    settings = dict(threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                    max_utterances=args.max_utterances or None, data_root=args.data_root, which=args.which,
                    stream=not args.no_stream, beam=args.beam)
    if len(args.runs) == 1 and args.out_dir is None:
        run_dir = Path(args.runs[0])
        out = Path(args.out) if args.out else RunFolder(run_dir).bench / f"bench-{args.threads}thread.json"
        result = measure_latency(run_dir, out=out, **settings)
        print(json.dumps(result, indent=2) if args.json else summary(result))
        return 0
    if args.out is not None:
        raise StudyError("--out names one run's JSON; with several runs give --out-dir")
    out_dir = Path(args.out_dir or "reports/benchmarks")
    runs = [Path(r) for r in args.runs] or find_runs(args.runs_root)
    report = measure_many(runs, out_dir, **settings)
    print((out_dir / "latency.md").read_text(), end="")
    print(f"written to {out_dir / 'latency.json'} and {out_dir / 'latency.md'} ({len(report['results'])} runs)")
    return 0
