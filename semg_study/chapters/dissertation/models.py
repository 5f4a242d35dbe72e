"""Chapter: the three model families (DeepSpeech2, the reproduction, MyoStream), MyoStream's architecture
figure drawn from its run's configuration, and the hyperparameters of the runs the results come from."""
from __future__ import annotations

import math

from semg_study.report.thesis.common import TABLE_NAMES
from semg_study.report.thesis.values import Q, Source, code, derived

KIND = "chapter"

TEXT = """
# Models

Three families of models are compared, all trained with CTC over the same symbols (Chapter
{ref.chapter_ctc}). They differ in what they read and in whether they can answer before an utterance
ends.

## DeepSpeech2

DeepSpeech2 ({cite.amodei2015}) was the original dissertation's first model, in the form of a public
tutorial: a two-dimensional convolution over the input's time and feature axes, residual convolution
blocks with layer normalisation, a linear projection and a stack of bidirectional GRU layers, then a
classifier. Appendix {ref.chapter_appendix_deepspeech2} prints the original configuration as the study's
code builds it. It reads either log-mel spectrograms of audio (the audio baselines of Chapter
{ref.chapter_audio_baselines}) or the hand-crafted EMG features of Chapter {ref.chapter_features}. Its
recurrent layers read the whole utterance in both directions, so it cannot answer before the utterance
ends.

## The reproduction of the dataset authors' model

The second baseline reimplements the direct EMG-to-text model of {citen.gaddy2022} from the published
description: three residual convolution blocks over the raw EMG stream, each halving the time
resolution, then a Transformer encoder whose attention adds learned relative-position embeddings, and a
CTC classifier. During training the raw EMG is shifted by a random number of samples and cut into chunks
of fixed length; at evaluation it reads whole utterances. Its attention is bidirectional over the whole
utterance, so like DeepSpeech2 it needs the end of an utterance before it can answer.

## MyoStream

MyoStream is the model this study proposes. It is a Conformer ({cite.gulati2020}) over the raw EMG,
built so that it can decode a live stream chunk by chunk and produce exactly the output of a pass over the
whole utterance.
[[if chunk]]
{ref.architecture} shows it as configured for the study's closed-vocabulary run.
[[end]]

[[architecture]]

Its design answers four observations about facial EMG.

- The electrodes are not interchangeable: each sits over different muscles. The front end therefore
  processes each electrode separately (depthwise filters per site) and adds a learned embedding of the
  site before the channels are mixed. In the study's configuration the front end learns a filterbank per
  electrode and computes the log power of each filter's output over short windows, the envelope that
  hand-crafted EMG features compute by design.
- Electrode placement changes from one session to the next. A learned linear map of the channels per
  training session, initialised to the identity, absorbs that change; an utterance from an unseen
  session uses a shared default row.
- Live use needs an answer soon after the user stops. Every convolution is causal, and attention is
  restricted to chunks: a frame sees its own chunk, a fixed number of chunks before it and, in the first
  layer only, a few frames after it, so that the look-ahead does not grow with depth.
- CTC alone learns slowly from little data. An auxiliary classifier predicts the phoneme of every frame
  from the middle of the encoder, with targets from forced alignments of the voiced audio (silent
  recordings borrow those of their voiced twin); signal augmentation (random shifts and gains) adds
  variety during training.

The algorithmic latency of the streaming model, the time between the last sample of an utterance and the
moment its final frame can be computed, is the chunk plus the look-ahead at the output frame rate:

[[latency_equation]]

[[if chunk]]
With chunks of {chunk:noun(frame)}, a look-ahead of {lookahead:noun(frame)} and an output frame rate of
{frame_rate} (the raw rate {raw_rate} decimated by {decimation}), the study's configuration has an
algorithmic latency of {algorithmic}; the compute time per chunk adds to it (Chapter {ref.chapter_latency}).
[[end]]

## Sizes

The study trains every model at a small size that fits its compute budget
[[if cpus]]
({cpus:noun(CPU core)}, no GPU)
[[end]]
; the paper sizes of the configurations are far larger. {ref.sizes} lists both, counted from the code.

[[sizes]]

[[if session_params]]
MyoStream's parameter count depends on the data it is trained on: its session adaptation has one
channel map per training session and one more for sessions it has not seen, so the open-vocabulary run, with
{open_sessions:noun(channel map)}, has {session_params} more parameters than the closed-vocabulary run, with
{closed_sessions:noun(channel map)}.
[[end]]

## Hyperparameters

{ref.hyper} gives the architecture of each model as its closed-vocabulary run was trained, read
from the run's manifest; Appendix {ref.chapter_appendix_hyperparameters} lists every training and decoding
setting of the same runs.

[[hyper]]
"""

