"""Figure writer: one consistent style, PNG + PDF written atomically, captions
registered in ``<out_dir>/captions.json`` for the generated report."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path, write_json
from semg_study.run_folder import RunFolder

SYNTHETIC_LABEL = "synthetic data"

STYLE: dict[str, Any] = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "axes.prop_cycle": None,  # filled in by apply_style (needs matplotlib)
    "pdf.fonttype": 42,
}


def _style() -> dict[str, Any]:
    from cycler import cycler

    style = dict(STYLE)
    style["axes.prop_cycle"] = cycler(color=["#1b6ca8", "#d1495b", "#66a182", "#edae49",
                                             "#8d6a9f", "#2e4057", "#00798c", "#b5838d"])
    return style


def apply_style() -> None:
    """Use the study's matplotlib style for every following figure."""
    import matplotlib

    matplotlib.rcParams.update(_style())


def label_caption(caption: str | None, name: str, synthetic: bool) -> str:
    """The caption as registered: ``name`` when empty; says "synthetic" when the data is."""
    text = (caption or name).strip()
    if synthetic and "synthetic" not in text.lower():
        text = f"{text.rstrip('.')}. ({SYNTHETIC_LABEL.capitalize()}.)"
    return text


def read_captions(out_dir: str | os.PathLike) -> dict[str, dict[str, Any]]:
    path = Path(out_dir) / "captions.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def stamp_synthetic(fig) -> None:
    """Mark ``fig`` "synthetic data" in its lower right corner (once, however often it is asked)."""
    if not any(getattr(t, "_semg_synthetic_stamp", False) for t in fig.texts):
        stamp = fig.text(0.995, 0.005, SYNTHETIC_LABEL, ha="right", va="bottom", fontsize=7,
                         color="#b00020", alpha=0.8)
        stamp._semg_synthetic_stamp = True


def save_figure(fig, name: str, out_dir: str | os.PathLike = "reports/figures", caption: str | None = None,
                synthetic: bool = True, notebook: str | None = None) -> dict[str, str]:
    """Write ``fig`` as ``<out_dir>/<name>.png`` and ``.pdf`` and register its caption.

    When ``synthetic`` the figure carries a "synthetic data" stamp and the caption
    says so. Returns the entry stored in ``captions.json`` (caption, files).
    Names should start with the notebook number (``01_...``) so the report orders them.
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid figure name {name!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if synthetic:
        stamp_synthetic(fig)
    files = {}
    for ext in ("png", "pdf"):
        target = out / f"{name}.{ext}"
        metadata = {"CreationDate": None} if ext == "pdf" else {"Software": None}
        with atomic_path(target, suffix=f".{ext}") as tmp:
            fig.savefig(tmp, format=ext, metadata=metadata)
        files[ext] = target.name
    entry = {"caption": label_caption(caption, name, synthetic), "synthetic": bool(synthetic),
             "files": files, "written_at": time.time()}
    if notebook:
        entry["notebook"] = notebook
    captions = read_captions(out)
    captions[name] = entry
    write_json(out / "captions.json", dict(sorted(captions.items())))
    return entry


def plot_benchmark_wer_vs_latency(benchmark: dict[str, Any]):
    """WER against CPU latency of each model of a ``make bench`` JSON (``semg_study.experiments.benchmark``).

    x: latency per utterance, p50, batch 1, at the benchmark's threads (log
    scale); y: the headline test WER with the LM. One labelled point per model;
    the streaming MyoStream is a star at its total response latency (chunk +
    look-ahead + p95 chunk compute), what a live user waits for, not the
    compute on a finished utterance. The title says "synthetic data" when the
    benchmark ran on it. Models without a measured WER or latency are left out.
    """
    import matplotlib.pyplot as plt

    threads = (benchmark.get("budget") or {}).get("threads")
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color") or ["C0", "C1", "C2", "C3"]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    plotted = 0
    model_colors = {}
    for i, (name, entry) in enumerate((benchmark.get("models") or {}).items()):
        model_colors[name] = color = colors[i % len(colors)]
        x, y = entry.get("latency_p50_ms"), entry.get("wer")
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or x <= 0:
            continue
        ax.scatter([x], [100 * y], color=color, s=50, zorder=3, label=f"{entry.get('label', name)}")
        # labels alternate above and below: models often sit close together
        ax.annotate(name, (x, 100 * y), xytext=(5, 6 if plotted % 2 == 0 else -13), textcoords="offset points",
                    fontsize=8)
        plotted += 1
    s = benchmark.get("streaming") or {}
    x, y = s.get("total_response_ms"), s.get("streaming_wer")
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) and x > 0:
        # the streaming comparison may be on another vocabulary than the points: the label says which
        cond = f", {s['condition']} vocabulary" if s.get("condition") else ""
        ax.scatter([x], [100 * y], marker="*", s=180, zorder=4,
                   color=model_colors.get(s.get("model", "myostream"), colors[0]),
                   label=f"MyoStream streamed (at its total response latency{cond})")
        ax.annotate(f"myostream, streamed{cond}", (x, 100 * y), xytext=(5, -13), textcoords="offset points",
                    fontsize=8)
        plotted += 1
    if plotted:
        ax.set_xscale("log")
    thread_text = f"{threads} CPU thread{'s' if threads != 1 else ''}" if threads else "CPU"
    ax.set_xlabel(f"latency (ms, log scale): per utterance p50, batch 1, {thread_text}; star: streaming response")
    ax.set_ylabel("test WER (%), beam search + LM")
    title = f"WER against inference latency ({benchmark.get('profile', '?')} benchmark, {thread_text})"
    if benchmark.get("synthetic"):
        title += f" - {SYNTHETIC_LABEL}"
    ax.set_title(title)
    if plotted:
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def synthetic_title(title: str, synthetic: bool) -> str:
    return f"{title} (synthetic data)" if synthetic and "synthetic" not in title.lower() else title


def training_curves(run_dir) -> list[dict]:
    """The run's ``metrics.json`` (one row per epoch)."""
    return json.loads(RunFolder(run_dir).metrics.read_text())


def plot_training_curves(run_dir, synthetic: bool = True, title: str = "MyoStream training"):
    """Train and dev CTC loss, dev greedy CER/WER per epoch, from the run's ``metrics.json``."""
    import matplotlib.pyplot as plt

    rows = training_curves(run_dir)
    epochs = [r["epoch"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot(epochs, [r["train_loss"] for r in rows], marker="o", label="train loss")
    axes[0].plot(epochs, [r["dev_loss"] for r in rows], marker="o", label="dev loss")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("CTC loss")
    axes[0].legend()
    axes[1].plot(epochs, [100 * r["dev_cer"] for r in rows], marker="o", label="dev CER (greedy)")
    axes[1].plot(epochs, [100 * r["dev_wer"] for r in rows], marker="o", label="dev WER (greedy)")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("%")
    axes[1].legend()
    fig.suptitle(synthetic_title(title, synthetic))
    fig.tight_layout()
    return fig

