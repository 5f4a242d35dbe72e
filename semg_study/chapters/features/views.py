"""Notebook 02: the hand-crafted EMG features, learned features, and a 2-D embedding of frames.

* **Hand-crafted** (Jou et al. 2006, as in the dataset authors' code;
  ``semg_study.features.emg_features``): per channel 5 time-domain values of the
  low-passed signal ``w`` (double 9-point moving average), the high-passed rest
  ``p`` and its rectification ``r`` (mean w, RMS w, RMS r, zero-crossing rate of
  p, mean r) and the 9 magnitude bins of a 16-sample FFT: 14 x 8 channels = 112
  values per frame, frames of 16 feature-stream samples with a hop of 6.
* **Learned**: activations of the first convolution of a trained MyoStream run.
* **Embedding**: PCA (and t-SNE) of standardised feature frames coloured by the
  phoneme each frame falls in (``frame_phonemes`` from the corpus alignments).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from semg_study.features.emg_features import FEATURES_PER_CHANNEL, FRAME_LENGTH, HOP_LENGTH, N_FFT_BINS
from semg_study.data.fingerprint import feature_cache_dir

TIME_DOMAIN = ("mean w", "RMS w", "RMS r", "ZCR p", "mean r")
SAMPLE_SIZE = {"smoke": 6, "quick": 30, "full": 120}  # utterances in the distributions / embedding
TSNE_FRAMES = {"smoke": 300, "quick": 1500, "full": 4000}


def feature_config():
    """The study's default feature pipeline, hand-crafted features only (as ``ds2emg`` reads them)."""
    from semg_study.features import FeatureConfig

    return FeatureConfig(streams=("emg_features",))


def feature_names(n_channels: int = 8, feature_rate: float | None = None) -> list[str]:
    """Names of the 112 features, channel-major, in the order ``emg_features`` returns them."""
    from semg_study.features import PreprocessConfig

    rate = feature_rate or PreprocessConfig().feature_rate
    spectral = [f"|FFT| {k * rate / FRAME_LENGTH:.0f} Hz" for k in range(N_FFT_BINS)]
    return [f"ch{c + 1} {name}" for c in range(n_channels) for name in (*TIME_DOMAIN, *spectral)]


def _cache(corpus, cfg):
    from semg_study.data.feature_cache import FeatureCache

    return FeatureCache(cfg, feature_cache_dir(corpus.root))


def example_utterance(corpus, mode: str = "voiced"):
    """A deterministic example: the first train utterance of ``mode`` with a phoneme alignment."""
    for condition in ("open", "closed"):
        for u in corpus.utterances(condition=condition, split="train", mode=mode):
            if u.alignment_path is not None:
                return u
    return corpus.utterances(condition="open", split="train", mode=mode)[0]


def sample_utterances(corpus, profile: str, seed: int = 0) -> list:
    """A seeded sample of training utterances (both conditions and modes)."""
    pool = [u for c in ("open", "closed") for u in corpus.utterances(condition=c, split="train")]
    rng = np.random.default_rng(seed)
    n = min(len(pool), SAMPLE_SIZE[profile])
    return [pool[i] for i in sorted(rng.choice(len(pool), size=n, replace=False))]


def utterance_features(corpus, utterance) -> dict:
    """``emg_features`` (n, 112, not normalised) and ``frame_phonemes`` (n,) of one utterance."""
    cfg = feature_config()
    f = _cache(corpus, cfg).get(utterance)
    return {"features": np.asarray(f["emg_features"]), "phonemes": np.asarray(f["frame_phonemes"]),
            "frame_rate": cfg.frame_rate}


def rate_rows() -> list[dict]:
    """Rates and frame sizes of the feature pipeline, read from ``FeatureConfig``."""
    cfg = feature_config()
    pp = cfg.preprocess
    return [
        {"quantity": "recording rate", "value": pp.source_rate, "unit": "Hz"},
        {"quantity": "raw stream (convolutional front ends)", "value": round(pp.raw_rate, 4), "unit": "Hz"},
        {"quantity": "feature stream", "value": round(pp.feature_rate, 4), "unit": "Hz"},
        {"quantity": "feature frame length", "value": FRAME_LENGTH, "unit": "feature-stream samples"},
        {"quantity": "feature frame hop", "value": HOP_LENGTH, "unit": "feature-stream samples"},
        {"quantity": "feature frame length", "value": round(1000 * FRAME_LENGTH / pp.feature_rate, 2), "unit": "ms"},
        {"quantity": "frame rate (features, audio mels, model outputs of DS2/gaddy2022)",
         "value": round(cfg.frame_rate, 4), "unit": "Hz"},
        {"quantity": "features per channel (5 time-domain + 9 FFT bins)", "value": FEATURES_PER_CHANNEL, "unit": ""},
        {"quantity": "features per frame (8 channels)", "value": cfg.n_emg_features, "unit": ""},
    ]


