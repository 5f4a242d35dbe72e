"""The dissertation's own figures, drawn from the records (never from typed numbers): MyoStream's
architecture from a run's configuration, and the results figures from the same records the tables
show. Written as PNG and PDF into ``<reports>/figures/thesis_*``; the PDF carries no date, so the same
records draw the same files."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path


def _save(fig, out: Path, name: str) -> tuple[str, str]:
    import matplotlib.pyplot as plt

    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / f"{name}.png", suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=200, bbox_inches="tight", metadata={"Software": None})
    with atomic_path(folder / f"{name}.pdf", suffix=".pdf") as tmp:
        fig.savefig(tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None, "Creator": None,
                                                                      "Producer": None})
    plt.close(fig)
    return f"{name}.png", f"{name}.pdf"


def _style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                         "svg.hashsalt": "semg-study", "pdf.fonttype": 42})
    return plt


def _fmt_hz(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def myostream_architecture(kw: dict[str, Any], out: Path, name: str = "thesis_myostream_architecture",
                           n_class: int | None = None, n_phonemes: int | None = None) -> tuple[str, str]:
    """MyoStream as boxes, every size read from ``kw`` (a run's model arguments with the constructor's
    defaults filled in)."""
    plt = _style()
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    strides = list(kw.get("strides", [2, 2, 2]))
    per_output = math.prod(strides)
    raw_rate = float(kw.get("raw_rate", 689.0625))
    frame_rate = raw_rate / per_output
    chunk_ms = 1000 * kw["chunk"] / frame_rate
    look_ms = 1000 * kw["lookahead"] / frame_rate
    n_ch = kw.get("n_channels", 8)
    boxes: list[tuple[str, str, str]] = [
        ("input", f"Raw EMG: {n_ch} channels at {_fmt_hz(raw_rate)} Hz", "#eeeeee")]
    if kw.get("session_adaptation", True):
        boxes.append(("adapt", f"Session adaptation: a learned {n_ch}×{n_ch} channel mix and bias per session "
                               f"({kw.get('n_sessions')} rows; row 0 for an unseen session)", "#e3f2fd"))
    if kw.get("electrode_frontend", True) and kw.get("envelope_frontend", False):
        boxes.append(("front", f"Envelope front end, per electrode: {kw['per_channel']} causal filters "
                               f"(kernel {kw.get('envelope_kernel', 15)}), square, causal smoothing and decimation "
                               f"by {per_output}, log, normalisation; electrode embedding, channel mixing to "
                               f"{kw['d_model']} dimensions", "#e8f5e9"))
    elif kw.get("electrode_frontend", True):
        boxes.append(("front", f"Electrode front end: per-electrode causal convolutions, strides "
                               f"{'×'.join(str(s) for s in strides)}, {kw['per_channel']} features per electrode; "
                               f"electrode embedding, channel mixing to {kw['d_model']} dimensions", "#e8f5e9"))
    else:
        boxes.append(("front", f"Plain front end: causal convolutions over all channels, strides "
                               f"{'×'.join(str(s) for s in strides)}, to {kw['d_model']} dimensions", "#e8f5e9"))
    attention = (f"attention restricted to chunks of {kw['chunk']} frames ({chunk_ms:.1f} ms), "
                 f"{kw['left_chunks']} chunks of left context, {kw['lookahead']} frames of look-ahead "
                 f"({look_ms:.1f} ms) in the first layer" if kw.get("streaming_mask", True)
                 else "full-context attention (not streamable)")
    conv = (f"causal depthwise convolution module (kernel {kw['conv_kernel']})" if kw.get("conv_module", True)
            else "no convolution module")
    boxes.append(("blocks", f"{kw['n_layers']} × Conformer block at {_fmt_hz(round(frame_rate, 2))} frames/s: "
                            f"half feed-forward (×{kw['ff_mult']}), {kw['n_heads']}-head self-attention with "
                            f"learned relative-position biases, {attention}; {conv}; half feed-forward; LayerNorm",
                  "#fff3e0"))
    boxes.append(("ctc", f"Linear layer and CTC over {n_class} symbols (blank, space, letters, digits)", "#fce4ec"))

    import textwrap

    wrapped = [(key, textwrap.wrap(text, 92), colour) for key, text, colour in boxes]
    heights = [0.32 + 0.2 * len(lines) for _, lines, _ in wrapped]
    gap = 0.32
    total = sum(heights) + gap * (len(heights) - 1)
    fig, ax = plt.subplots(figsize=(8.6, 0.62 * total + 0.2))
    ax.set_xlim(0, 13.6)
    ax.set_ylim(0, total)
    ax.axis("off")
    centres = {}
    y = total
    width = 10.0
    for (key, lines, colour), height in zip(wrapped, heights):
        y -= height
        ax.add_patch(FancyBboxPatch((0.1, y), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor=colour, edgecolor="#555555", linewidth=0.8))
        ax.text(0.1 + width / 2, y + height / 2, "\n".join(lines), ha="center", va="center", fontsize=7.4,
                linespacing=1.25)
        centres[key] = (0.1 + width / 2, y, height)
        y -= gap
    keys = [b[0] for b in boxes]
    for a, b in zip(keys, keys[1:]):
        xa, ya, _ = centres[a]
        xb, yb, hb = centres[b]
        ax.add_patch(FancyArrowPatch((xa, ya), (xb, yb + hb), arrowstyle="-|>", mutation_scale=9, color="#444444"))
    if kw.get("phoneme_aux_loss", True) and n_phonemes:
        x, y0, h = centres["blocks"]
        layer = max(1, kw["n_layers"] // 2)
        ax.add_patch(FancyBboxPatch((10.55, y0 + h / 2 - 0.42), 2.95, 0.84, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor="#f3e5f5", edgecolor="#555555", linewidth=0.8))
        ax.text(12.02, y0 + h / 2, "\n".join(textwrap.wrap(f"auxiliary frame-level phoneme classifier "
                                                          f"({n_phonemes} classes) after block {layer}", 24)),
                ha="center", va="center", fontsize=7)
        ax.add_patch(FancyArrowPatch((10.1, y0 + h / 2), (10.55, y0 + h / 2), arrowstyle="-|>", mutation_scale=8,
                                     color="#444444"))
    return _save(fig, out, name)


# one colour per model in every figure the document draws (keyed by the table name a bar or point carries)
MODEL_COLOURS = {"MyoStream": "#2e7d32", "Reproduction": "#ef6c00", "DeepSpeech2 (EMG features)": "#1565c0",
                 "DeepSpeech2 (audio)": "#6a1b9a"}
OTHER_COLOUR = "#616161"


def model_colour(label: str) -> str:
    """The colour of the model a label names (its first line: bar labels wrap before a parenthesis)."""
    return MODEL_COLOURS.get(label.replace("\n", " ").strip(), OTHER_COLOUR)


def error_rate_bars(groups: list[tuple[str, list[tuple[str, float, float | None, float | None]]]], out: Path,
                    name: str, ylabel: str) -> tuple[str, str]:
    """Grouped bars with 95 % interval whiskers: ``groups`` = [(group label, [(bar label, value, low, high)])]."""
    plt = _style()
    fig, axes = plt.subplots(1, len(groups), figsize=(3.4 * len(groups), 2.9), squeeze=False)
    for ax, (title, bars) in zip(axes[0], groups):
        xs = range(len(bars))
        for x, (label, value, low, high) in zip(xs, bars):
            ax.bar(x, value, color=model_colour(label), width=0.65)
            if low is not None and high is not None:
                ax.errorbar(x, value, yerr=[[value - low], [high - value]], color="black", capsize=3, linewidth=0.9)
            ax.text(x, (high if high is not None else value) + 1.5, f"{value:.1f}", ha="center", va="bottom",
                    fontsize=7.5)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([b[0] for b in bars], rotation=0, fontsize=7.5)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 105)
        ax.set_ylabel(ylabel)
    fig.tight_layout()
    return _save(fig, out, name)


def forest(rows: list[tuple[str, float, float, float]], out: Path, name: str, xlabel: str) -> tuple[str, str]:
    """Differences with their intervals, one row each, and the zero line."""
    plt = _style()
    fig, ax = plt.subplots(figsize=(6.4, 0.42 * len(rows) + 0.9))
    for i, (label, value, low, high) in enumerate(rows):
        y = len(rows) - 1 - i
        colour = "#c62828" if low > 0 else "#2e7d32" if high < 0 else "#616161"
        ax.plot([low, high], [y, y], color=colour, linewidth=2)
        ax.plot([value], [y], "o", color=colour)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)], fontsize=8)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return _save(fig, out, name)


def latency_accuracy(points: list[tuple[str, float, float, str]], out: Path, name: str, xlabel: str,
                     ylabel: str) -> tuple[str, str]:
    """One labelled point per model: (label, latency, error rate, marker)."""
    plt = _style()
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    for label, x, y, marker in points:
        ax.plot([x], [y], marker, markersize=7, color=model_colour(label))
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=7.5)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 105)
    fig.tight_layout()
    return _save(fig, out, name)
