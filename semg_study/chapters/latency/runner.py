"""Chapter 07's runner: parameters, CPU latency, real-time factor and streaming response of every model, and
the released models (one folder per model and vocabulary)."""
from __future__ import annotations

from semg_study.chapters.plan import plan as study_plan, run_specs
from semg_study.experiments.experiment import Experiment, config_summary
from semg_study.experiments.plan_runs import train_spec
from semg_study.experiments.run_evaluation import evaluate_cached, manifest_of, percent
from semg_study.run_folder import RunFolder


def latency_specs(p: dict) -> list[dict]:
    """The runs notebook 07 benchmarks: those of 03-05 and two ablation variants (first seed)."""
    section = p["latency"]
    specs = run_specs(p, *section["sources"])
    wanted = set(section["ablation_variants"])
    first_seed = min(p["ablations"]["seeds"])
    specs += [s for s in p["ablations"]["runs"] if s["variant"] in wanted and s["seed"] == first_seed]
    return specs


def _label(spec: dict) -> str:
    label = spec["label"]
    if spec.get("variant"):
        label = f"MyoStream ({spec['variant']}, {spec['condition']})"
    elif spec.get("condition"):
        label = f"{label} ({spec['condition']})"
    return label


def run_latency(study, p: dict | None = None) -> Experiment:
    """Notebook 07: parameters, CPU latency p50/p95, RTF, streaming chunk latency, WER, for every model.

    The runs are those trained by notebooks 03-06, found through ``train_cached``
    (never with ``force``): a missing run is trained once, a finished one reused.
    """
    from semg_study.evaluation.latency import measure_latency

    p = p or study_plan(study.profile)
    section = p["latency"]
    rows, manifests, runs, details = [], [], [], []
    for spec in latency_specs(p):
        run_dir = train_spec(study, spec, force=False)
        result = measure_latency(run_dir, threads=section["threads"], repeats=section["repeats"],
                           warmup=section["warmup"], max_utterances=section["max_utterances"],
                           out=RunFolder(run_dir).bench / "latency.json")
        m = evaluate_cached(run_dir, "dev", "greedy")
        s = result.get("streaming") or {}
        rows.append({
            "model": _label(spec), "config": spec["config"], "input": result["input"],
            "evaluated on": m["mode"], "parameters": result["parameters"],
            "latency p50 ms": round(result["latency"]["p50_ms"], 2),
            "latency p95 ms": round(result["latency"]["p95_ms"], 2),
            "RTF p50": round(result["rtf"]["p50"], 4), "RTF p95": round(result["rtf"]["p95"], 4),
            "chunk ms": round(s["chunk_ms"], 1) if s else None,
            "chunk compute p95 ms": round(s["chunk_compute"]["p95_ms"], 2) if s else None,
            "algorithmic latency ms": round(s["algorithmic_latency_ms"], 1) if s else None,
            "total response latency ms": round(s["total_response_latency_ms"], 1) if s else None,
            "WER % (greedy)": percent(m["wer"]), "CER % (greedy)": percent(m["cer"]),
        })
        manifests.append([manifest_of(run_dir)])
        runs.append(run_dir)
        details.append({"spec": spec, "run": run_dir, "bench": result, "metrics": m, "label": _label(spec)})
    machine = details[0]["bench"]["machine"] if details else {}
    caption = (f"Inference cost on this machine's CPU ({machine.get('torch_threads', section['threads'])} thread, batch 1, "
               f"torch.inference_mode; {section['repeats']} timed passes after {section['warmup']} warm-up passes "
               f"over up to {section['max_utterances']} dev utterances per model): parameters, latency per utterance "
               f"p50/p95, real-time factor, and for MyoStream the streaming chunk compute and total response "
               f"latency (chunk + look-ahead + p95 chunk compute); WER/CER greedy on dev. Audio models are "
               f"scored on voiced audio, EMG models on their own evaluation mode")
    return Experiment("07_latency", rows, manifests, runs, config_summary(p, "latency", latency_specs(p)),
                      caption, details)


def release_name(spec: dict) -> str:
    """``ds2emg-quick`` + closed -> ``ds2emg-quick-closed`` (one folder per model and vocabulary);
    the DS2 audio configs name their vocabulary already. Ablation variants are not released."""
    name = spec["config"]
    if spec.get("condition") and not spec["config"].startswith("ds2audio"):
        name += f"-{spec['condition']}"
    return name


def release_models(study, latency: Experiment) -> list[dict]:
    """Pack the runs of notebooks 03-05 (one per model and condition) into ``<reports>/models/``.

    Each folder loads like a run (``semg-study evaluate``, ``bench``, ``live --run``)
    and has a model card built from the run's own evaluation metrics
    (:mod:`semg_study.release`). Ablation variants are left out.
    """
    from semg_study.release import release_run

    rows = []
    for detail in latency.details:
        spec = detail["spec"]
        if spec.get("variant"):
            continue
        out = release_run(detail["run"], models_dir=study.paths.out / "models", name=release_name(spec))
        size = RunFolder(out).best.stat().st_size
        rows.append({"model": detail["label"], "folder": str(out.relative_to(study.paths.out)),
                     "parameters": detail["bench"]["parameters"], "checkpoint MB": round(size / 2**20, 2),
                     "WER % (greedy)": percent(detail["metrics"]["wer"]), "CER % (greedy)": percent(detail["metrics"]["cer"])})
    return rows

