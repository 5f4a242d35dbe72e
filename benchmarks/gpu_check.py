"""The GPU path, checked in one short run (about 8 minutes on one GPU): CUDA + mixed precision, then torchrun.

    .venv/bin/python benchmarks/gpu_check.py [--config myostream-quick] [--condition closed] [--epochs 60]

1. ``semg-study train CONFIG device=cuda`` (``train.amp`` is on by default: float16 autocast + GradScaler),
   in this process, with peak GPU memory read from ``torch.cuda.max_memory_allocated``;
2. the same under ``torchrun --nproc_per_node 1`` (DistributedDataParallel, NCCL);
3. each run evaluated on the test split (silent EMG, beam search + LM, weights chosen on dev).

Writes ``reports/benchmarks/gpu-<UTC date>.json``. CI never runs this (it has no GPU); nothing in the
package requires one. Needs a CUDA build of torch 2.13.0 on the GPU machine.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _evaluate(run_dir: Path) -> dict:
    from semg_study.experiments.run_evaluation import evaluate_decoder

    m = evaluate_decoder(run_dir, "test", "beam", "silent")
    return {"wer": m["wer"], "wer_ci": m.get("wer_ci"), "cer": m["cer"], "cer_ci": m.get("cer_ci")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/gpu_check.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="myostream-quick")
    parser.add_argument("--condition", default="closed")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--data-root", default=None, help="default: the quick synthetic corpus (made if missing)")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print("no CUDA device: the GPU check needs one (it is never part of CI)", file=sys.stderr)
        return 2
    from semg_study import io
    from semg_study.report.paths import synthetic_corpus
    from semg_study.training import train

    data_root = Path(args.data_root) if args.data_root else synthetic_corpus("quick", None, 0, layout="dv")
    scratch = Path(tempfile.mkdtemp(prefix="semg-gpu-"))
    overrides = [f"data_root={data_root}", f"data.condition={args.condition}", f"train.epochs={args.epochs}",
                 "device=cuda", "train.amp=true", "train.progress=false"]
    report = {"kind": "semg-study-gpu-check", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "device": torch.cuda.get_device_name(0), "torch": torch.__version__, "config": args.config,
              "condition": args.condition, "max_epochs": args.epochs}

    torch.cuda.reset_peak_memory_stats()
    started = time.time()
    single = train(args.config, overrides + [f"out={scratch / 'single'}"])
    report["single"] = {"wall_s": round(time.time() - started, 1),
                        "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
                        "epochs": len(json.loads((single / "metrics.json").read_text())), **_evaluate(single)}

    out = scratch / "ddp"
    started = time.time()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = ("import json, sys, torch; from semg_study.training import train; "
            "r = train(sys.argv[1], sys.argv[2:]); "
            "print('PEAK', torch.cuda.max_memory_allocated() / 2**20)")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "1",
                           "--no-python", sys.executable, "-c", code, args.config,
                           *overrides, f"out={out}"], env=env, capture_output=True, text=True)
    peak = next((float(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("PEAK")), None)
    ddp_dir = out / args.config
    report["torchrun"] = {"returncode": proc.returncode, "wall_s": round(time.time() - started, 1),
                          "peak_gpu_mb": peak, "stderr_tail": proc.stderr[-2000:]}
    if proc.returncode == 0 and (ddp_dir / "checkpoints" / "best.pt").is_file():
        report["torchrun"].update(epochs=len(json.loads((ddp_dir / "metrics.json").read_text())), **_evaluate(ddp_dir))
    path = REPO / "reports" / "benchmarks" / f"gpu-{report['created'][:10]}.json"
    io.write_json(path, report)
    print(json.dumps({k: v for k, v in report.items() if k != "torchrun"} | {"torchrun_rc": proc.returncode}, indent=1))
    print(f"written: {path.relative_to(REPO)}")
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