def _phoneme_name(i: int) -> str:
    from semg_study.text import PHONEME_SYMBOLS

    return PHONEME_SYMBOLS[int(i)]


def _segments(phonemes: np.ndarray):
    """(start frame, end frame, phoneme id) runs."""
    out, start = [], 0
    for i in range(1, len(phonemes) + 1):
        if i == len(phonemes) or phonemes[i] != phonemes[start]:
            out.append((start, i, int(phonemes[start])))
            start = i
    return out


def plot_feature_frames(ex: dict, channel: int = 0, title: str = ""):
    """The 14 features of one channel over time (time-domain values and FFT bins), phonemes on top."""
    import matplotlib.pyplot as plt

    x = ex["features"][:, channel * FEATURES_PER_CHANNEL:(channel + 1) * FEATURES_PER_CHANNEL]
    t = np.arange(len(x)) / ex["frame_rate"]
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, gridspec_kw={"height_ratios": [1, 1]})
    for j, name in enumerate(TIME_DOMAIN):
        v = x[:, j]
        axes[0].plot(t, (v - v.mean()) / (v.std() + 1e-9) + 3 * j, lw=0.8, label=name)
    axes[0].set_yticks([3 * j for j in range(len(TIME_DOMAIN))], TIME_DOMAIN)
    axes[0].set_title(title or f"channel {channel + 1}: time-domain features (each z-scored, offset)")
    names = feature_names()[:FEATURES_PER_CHANNEL][len(TIME_DOMAIN):]
    spec = np.log1p(x[:, len(TIME_DOMAIN):]).T
    axes[1].imshow(spec, aspect="auto", origin="lower", extent=(t[0], t[-1] + 1 / ex["frame_rate"], -0.5,
                                                                 N_FFT_BINS - 0.5))
    axes[1].set_yticks(range(N_FFT_BINS), [n.split(" ", 1)[1] for n in names])
    axes[1].set_ylabel("log(1 + |FFT|)")
    axes[1].grid(False)
    axes[1].set_xlabel(f"time (s), frames at {ex['frame_rate']:.2f} Hz")
    for a, b, ph in _segments(ex["phonemes"]):
        if _phoneme_name(ph) != "sil":
            axes[0].axvspan(a / ex["frame_rate"], b / ex["frame_rate"], color="0.9", zorder=-1)
            axes[0].text((a + b) / 2 / ex["frame_rate"], 3 * len(TIME_DOMAIN) - 1, _phoneme_name(ph),
                         ha="center", fontsize=6)
    fig.tight_layout()
    return fig


