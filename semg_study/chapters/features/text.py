"""Chapter: preprocessing and features (the hand-crafted EMG features, the raw stream, the log-mels), and how
much phonetic structure the hand-crafted features carry before any training."""
from __future__ import annotations

from semg_study.report.thesis.values import Q, Word, code, derived

CHAPTER_NAME = "features"  # the chapter's name in labels ({ref.chapter_features})
KIND = "chapter"
TEXT = """
# Preprocessing and Features

The original dissertation named two ways of giving EMG to a model: the features of the dataset authors'
paper, computed by hand, or features learned end to end by convolutions over the raw signal. This study
uses both, with one preprocessing for both.

## Preprocessing

[[if rate]]
The recordings arrive at {rate} per channel. Each utterance is filtered together with its neighbours in
the session, which are then cropped off again, so that the filters start and end in the signal's steady
state. Notch filters (quality factor {notch_q}) remove the mains frequency of {mains} and its harmonics up
to {top_notch} ({notches:noun(notch)}), and a high-pass filter of order {hp_order} at {hp} removes the
drift, both applied forwards and backwards so that they do not shift the signal in time. The filtered
signal is resampled by linear interpolation to two streams: a feature stream at {feature_rate} for the
hand-crafted features and a raw stream at {raw_rate} for the models that learn their own features. Both
are locked to the audio's frame rate of {frame_rate}, so that EMG frames and audio frames line up.
[[end]]

## Hand-crafted features

The hand-crafted features follow {citen.jou2006} as the dataset authors compute them. For each channel the
signal is split into a low band (two passes of a moving average) and the rest; over frames of
{frame_length:noun(sample)} with a hop of {hop:noun(sample)} of the feature stream, each frame gets the
mean and the RMS of the low band, the RMS, mean and zero-crossing rate of the high band's rectified and
raw forms, and the magnitudes of a short Fourier transform ({fft_bins:noun(bin)}). That is
{per_channel:noun(feature)} per channel and {per_frame} per frame for all channels. They are normalised per
feature on the training data and softly clipped. DeepSpeech2 on EMG reads them.

## The raw stream

MyoStream and the reproduction read the raw stream instead, scaled and softly clipped, and learn their own
front ends (Chapter {ref.chapter_models}).
[[if learned_fig]]
{ref.02_learned_first_layer} shows what MyoStream's first layer makes of an utterance after training.
[[end]]

[[if knn]]
## How much the hand-crafted features say about phonemes

Before any model is trained, one can ask whether the hand-crafted features separate phonemes at all.
Frames of voiced utterances, labelled with the phoneme of their forced alignment, are standardised and
embedded in two dimensions; a frame's five nearest neighbours in that map recover its phoneme for
{knn} of {knn_frames:noun(frame)}. A neighbour drawn at random would have the right phoneme with
probability equal to the sum of the squared phoneme shares, at least {chance} from the phonemes listed. The
recall is
{knn_verdict|above=well above chance|near=close to chance}
[[if knn_sil]]
, but much of it is silence: the {knn_sil.frames:noun(silence frame)} ({knn_sil.share} of the sample) are
recovered {knn_sil.recall} of the time, the other {knn_speech_frames:noun(frame)} only {knn_speech_recall}, against
at least {knn_speech_chance} by chance among them. Beyond telling speech from silence, the features carry
{speech_verdict|above=some phonetic structure before any training, though little|near=little phonetic structure that this map can show}
[[else]]
{knn_verdict|above=: the features carry phonetic structure before any training|near=: little phonetic structure is visible before training}
[[end]]
.
The neighbours are taken in a two-dimensional map, which keeps only part of the structure of the full
feature space; the recall in the full space was not measured, so the map says that phonetic structure is
present, not how much of it a model can use.
[[end]]

[[figures]]
"""


def values(ctx) -> dict:
    r = ctx.r
    f = r.facts
    ns: dict = {}
    if "fc.source_rate" in f:
        ns.update({"rate": f["fc.source_rate"], "notch_q": f.get("fc.notch_q"), "mains": f.get("fc.mains_hz"),
                   "top_notch": f.get("fc.top_notch"), "notches": f.get("fc.notches"),
                   "hp_order": f.get("fc.highpass_order"), "hp": f.get("fc.highpass_hz"),
                   "feature_rate": f.get("fc.feature_rate"), "raw_rate": f.get("fc.raw_rate"),
                   "frame_rate": f.get("fc.frame_rate")})
    mod = "semg_study.features.emg_features"
    import importlib

    ef = importlib.import_module(mod)

    ns.update({"frame_length": Q(ef.FRAME_LENGTH, "int", code(mod, "FRAME_LENGTH")),
               "hop": Q(ef.HOP_LENGTH, "int", code(mod, "HOP_LENGTH")),
               "fft_bins": Q(ef.N_FFT_BINS, "int", code(mod, "N_FFT_BINS")),
               "per_channel": Q(ef.FEATURES_PER_CHANNEL, "int", code(mod, "FEATURES_PER_CHANNEL"))})
    n = f.get("fc.n_channels") or Q(8, "int", code("semg_study.report.literature", "DATASET", "channels"))
    ns["per_frame"] = r.q(ef.FEATURES_PER_CHANNEL * n.value, "int",
                          derived("product", code(mod, "FEATURES_PER_CHANNEL"), n.source))
    from semg_study.report.thesis.build import captions

    ns["learned_fig"] = "02_learned_first_layer" in captions(r.root) and (
        r.root / "figures" / "02_learned_first_layer.png").is_file()
    if "knn_recall" in f and "knn_chance" in f:
        ns.update({"knn": f["knn_recall"], "knn_frames": f.get("knn_frames"), "chance": f["knn_chance"],
                   "knn_verdict": Word("above" if f["knn_recall"].value > 2 * f["knn_chance"].value else "near",
                                       derived("above_twice", f["knn_recall"].source, f["knn_chance"].source))})
    if "knn_sil" in f:
        speech, chance = f["knn_speech_recall"], f["knn_speech_chance"]
        ns.update({"knn_sil": f["knn_sil"], "knn_speech_frames": f["knn_speech_frames"], "knn_speech_recall": speech,
                   "knn_speech_chance": chance,
                   "speech_verdict": Word("above" if speech.value > 2 * chance.value else "near",
                                          derived("above_twice", speech.source, chance.source))})
    return ns


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["above_twice"] = lambda a, b: "above" if a > 2 * b else "near"


def blocks(ctx, ns) -> dict:
    def figures():
        out = []
        for name in ("02_feature_image", "02_embedding_tsne"):
            out += ctx.notebook_figure(name, width=0.85)
        return out + ctx.notebook_figure("02_learned_first_layer", width=0.85)
    return {"figures": figures}
