"""Chapter 07's figure, drawn from what its runner returns."""
from __future__ import annotations

from semg_study.report.figures import synthetic_title


def plot_wer_vs_latency(exp, synthetic: bool = True):
    """WER against CPU latency per utterance (p50, batch 1) of every benchmarked model; streaming total marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for i, d in enumerate(exp.details):
        b, m = d["bench"], d["metrics"]
        color = plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 8]
        marker = "s" if b["input"] == "audio_features" else "o"
        ax.scatter(b["latency"]["p50_ms"], 100 * m["wer"], color=color, marker=marker, s=40,
                   label=f"{d['label']} [{'audio' if marker == 's' else 'EMG'}]")
        s = b.get("streaming")
        if s:
            ax.scatter(s["total_response_latency_ms"], 100 * m["wer"], color=color, marker="*", s=120)
            ax.annotate("streaming response", (s["total_response_latency_ms"], 100 * m["wer"]), fontsize=7,
                        xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log): per utterance p50 (circles/squares); streaming total response (stars)")
    ax.set_ylabel("dev WER (%), greedy")
    ax.set_title(synthetic_title("WER against inference latency on this CPU (1 thread)", synthetic))
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig

