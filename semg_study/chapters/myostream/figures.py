"""Chapter 05's figures of one MyoStream run: its attention maps (training curves: ``report.figures``)."""
from __future__ import annotations

from semg_study.report.figures import synthetic_title


def attention_view(run_dir, corpus=None, mode: str | None = None) -> dict:
    """Attention weights (per layer, heads x T x T) of the first dev utterance of a MyoStream run."""
    from semg_study.evaluation.evaluate import eval_dataset, open_run_corpus
    from semg_study.chapters.myostream.attention import attention_weights
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
    fig.suptitle(synthetic_title(f"MyoStream attention, dev utterance \"{view['text'][:50]}\"\n{mask}", synthetic),
                 fontsize=9)
    fig.tight_layout()
    return fig