# the model arguments the chapter's table shows per family (the appendix lists all)
HYPER_KEYS = {
    "ds2audio": ("n_feats", "cnn_channels", "n_cnn_layers", "rnn_dim", "n_rnn_layers", "dropout"),
    "ds2emg": ("n_feats", "cnn_channels", "n_cnn_layers", "rnn_dim", "n_rnn_layers", "dropout"),
    "gaddy2022": ("d_model", "n_layers", "n_heads", "d_ff", "dropout", "max_distance", "max_shift"),
    "myostream": ("d_model", "n_layers", "n_heads", "ff_mult", "conv_kernel", "per_channel", "strides", "chunk",
                  "left_chunks", "lookahead", "n_sessions"),
}
FAMILIES = ("ds2audio", "ds2emg", "gaddy2022", "myostream")


def headline_runs(r, vocabulary: str = "closed") -> dict[str, str]:
    """The run of each model family whose results the chapters report for ``vocabulary``."""
    out = {}
    for model in FAMILIES:
        mode = "voiced audio" if model == "ds2audio" else "silent"
        s = r.score(model, vocabulary, "beam", mode=mode)
        if s and s.run in r.runs:
            out[model] = s.run
    return out


def values(ctx) -> dict:
    r = ctx.r
    runs = headline_runs(r)
    ns: dict = {}
    ms = r.runs.get(runs.get("myostream", ""))
    if ms:
        from semg_study.recipes.config import model_defaults

        m = ms.manifest
        kw = {**model_defaults("myostream"), **ms.kwargs}
        # a key the run's manifest lacks is the constructor's default (read again from the code)
        src = lambda key: Source(m, ("model_kwargs", key)) if key in ms.kwargs else _default_source(key)  # noqa: E731
        ns["chunk"] = Q(kw["chunk"], "int", src("chunk"))
        ns["lookahead"] = Q(kw["lookahead"], "int", src("lookahead"))
        ns["raw_rate"] = Q(kw["raw_rate"], "hz", src("raw_rate"))
        ns["decimation"] = Q(math.prod(kw["strides"]), "int", derived("prod_of", src("strides")))
        ns["frame_rate"] = Q(kw["raw_rate"] / math.prod(kw["strides"]), "hz",
                             derived("ratio", src("raw_rate"), derived("prod_of", src("strides"))))
        lat = r.latency_row("myostream", "closed", True, ms.name)
        if lat and lat.algorithmic_ms is not None:
            ns["algorithmic"] = lat.algorithmic_ms
        else:
            ns["algorithmic"] = Q(1000 * (kw["chunk"] + kw["lookahead"]) * math.prod(kw["strides"]) / kw["raw_rate"],
                                  "ms", derived("latency_ms", src("chunk"), src("lookahead"), src("strides"),
                                                src("raw_rate")))
    machine = (r.study_run or {}).get("machine") if isinstance(r.study_run, dict) else None
    if isinstance(machine, dict) and machine.get("cpu_count"):
        ns["cpus"] = Q(machine["cpu_count"], "int", Source("study_run.json", ("machine", "cpu_count")))
    open_run = r.runs.get(headline_runs(r, "open").get("myostream", ""))
    if ms and open_run and ms.sessions and open_run.sessions and open_run.sessions.value != ms.sessions.value:
        ns["session_params"] = r.q(open_run.parameters.value - ms.parameters.value, "count",
                                   derived("difference", open_run.parameters.source, ms.parameters.source))
        ns["open_sessions"], ns["closed_sessions"] = open_run.sessions, ms.sessions
    return ns


