"""``semg-study models [--json]``: every registered model and every config, with parameter counts."""
from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _finite_or_none(value):
    return value if isinstance(value, (int, float)) and value != float("inf") else None


def collect() -> dict:
    """Parameter counts without training: models are built on the meta device (no memory, no init)."""
    import torch

    from semg_study.models.registry import build_model, count_parameters, list_models, model_class
    from semg_study.recipes import available_configs, load_config

    models = []
    for name in list_models():
        with torch.device("meta"):
            n = count_parameters(build_model(name))
        cls = model_class(name)
        doc = (cls.__doc__ or sys.modules[cls.__module__].__doc__ or name).strip().splitlines()[0]
        models.append({"name": name, "parameters_default": n, "description": doc})
    configs = []
    for config in available_configs():
        cfg = load_config(config)
        with torch.device("meta"):
            model = build_model(cfg.model.name, **cfg.model.kwargs)
        configs.append({"config": config, "model": cfg.model.name, "parameters": count_parameters(model),
                        "input": getattr(model, "input_key", None), "epochs": cfg.train.epochs,
                        "data_root": cfg.data.root,
                        # None: not a streaming model (or full-context attention)
                        "latency_ms": _finite_or_none(getattr(model, "algorithmic_latency_ms", None))})
    return {"models": models, "configs": configs}


def run(args: argparse.Namespace) -> int:
    info = collect()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print("models:")
    for m in info["models"]:
        print(f"  {m['name']:<14} {m['parameters_default']:>12,d}  {m['description']}")
    print("configs:")
    for c in info["configs"]:
        latency = c["latency_ms"]
        extra = f"  latency {latency:.0f} ms" if latency is not None else ""
        print(f"  {c['config']:<26} {c['model']:<12} {c['parameters']:>12,d}  {c['input']:<15} "
              f"{c['epochs']:>4} epochs{extra}")
    return 0