def plot_feature_image(ex: dict, title: str = ""):
    """All 112 features x time, z-scored per feature, channel boundaries marked."""
    import matplotlib.pyplot as plt

    x = ex["features"]
    z = (x - x.mean(0)) / (x.std(0) + 1e-9)
    fig, ax = plt.subplots(figsize=(9, 5))
    im = ax.imshow(z.T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-3, vmax=3,
                   extent=(0, len(x) / ex["frame_rate"], -0.5, x.shape[1] - 0.5))
    for c in range(1, x.shape[1] // FEATURES_PER_CHANNEL):
        ax.axhline(c * FEATURES_PER_CHANNEL - 0.5, color="k", lw=0.5)
    ax.set_yticks([c * FEATURES_PER_CHANNEL + FEATURES_PER_CHANNEL / 2 for c in range(x.shape[1] // FEATURES_PER_CHANNEL)],
                  [f"ch{c + 1}" for c in range(x.shape[1] // FEATURES_PER_CHANNEL)])
    ax.set_xlabel("time (s)")
    ax.set_title(title or "112 hand-crafted features x time (z-scored per feature)")
    fig.colorbar(im, ax=ax, label="z")
    fig.tight_layout()
    return fig


def distribution_values(corpus, utterances) -> dict[str, np.ndarray]:
    """Per mode, the (frames, 112) feature matrix of the sampled utterances."""
    out: dict[str, list] = {}
    for u in utterances:
        out.setdefault(u.mode, []).append(utterance_features(corpus, u)["features"])
    return {mode: np.concatenate(v) for mode, v in sorted(out.items())}


def plot_feature_distributions(values: dict[str, np.ndarray]):
    """Distribution of each of the 14 feature types (pooled over channels), silent against voiced."""
    import matplotlib.pyplot as plt

    names = [n.split(" ", 1)[1] for n in feature_names()[:FEATURES_PER_CHANNEL]]
    fig, axes = plt.subplots(2, 7, figsize=(13, 5))
    for j, ax in enumerate(axes.flat):
        for mode, x in values.items():
            v = np.log10(np.abs(x[:, j::FEATURES_PER_CHANNEL].ravel()) + 1e-6)
            ax.hist(v, bins=40, histtype="step", density=True, label=mode)
        ax.set_title(names[j], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    axes.flat[0].legend(fontsize=7)
    fig.supxlabel("log10 |feature value| (all channels pooled)")
    fig.tight_layout()
    return fig


def distribution_rows(values: dict[str, np.ndarray]) -> list[dict]:
    """Median and interquartile range of each feature type per mode (channels pooled)."""
    names = [n.split(" ", 1)[1] for n in feature_names()[:FEATURES_PER_CHANNEL]]
    rows = []
    for j, name in enumerate(names):
        row = {"feature": name}
        for mode, x in values.items():
            v = x[:, j::FEATURES_PER_CHANNEL].ravel()
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            row[f"{mode} median"] = float(med)
            row[f"{mode} IQR"] = float(q3 - q1)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ learned features

def first_conv_activations(run_dir, corpus=None, mode: str | None = None) -> dict:
    """Activations of the first convolution of a trained run for its first dev utterance.

    Works for MyoStream (``frontend.convs[0]``, per-electrode causal conv on the
    raw stream) and gaddy2022 (first residual block's first conv); returns the
    activations (channels, time), their time axis rate, the utterance and the run.
    """
    import torch

    from semg_study.data.dataset import collate
    from semg_study.evaluation.evaluate import eval_dataset, open_run_corpus
    from semg_study.training import load_run

    loaded = load_run(run_dir)
    model = loaded.model
    corpus = corpus if corpus is not None else open_run_corpus(loaded.config)
    mode = mode or loaded.config.data.eval_mode
    utterances = corpus.utterances(condition=loaded.config.data.condition, split="dev", mode=mode)[:1]
    dataset = eval_dataset(loaded, corpus, utterances)
    item = dataset[0]
    first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv1d))
    captured = {}

    def hook(module, args, out):  # CausalConv1d returns (output, cache)
        captured.setdefault("out", (out[0] if isinstance(out, tuple) else out).detach())

    handle = first.register_forward_hook(hook)
    try:
        with torch.inference_mode():
            model(collate([item]))
    finally:
        handle.remove()
    act = captured["out"][0].float().numpy()  # (channels, time)
    stride = first.stride[0]
    raw_rate = loaded.feature_config.raw_rate
    return {"activations": act, "rate": raw_rate / stride, "input": item[model.input_key].numpy(),
            "input_rate": raw_rate, "utterance": item["id"], "text": item["text"], "model": loaded.config.model.name,
            "config": loaded.config.name, "raw_scale": float(loaded.feature_config.preprocess.raw_scale),
            "raw_clip": float(loaded.feature_config.preprocess.raw_clip), "layer": f"{type(first).__name__}(in={first.in_channels}, "
                                                     f"out={first.out_channels}, kernel={first.kernel_size[0]}, "
                                                     f"stride={stride}, groups={first.groups})",
            "run": str(run_dir)}


def _input_microvolts(view: dict) -> tuple[np.ndarray, bool]:
    """The model's input stream back in microvolts (the inverse of ``scale_raw``: raw_clip * tanh(x / raw_scale
    / raw_clip)), when the view records the scaling; else the scaled input as it is (False)."""
    x = np.asarray(view["input"], dtype=np.float64)
    scale, clip = view.get("raw_scale"), view.get("raw_clip")
    if not scale or not clip:
        return x, False
    return scale * clip * np.arctanh(np.clip(x / clip, -1 + 1e-7, 1 - 1e-7)), True


def plot_first_conv(view: dict):
    """Input EMG stream (8 channels, offset, with an amplitude scale bar) above the first conv layer's
    activations (channels x time). The colour bar has its own column, so both panels share one width and
    one time axis."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(5.4, 4.8))
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 0.025], height_ratios=[1, 1.1], wspace=0.04, hspace=0.3)
    top = fig.add_subplot(grid[0, 0])
    bottom = fig.add_subplot(grid[1, 0], sharex=top)
    cax = fig.add_subplot(grid[1, 1])
    x, in_uv = _input_microvolts(view)
    x = x - x.mean(axis=0)
    t = np.arange(len(x)) / view["input_rate"]
    spacing = 2.2 * float(np.percentile(np.abs(x), 99, axis=0).max()) or 1.0
    n_ch = x.shape[1]
    offsets = spacing * np.arange(n_ch)[::-1]
    for c in range(n_ch):
        top.plot(t, x[:, c] + offsets[c], lw=0.5)
    top.set_yticks(offsets, [f"ch {c + 1}" for c in range(n_ch)])
    top.set_ylim(offsets[-1] - spacing, offsets[0] + spacing)
    unit = "µV" if in_uv else "(scaled input)"
    bar = float(10 ** np.floor(np.log10(spacing)))
    bar = next(v for v in (5 * bar, 2 * bar, bar) if v <= spacing)
    x_end = t[-1] if len(t) else 1.0
    y0 = offsets[-1] - 0.9 * spacing
    top.plot([x_end * 1.01] * 2, [y0, y0 + bar], color="k", lw=2, clip_on=False)
    top.annotate(f"{bar:g} {unit}", (x_end * 1.01, y0 + bar / 2), xytext=(4, 0), textcoords="offset points",
                 fontsize=8, va="center", annotation_clip=False)
    short = "/".join(str(view["utterance"]).split("/")[-2:])
    top.set_title(f"input EMG ({view['input_rate']:.0f} Hz, filtered, de-meaned), dev utterance {short}",
                  fontsize=8, loc="left")
    top.tick_params(labelsize=8, labelbottom=False)
    act = view["activations"]
    im = bottom.imshow(act, aspect="auto", origin="lower", cmap="magma",
                       extent=(0, act.shape[1] / view["rate"], -0.5, act.shape[0] - 0.5))
    bottom.set_ylabel("conv output channel", fontsize=8)
    bottom.grid(False)
    bottom.set_xlabel("time (s)", fontsize=8)
    bottom.tick_params(labelsize=8)
    bottom.set_title(f"{view['model']} first layer: {view['layer']}", fontsize=8, loc="left")
    bar_ = fig.colorbar(im, cax=cax)
    bar_.set_label("activation (a.u.)", fontsize=8)
    cax.tick_params(labelsize=8)
    top.set_xlim(0, max(x_end, act.shape[1] / view["rate"]))
    fig.subplots_adjust(left=0.11, right=0.88, top=0.94, bottom=0.1)
    return fig


# --------------------------------------------------------------------- embedding

def embedding_frames(corpus, utterances) -> dict:
    """Standardised feature frames of the sample and their phoneme labels."""
    feats, labels = [], []
    for u in utterances:
        ex = utterance_features(corpus, u)
        feats.append(ex["features"])
        labels.append(ex["phonemes"])
    x = np.concatenate(feats).astype(np.float64)
    x = (x - x.mean(0)) / (x.std(0) + 1e-9)
    return {"x": x, "labels": np.concatenate(labels), "utterances": len(utterances)}


def embed(frames: dict, profile: str, seed: int = 0, method: str = "pca") -> dict:
    """2-D embedding (``pca`` of all frames, or ``tsne`` of a seeded subsample)."""
    from sklearn.decomposition import PCA

    x, labels = frames["x"], frames["labels"]
    if method == "pca":
        pca = PCA(n_components=2, random_state=seed)
        y = pca.fit_transform(x)
        return {"y": y, "labels": labels, "method": "PCA",
                "explained": [float(v) for v in pca.explained_variance_ratio_]}
    from sklearn.manifold import TSNE

    rng = np.random.default_rng(seed)
    n = min(len(x), TSNE_FRAMES[profile])
    idx = np.sort(rng.choice(len(x), size=n, replace=False))
    # PCA to 30 dims first (the usual t-SNE preprocessing), then t-SNE.
    z = PCA(n_components=min(30, x.shape[1], n), random_state=seed).fit_transform(x[idx])
    y = TSNE(n_components=2, perplexity=min(30.0, max(5.0, (n - 1) / 3.0)), init="pca", random_state=seed,
             max_iter=500).fit_transform(z)
    return {"y": y, "labels": labels[idx], "method": "t-SNE", "explained": None}


def plot_embedding(emb: dict, top: int = 8):
    """Frames in 2-D coloured by the ``top`` most frequent non-silence phonemes (tab10 without its grey, so no
    phoneme is drawn in a grey), the rest light grey. Axes: "PC 1"/"PC 2" with their explained variance for
    PCA; "t-SNE 1"/"t-SNE 2" without tick values for t-SNE, whose coordinates have no unit or scale."""
    import matplotlib.pyplot as plt

    labels = emb["labels"]
    counts = Counter(_phoneme_name(i) for i in labels)
    chosen = [p for p, _ in counts.most_common() if p not in ("sil", "<blank>")][:top]
    fig, ax = plt.subplots(figsize=(5.4, 4.4))
    names = np.array([_phoneme_name(i) for i in labels])
    rest = ~np.isin(names, chosen)
    ax.scatter(emb["y"][rest, 0], emb["y"][rest, 1], s=3, c="#d0d0d0", label="other / sil", rasterized=True)
    palette = [c for k, c in enumerate(plt.get_cmap("tab10").colors) if k != 7]   # tab10's 8th is grey
    for k, p in enumerate(chosen):
        m = names == p
        ax.scatter(emb["y"][m, 0], emb["y"][m, 1], s=5, color=palette[k % len(palette)], label=p, rasterized=True)
    extra = ""
    method = emb["method"]
    if emb.get("explained"):
        extra = f" (explained variance {100 * emb['explained'][0]:.1f}% + {100 * emb['explained'][1]:.1f}%)"
        ax.set_xlabel(f"PC 1 ({100 * emb['explained'][0]:.1f} % of variance)", fontsize=8)
        ax.set_ylabel(f"PC 2 ({100 * emb['explained'][1]:.1f} % of variance)", fontsize=8)
    else:
        short = "t-SNE" if method == "t-SNE" else method
        ax.set_xlabel(f"{short} 1 (no unit)", fontsize=8)
        ax.set_ylabel(f"{short} 2 (no unit)", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.tick_params(labelsize=8)
    ax.set_title(f"{method} of feature frames coloured by phoneme{extra}", fontsize=9)
    ax.legend(markerscale=3, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              title="phoneme", title_fontsize=8)
    fig.tight_layout()
    return fig


def embedding_rows(emb: dict, top: int = 8) -> list[dict]:
    """Frames per phoneme in the embedding and how well phonemes separate in it.

    ``5-NN agreement``: share of frames whose 5 nearest neighbours in the 2-D
    embedding mostly carry the same phoneme (leave-one-out; chance is about the
    phoneme's frequency).
    """
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.model_selection import cross_val_predict

    labels = emb["labels"]
    n_splits = 5 if len(labels) >= 50 else 2
    pred = cross_val_predict(KNeighborsClassifier(n_neighbors=5), emb["y"], labels, cv=n_splits)
    counts = Counter(labels.tolist())
    rows = []
    for ph, n in counts.most_common(top + 1):
        m = labels == ph
        rows.append({"phoneme": _phoneme_name(ph), "frames": int(n), "share %": round(100 * n / len(labels), 2),
                     "5-NN recall %": round(100 * float((pred[m] == ph).mean()), 2)})
    rows.append({"phoneme": "(all frames)", "frames": int(len(labels)), "share %": 100.0,
                 "5-NN recall %": round(100 * float((pred == labels).mean()), 2)})
    return rows