def _default_source(key: str) -> Source:
    return Source("call:semg_study.chapters.dissertation.models", ("myostream_default", key))


def myostream_default(key: str):
    from semg_study.recipes.config import model_defaults

    value = model_defaults("myostream")[key]
    return list(value) if isinstance(value, tuple) else value


def _latency_ms(chunk, lookahead, strides, raw_rate):
    return 1000 * (chunk + lookahead) * math.prod(strides) / raw_rate


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["prod_of"] = lambda seq: math.prod(seq)
DERIVED["latency_ms"] = _latency_ms


def blocks(ctx, ns) -> dict:
    r = ctx.r
    runs = headline_runs(r)

    def architecture():
        ms = r.runs.get(runs.get("myostream", ""))
        if not ms:
            return []
        from semg_study.recipes.config import model_defaults
        from semg_study.report.thesis.figures import myostream_architecture
        from semg_study.text import PHONEME_SYMBOLS, VOCAB

        kw = {**model_defaults("myostream"), **ms.kwargs}
        png, pdf = myostream_architecture(kw, ctx.out, n_class=len(VOCAB.symbols), n_phonemes=len(PHONEME_SYMBOLS))
        run = Q(ms.name, "text", Source("structure", (ms.name,)))
        caption = ("MyoStream as trained in the closed-vocabulary run {run} (silent and voiced EMG training "
                   "data): every size in the drawing is read from the run's manifest and the model's defaults.")
        return [ctx.figure("architecture", caption, {**ns, "run": run}, png, pdf, width=0.95)]

    def latency_equation():
        return [ctx.equation("eq_latency", 'L_"alg" = (c + a) / f_"out"',
                             r"L_{\mathrm{alg}} = \frac{c + a}{f_{\mathrm{out}}}")]

    def sizes():
        resp = r.response or {}
        paper = {m.get("family"): (i, m) for i, m in enumerate(resp.get("models", [])) if m.get("size") == "paper"}
        rows = []
        for model in ("ds2emg", "gaddy2022", "myostream"):
            run = r.runs.get(runs.get(model, ""))
            study = run.parameters if run else None
            p = paper.get(model)
            paper_q = (Q(p[1]["parameters"], "count", Source(r.response_file, ("models", p[0], "parameters")))
                       if p else None)
            config = Q(p[1]["config"], "text", Source(r.response_file, ("models", p[0], "config"))) if p else ""
            rows.append([TABLE_NAMES[model], run.config if run else "", study, config, paper_q])
        caption = ("Parameters of each EMG model: the study's closed-vocabulary run (from its manifest) and the "
                   "paper-size configuration (built from the code by the response-latency benchmark, with random "
                   "weights).")
        return [ctx.table("sizes", caption, ns, ["model", "study config", "parameters", "paper config",
                                                 "parameters (paper size)"], rows)]

    def hyper():
        keys = []
        for model in FAMILIES:
            for k in HYPER_KEYS[model]:
                if k not in keys:
                    keys.append(k)
        present = [m for m in FAMILIES if m in runs]
        rows = []
        for k in keys:
            row = [k.replace("_", " ")]
            for model in present:
                run = r.runs[runs[model]]
                if k in run.kwargs and k in HYPER_KEYS[model]:
                    v = run.kwargs[k]
                    kind = "int" if isinstance(v, int) and not isinstance(v, bool) else "hyper" if isinstance(v, float) else "text"
                    row.append(Q(v if kind != "text" else v, kind, Source(run.manifest, ("model_kwargs", k))))
                else:
                    row.append("")
            rows.append(row)
        rows.append(["parameters"] + [r.runs[runs[m]].parameters for m in present])
        caption = ("Architecture of each model's closed-vocabulary run, from the run's manifest (model section of "
                   "the resolved configuration; empty: not an argument of that model).")
        return [ctx.table("hyper", caption, ns, ["argument"] + [TABLE_NAMES[m] for m in present], rows)]

    return {"architecture": architecture, "latency_equation": latency_equation, "sizes": sizes, "hyper": hyper}
