"""Response latency: the time from the end of an utterance to its final transcript, model beside model.

What a user feels after they stop speaking differs by kind of model:

* **full context** (the gaddy2022 reproduction, DeepSpeech2): nothing can run
  before the utterance is complete, so the response is one forward pass over
  the whole utterance plus its decoding;
* **streaming** (MyoStream with its streaming mask): every chunk but the last
  was encoded while the user spoke. The response is the algorithmic latency
  (one chunk plus the look-ahead, from the config: the last samples wait for a
  chunk to fill before they are sent), plus the compute of the final
  ``stream_step`` (the last, partial chunk and the frames that were waiting
  for look-ahead), plus decoding the whole utterance's log-probabilities.
  Decoding is done once at the end (greedy or the lexicon beam search), as the
  full-context models do, so the comparison gives streaming no credit for
  incremental decoding.

Every model is measured in one process on the same input: ``seconds`` of
random EMG (features for models that read features), batch 1, a fixed number
of torch threads, ``warmup`` untimed responses then ``repeats`` timed ones;
p50/p95 of each part and of the sum per repeat. Models come from trained runs
(the study sizes: released runs) or from a config built with random weights
(the paper sizes, where no trained run exists: every row says which). Compute
time does not depend on the weights' values, but the beam search's time does
depend on the emissions, so a random model's beam figure is only indicative.

The ratios MyoStream / reproduction per size and the targets of
:mod:`semg_study.evaluation.targets` (``report: "response"``) are in the
result; :func:`response_markdown` is its table.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semg_study.decoding.greedy import greedy_decode
from semg_study.evaluation.latency import _machine, _percentiles
from semg_study.evaluation.streaming import stream_in_chunks
from semg_study.evaluation.targets import evaluate_targets, targets_for
from semg_study.markdown import markdown_table

SECONDS = 5.0
STREAMING_DEFINITION = ("algorithmic latency (chunk + look-ahead, from the config) + compute of the final "
                        "stream_step after the last sample + decoding of the whole utterance")
FULL_CONTEXT_DEFINITION = "one forward pass over the whole utterance + decoding"
PROPOSED, REFERENCE = "myostream", "gaddy2022"


@dataclass
class Candidate:
    """A model to time: its family, size label, where its weights come from, and the model itself."""
    family: str          # config family: myostream | gaddy2022 | ds2emg | ...
    size: str            # "study" or "paper" (or any label)
    config: str          # config name (myostream-quick, gaddy2022-paper, ...)
    weights: str         # "trained (<run>)" or "random (no trained run of this size)"
    model: object
    vocab: object
    raw_rate: float
    frame_rate: float


def from_run(run_dir: str | Path, size: str = "study") -> Candidate:
    """A trained run (``best`` weights)."""
    from semg_study.training import load_run

    loaded = load_run(run_dir)
    fc = loaded.feature_config
    return Candidate(_family(loaded.config.name), size, loaded.config.name, f"trained ({Path(run_dir).name})",
                     loaded.model.eval(), loaded.vocab, float(fc.raw_rate), float(fc.frame_rate))


def from_config(config_name: str, size: str = "paper", seed: int = 0) -> Candidate:
    """A config's model with random weights (seeded), and the rates its features fix."""
    import torch

    from semg_study.models.registry import build_model, model_class
    from semg_study.recipes.config import load_config
    from semg_study.text import VOCAB
    from semg_study.training.data import feature_config_from

    cfg = load_config(config_name)
    fc = feature_config_from(cfg)
    kwargs = dict(cfg.model.kwargs)
    # the rates training would pass (training.loop.model_kwargs reads them from the data the same way)
    params = set(model_class(cfg.model.name).__init__.__code__.co_varnames)
    if "raw_rate" in params:
        kwargs.setdefault("raw_rate", fc.raw_rate)
    if "input_frame_rate" in params:
        kwargs.setdefault("input_frame_rate", fc.frame_rate)
    torch.manual_seed(seed)
    model = build_model(cfg.model.name, **kwargs).eval()
    return Candidate(_family(config_name), size, config_name, "random (no trained run of this size)", model, VOCAB,
                     float(fc.raw_rate), float(fc.frame_rate))


def _family(config_name: str) -> str:
    return str(config_name).rsplit("-", 1)[0]


