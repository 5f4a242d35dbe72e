"""Figures of notebooks 03-07, drawn from what the runners return (never from typed numbers)."""
from __future__ import annotations

import json

import numpy as np

from semg_study.run_folder import RunFolder


def _synthetic_title(title: str, synthetic: bool) -> str:
    return f"{title} (synthetic data)" if synthetic and "synthetic" not in title.lower() else title


def plot_table31(exp, synthetic: bool = True):
    """Regenerated WER per Table 3.1 row (greedy, beam + LM) beside the quoted original WER."""
    import matplotlib.pyplot as plt

    rows = exp.rows
    labels = [r["model"] for r in rows]
    # "WER % (greedy)", "WER % (beam + LM)" (their CI bounds are drawn as error bars)
    series = [k for k in rows[0] if k.startswith("WER % (") and "CI" not in k]
    original_key = next(k for k in rows[0] if k.startswith("WER % original"))
    x = np.arange(len(rows))
    width = 0.8 / (len(series) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, key in enumerate(series):
        vals = np.array([r[key] if r[key] is not None else np.nan for r in rows], dtype=float)
        low = np.array([r.get(f"{key} CI low") if r.get(f"{key} CI low") is not None else np.nan for r in rows])
        high = np.array([r.get(f"{key} CI high") if r.get(f"{key} CI high") is not None else np.nan for r in rows])
        err = np.vstack([np.clip(vals - low, 0, None), np.clip(high - vals, 0, None)])
        ax.bar(x + i * width, vals, width, yerr=np.nan_to_num(err), capsize=3,
               label=f"this study, {key[len('WER % ('):-1]} (95 % CI)")
    orig = [r[original_key] if isinstance(r[original_key], (int, float)) else np.nan for r in rows]
    ax.bar(x + len(series) * width, orig, width, color="0.6", hatch="//",
           label="original (dissertation, defective code), quoted")
    for xi, r in zip(x, rows):
        if not isinstance(r[original_key], (int, float)):
            ax.text(xi + len(series) * width, 1, "none\nreported", ha="center", fontsize=7)
    ax.set_xticks(x + width * len(series) / 2, labels, fontsize=8)
    ax.set_ylabel("WER (%)")
    top = np.nanmax([*(r[k] for r in rows for k in series if r[k] is not None), *orig, 100.0])
    ax.set_ylim(0, 1.3 * top)
    ax.set_title(_synthetic_title("Table 3.1 regenerated: DeepSpeech2 on audio, test WER", synthetic))
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    fig.tight_layout()
    return fig


def plot_emg_baselines(exp, synthetic: bool = True):
    """WER and CER bars per model and condition, silent against voiced evaluation."""
    import matplotlib.pyplot as plt

    groups = []
    for r in exp.rows:
        key = (r["model"], r["condition"])
        if key not in groups:
            groups.append(key)
    modes = sorted({r["evaluated on"] for r in exp.rows})
    # one decoder per bar: the beam search + LM when the table has it
    decoders = {r.get("decoder", "greedy") for r in exp.rows}
    decoder = next((d for d in decoders if d != "greedy"), "greedy")
    rows = [r for r in exp.rows if r.get("decoder", "greedy") == decoder]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=False)
    x = np.arange(len(groups))
    width = 0.8 / len(modes)
    for ax, metric in zip(axes, ("WER %", "CER %")):
        for i, mode in enumerate(modes):
            vals = []
            for g in groups:
                hit = [r[metric] for r in rows if (r["model"], r["condition"]) == g and r["evaluated on"] == mode]
                vals.append(float(np.mean(hit)) if hit else np.nan)
            ax.bar(x + i * width, vals, width, label=f"evaluated on {mode} EMG")
        ax.set_xticks(x + width * (len(modes) - 1) / 2, [f"{m}\n{c} vocabulary" for m, c in groups], fontsize=7)
        ax.set_ylabel(metric.replace(" %", " (%)"))
        ax.set_title(f"{metric.split()[0]} on test ({decoder})")
    axes[0].legend(fontsize=8)
    fig.suptitle(_synthetic_title("EMG baselines per condition and evaluation mode", synthetic))
    fig.tight_layout()
    return fig


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
    fig.suptitle(_synthetic_title(title, synthetic))
    fig.tight_layout()
    return fig


def attention_view(run_dir, corpus=None, mode: str | None = None) -> dict:
    """Attention weights (per layer, heads x T x T) of the first dev utterance of a MyoStream run."""
    from semg_study.evaluation.evaluate import eval_dataset, open_run_corpus
    from semg_study.experiments.attention import attention_weights
    from semg_study.training import load_run

    loaded = load_run(run_dir)
    corpus = corpus if corpus is not None else open_run_corpus(loaded.config)
    mode = mode or loaded.config.data.eval_mode
    utterances = corpus.utterances(condition=loaded.config.data.condition, split="dev", mode=mode)[:1]
    item = eval_dataset(loaded, corpus, utterances)[0]
    weights = attention_weights(loaded.model, item)
    return {"weights": [w.numpy() for w in weights], "utterance": item["id"], "text": item["text"],
            "frame_rate": float(loaded.model.output_frame_rate), "chunk": int(loaded.model.chunk),
            "lookahead": int(loaded.model.lookahead), "left_chunks": int(loaded.model.left_chunks),
            "streaming": bool(loaded.model.use_streaming_mask)}


def plot_attention(view: dict, synthetic: bool = True, max_heads: int = 4):
    """One panel per (layer, head): query frame x key frame weights; the streaming mask shows as zeros."""
    import matplotlib.pyplot as plt

    weights = view["weights"]
    n_heads = min(max_heads, weights[0].shape[0])
    fig, axes = plt.subplots(len(weights), n_heads, figsize=(2.8 * n_heads, 2.8 * len(weights)), squeeze=False)
    T = weights[0].shape[-1]
    extent = (0, T / view["frame_rate"], T / view["frame_rate"], 0)
    for layer, w in enumerate(weights):
        for h in range(n_heads):
            ax = axes[layer, h]
            ax.imshow(w[h], cmap="viridis", extent=extent, aspect="equal", vmin=0, vmax=max(1e-6, float(w[h].max())))
            ax.set_title(f"layer {layer + 1}, head {h + 1}", fontsize=8)
            ax.tick_params(labelsize=6)
            ax.grid(False)
            if h == 0:
                ax.set_ylabel("query time (s)", fontsize=7)
            if layer == len(weights) - 1:
                ax.set_xlabel("key time (s)", fontsize=7)
    mask = (f"streaming mask: chunks of {view['chunk']} frames, {view['left_chunks']} chunks left context, "
            f"{view['lookahead']} frames look-ahead in layer 1" if view["streaming"] else "full-context attention")
    fig.suptitle(_synthetic_title(f"MyoStream attention, dev utterance \"{view['text'][:50]}\"\n{mask}", synthetic),
                 fontsize=9)
    fig.tight_layout()
    return fig


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
    fig.suptitle(_synthetic_title("MyoStream ablations: one component switched off at a time", synthetic))
    fig.tight_layout()
    return fig


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
    ax.set_title(_synthetic_title("WER against inference latency on this CPU (1 thread)", synthetic))
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
