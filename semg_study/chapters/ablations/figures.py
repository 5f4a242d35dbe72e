"""Chapter 06's figure, drawn from what its runner returns."""
from __future__ import annotations

import numpy as np

from semg_study.report.figures import synthetic_title


def plot_ablations(exp, synthetic: bool = True):
    """WER per variant: mean ± std bar over seeds, each seed's value as a dot."""
    import matplotlib.pyplot as plt

    details = exp.details
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, name in ((axes[0], "wers", "WER"), (axes[1], "cers", "CER")):
        means = [float(np.mean(d[key])) for d in details]
        stds = [float(np.std(d[key], ddof=1)) if len(d[key]) > 1 else 0.0 for d in details]
        y = np.arange(len(details))
        ax.barh(y, means, xerr=stds, color=["#1b6ca8"] + ["#d1495b"] * (len(details) - 1), alpha=0.6,
                capsize=3)
        for yi, d in zip(y, details):
            ax.scatter(d[key], [yi] * len(d[key]), color="k", s=12, zorder=3)
        ax.set_yticks(y, [d["variant"] for d in details], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"test {name} (%), mean ± std over seeds; dots: seeds")
    fig.suptitle(synthetic_title("MyoStream ablations: one component switched off at a time", synthetic))
    fig.tight_layout()
    return fig