def streams(model) -> bool:
    return hasattr(model, "stream_step") and getattr(model, "use_streaming_mask", True) \
        and getattr(model, "input_key", "emg_raw") == "emg_raw"


def random_item(c: Candidate, seconds: float = SECONDS, seed: int = 0) -> dict:
    """``seconds`` of random input in the shape the model reads (one dataset item)."""
    import torch

    key = getattr(c.model, "input_key", "emg_raw")
    g = torch.Generator().manual_seed(seed)
    if key == "emg_raw":
        shape = (int(round(seconds * c.raw_rate)), int(getattr(c.model, "n_channels", 8)))
    else:
        shape = (int(round(seconds * c.frame_rate)), int(c.model.n_feats))
    return {key: torch.randn(*shape, generator=g), "text": "", "id": "random", "mode": "silent",
            "text_ids": torch.zeros(0, dtype=torch.long), "session_index": 0}


def _log_probs(outputs: dict) -> np.ndarray:
    return outputs["log_probs"][0, : int(outputs["lengths"][0])].float().numpy()


def time_response(c: Candidate, item: dict, repeats: int, warmup: int, beam=None) -> dict:
    """One model's response latency parts over ``repeats`` timed responses (after ``warmup``).

    ``beam``: a ``BeamDecoder`` (or None: greedy only)."""
    import torch

    from semg_study.data.dataset import collate
    from semg_study.models.registry import count_parameters

    streaming = streams(c.model)
    compute, greedy, beam_s, chunk_steps = [], [], [], []
    with torch.inference_mode():
        for r in range(warmup + repeats):
            if streaming:
                per_output = int(c.model.input_per_output)
                steps: list[float] = []
                outputs = stream_in_chunks(c.model, item["emg_raw"][None].float(), int(c.model.chunk) * per_output,
                                           None, step_seconds=steps)
                # the last step ran after the last sample (final=True); the others while the user spoke
                after_end, during = steps[-1], steps[:-1]
                lp = torch.cat(outputs, dim=1)[0].float().numpy()
            else:
                batch = collate([item])
                start = time.perf_counter()
                lp = _log_probs(c.model(batch))
                after_end, during = time.perf_counter() - start, []
            start = time.perf_counter()
            greedy_decode(lp[None], vocab=c.vocab)
            g = time.perf_counter() - start
            if beam is not None:
                start = time.perf_counter()
                beam.decode(lp[None])
                b = time.perf_counter() - start
            if r < warmup:
                continue
            compute.append(after_end)
            greedy.append(g)
            chunk_steps += during
            if beam is not None:
                beam_s.append(b)
    algorithmic_s = float(c.model.algorithmic_latency_ms) / 1000.0 if streaming else 0.0
    result = {
        "family": c.family, "size": c.size, "config": c.config, "weights": c.weights,
        "parameters": int(count_parameters(c.model)),
        "input": getattr(c.model, "input_key", "emg_raw"), "kind": "streaming" if streaming else "full context",
        "definition": STREAMING_DEFINITION if streaming else FULL_CONTEXT_DEFINITION,
        "algorithmic_ms": 1000.0 * algorithmic_s,
        "compute_after_end": _percentiles(compute), "greedy_decode": _percentiles(greedy),
        "response_greedy": _percentiles([algorithmic_s + a + g for a, g in zip(compute, greedy)]),
        "beam_decode": _percentiles(beam_s) if beam_s else None,
        "response_beam": _percentiles([algorithmic_s + a + b for a, b in zip(compute, beam_s)]) if beam_s else None,
        "chunk_compute": _percentiles(chunk_steps) if chunk_steps else None,
    }
    if streaming:
        result["chunk_ms"] = 1000.0 * int(c.model.chunk) / float(c.model.output_frame_rate)
        result["lookahead_ms"] = 1000.0 * int(c.model.lookahead) / float(c.model.output_frame_rate)
    return result


def _p50(entry: dict | None, key: str) -> float | None:
    return ((entry or {}).get(key) or {}).get("p50_ms")


def size_ratios(models: list[dict]) -> dict:
    """Per size: MyoStream / reproduction response latency p50 (greedy and beam)."""
    out = {}
    for size in dict.fromkeys(m["size"] for m in models):
        mine = next((m for m in models if m["size"] == size and m["family"] == PROPOSED), None)
        ref = next((m for m in models if m["size"] == size and m["family"] == REFERENCE), None)
        if mine is None or ref is None:
            continue
        ratio = {}
        for key in ("response_greedy", "response_beam"):
            a, b = _p50(mine, key), _p50(ref, key)
            ratio[f"{key}_p50"] = None if a is None or not b else a / b
        out[size] = ratio
    return out


