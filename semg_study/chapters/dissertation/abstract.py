"""The abstract: at most 300 words of prose (the question, the method, a few key numbers, the main limitation)."""
from __future__ import annotations

KIND = "front"
TEXT = """
# Abstract

A silent speech interface turns the activity of the articulatory muscles into text, so that speech technology
can be used without a sound: privately, and by people who cannot voice speech. This dissertation asks whether a small streaming Transformer can transcribe silent speech from
facial surface EMG more accurately than the dataset authors' own model, while answering soon enough for live
use. It proposes MyoStream, a causal Conformer with an electrode-aware
front end, per-session adaptation and chunked attention, and compares it with two reimplemented EMG baselines
under one protocol.
[[if seeds]]
On the closed-vocabulary test set
[[if synthetic]]
of a synthetic corpus
[[end]]
(silent EMG, with a word language model), over {seeds.seeds:noun(seed)} per model under one budget rule,
MyoStream's word error rate is {seeds.wer} against the reproduction's {seeds_gaddy.wer}: a difference of
{seed_vs.difference} {seed_vs.difference:ci} over seeds and utterances, verdict
"{seed_vs.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters.
[[else]]
[[if closed]]
On the closed-vocabulary test set
[[if synthetic]]
of a synthetic corpus
[[end]]
(silent EMG, with a word language model) MyoStream reaches a word error rate of {closed.wer}, against the
reproduction's {gaddy.wer}: a difference of {vs.difference} {vs.difference:ci}, verdict
"{vs.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters.
[[end]]
[[end]]
[[if size_lead_partial]]
Compared at equal parameters across model sizes, that lead is established at only {size_counts.better} of the
{size_counts.compared:noun(size)} compared.
[[end]]
[[if open_seeds]]
On the open vocabulary ({open_seeds.seeds:noun(seed)}), in word error rate, it is
{open_vs.verdict|better=more accurate than|worse=less accurate than|no significant difference=indistinguishable from}
the reproduction
[[if open_vs_ds2]]
and {open_vs_ds2.verdict|better=more accurate than|worse=less accurate than|no significant difference=indistinguishable from}
DeepSpeech2 on hand-crafted features
[[end]]
.
[[else]]
[[if open]]
On the open vocabulary, from a single run so far, it reaches {open.wer}.
[[end]]
[[end]]
[[if b_worse_names]]
Ablations over {b_seeds:noun(seed)} each show that {b_worse_names} each lower its error
[[if b_streaming_better]]
, while attention restricted to chunks raises it
[[end]]
.
[[end]]
[[if resp_study]]
Streamed chunk by chunk on two CPU threads and decoded greedily, its final transcript arrives {resp_study.myo} after an utterance
ends,
{study_faster|lower=later than the small reproduction's {resp_study.gaddy}|higher=sooner than the reproduction's {resp_study.gaddy}|equal=as soon as the reproduction's}
[[if sweep_study]]
, and streaming costs {sweep_study.cost} relative WER against full-context attention
[[end]]
.
[[else]]
[[if total]]
Streamed chunk by chunk, it answers {total} after an utterance ends on one CPU thread
[[if sweep_study]]
, at a relative WER cost of {sweep_study.cost} against full-context attention
[[end]]
.
[[end]]
[[end]]
[[if synthetic]]
The main limitation is the data: every result comes from a synthetic corpus, as the real recordings were not
available, so the results test the method, not real silent speech; no participant has been recorded yet.
[[if not seeds]]
Each headline model was trained once.
[[end]]
[[else]]
[[if open_pending]]
The main limitation is that the open vocabulary still rests on fewer seeds than planned.
[[end]]
[[if not seeds]]
The main limitation is that each headline model was trained once.
[[end]]
[[end]]
"""


def values(ctx) -> dict:
    from semg_study.chapters.latency import text as latency
    from semg_study.chapters.myostream import text as myostream

    r = ctx.r
    ms = myostream.values(ctx)
    ns: dict = {}
    if "closed" in ms and "vs_gaddy_closed" in ms:
        ns["closed"] = ms["closed"]
        ns["vs"] = ms["vs_gaddy_closed"]
        ns["params_ratio"] = ms.get("params_ratio")
        gaddy = r.score("gaddy2022", "closed", "beam")
        ns["gaddy"] = {"wer": gaddy.wer} if gaddy else None
    if "seeds_closed" in ms and "seeds_gaddy" in ms and "seed_vs_gaddy" in ms:
        ns["seeds"] = ms["seeds_closed"]
        ns["seeds_gaddy"] = ms["seeds_gaddy"]
        ns["seed_vs"] = ms["seed_vs_gaddy"]
        ns["params_ratio"] = ms.get("params_ratio")
    if "open" in ms:
        ns["open"] = ms["open"]
    if "open_seeds_my" in ms and "open_seed_vs_gaddy" in ms:
        ns["open_seeds"] = ms["open_seeds_my"]
        ns["open_seeds_gaddy"] = ms["open_seeds_gaddy"]
        ns["open_vs"] = ms["open_seed_vs_gaddy"]
        if "open_seed_vs_ds2" in ms:
            ns["open_vs_ds2"] = ms["open_seed_vs_ds2"]
    ns["open_pending"] = bool(ms.get("open_missing"))
    if ms.get("size_counts"):
        for key in ("size_counts", "size_any_worse", "size_any_none", "size_lead_partial"):
            ns[key] = ms[key]
    lat = latency.values(ctx)
    if "stream07" in lat:
        ns["total"] = lat["stream07"]["total_ms"]
    if "resp_study" in lat and "study_faster" in lat:
        ns["resp_study"], ns["study_faster"] = lat["resp_study"], lat["study_faster"]
    if "sweep_study" in lat:
        ns["sweep_study"] = lat["sweep_study"]
    from semg_study.chapters.ablations import text as ablations

    ab = ablations.values(ctx)
    if ab.get("b_worse_names"):
        ns["b_worse_names"] = ab["b_worse_names"]
        ns["b_seeds"] = ab["budget_seeds"]
        ns["b_streaming_better"] = ab["b_streaming_better"]
    return ns