def measure_response(candidates: list[Candidate], threads: int = 2, repeats: int = 10, warmup: int = 2,
                     seconds: float = SECONDS, beam=None, progress=None) -> dict:
    """Every candidate timed in this process, at ``threads`` torch threads; the ratios and the targets."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        models = []
        for c in candidates:
            if progress:
                progress(f"{c.config} ({c.weights})")
            models.append(time_response(c, random_item(c, seconds), repeats, warmup, beam))
    finally:
        torch.set_num_threads(previous)
    report = {"seconds": seconds, "batch_size": 1, "threads": threads, "repeats": repeats, "warmup": warmup,
              "input": f"{seconds:g} s of random EMG (random features for models reading features)",
              "machine": _machine(threads), "models": models, "ratios": size_ratios(models),
              "beam": None if beam is None else dict(beam.settings),
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    paper = next((m for m in models if m["size"] == "paper" and m["family"] == PROPOSED), None)
    report["paper"] = {"myostream": paper, "ratios": report["ratios"].get("paper")}
    report["targets"] = evaluate_targets(report, targets_for("response"))
    return report


def _ms(entry: dict | None, key: str, digits: int = 1) -> str:
    v = (entry or {}).get(key) if key in ("p50_ms", "p95_ms") else None
    return "n/a" if v is None else f"{v:.{digits}f}"


def response_markdown(report: dict) -> str:
    """The side-by-side table, the ratios and the targets (met or missed, with the number)."""
    lines = [
        "# Response latency: end of utterance to final transcript",
        "",
        f"{report['input']}, batch 1, {report['threads']} CPU thread(s), {report['repeats']} timed responses "
        f"after {report['warmup']} warm-up ones, per model, in one process (torch {report['machine'].get('torch')}, "
        f"{report['machine'].get('cpu_count')} CPUs). Full context: {FULL_CONTEXT_DEFINITION}. Streaming: "
        f"{STREAMING_DEFINITION}. Models with random weights time the same computation as trained ones, "
        f"but their beam-search time is only indicative (it depends on the emissions).",
        "",
    ]
    columns = ["size", "config", "weights", "params", "kind", "algorithmic ms", "compute after end p50 / p95 ms",
               "greedy decode p50 ms", "beam decode p50 ms", "response greedy p50 / p95 ms",
               "response beam p50 / p95 ms", "chunk compute p95 ms"]
    rows = []
    for m in report["models"]:
        rows.append([m["size"], m["config"], m["weights"], f"{m['parameters']:,}", m["kind"],
                     f"{m['algorithmic_ms']:.1f}",
                     f"{_ms(m['compute_after_end'], 'p50_ms')} / {_ms(m['compute_after_end'], 'p95_ms')}",
                     _ms(m["greedy_decode"], "p50_ms", 2), _ms(m["beam_decode"], "p50_ms"),
                     f"{_ms(m['response_greedy'], 'p50_ms')} / {_ms(m['response_greedy'], 'p95_ms')}",
                     f"{_ms(m['response_beam'], 'p50_ms')} / {_ms(m['response_beam'], 'p95_ms')}",
                     _ms(m["chunk_compute"], "p95_ms", 2)])
    lines += markdown_table(columns, rows, align="lllrlrrrrrrr")
    lines += ["", "MyoStream / reproduction, response latency p50:", ""]
    lines += markdown_table(["size", "greedy", "beam + LM"],
                            [[size, *("n/a" if r.get(k) is None else f"{r[k]:.3f}"
                                      for k in ("response_greedy_p50", "response_beam_p50"))]
                             for size, r in report["ratios"].items()], align="lrr")
    lines += ["", "Targets:", ""]
    lines += markdown_table(["target", "value", "threshold", "met"],
                            [[t["description"], "n/a" if t["value"] is None else f"{t['value']:.3f}",
                              f"{t['comparison']} {t['threshold']:g}",
                              "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")]
                             for t in report["targets"]], align="lrrl")
    return "\n".join(lines) + "\n"
