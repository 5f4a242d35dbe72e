"""Chapter: conclusion (the answers to the research questions, with their numbers, and what they rest on)."""
from __future__ import annotations

KIND = "chapter"
TEXT = """
# Conclusion

The study set out to ask four questions, and the answers, on the data it ran on, are these.

[[if seeds_ds2]]
How well do established models transcribe silent EMG under one protocol? On the closed vocabulary, over
{seeds_gaddy.seeds:noun(seed)} each under one budget rule, the reproduction of the dataset authors' model
reaches a test WER of {seeds_gaddy.wer} {seeds_gaddy.wer:ci} on silent EMG with the language model and
DeepSpeech2 on hand-crafted features {seeds_ds2.wer} {seeds_ds2.wer:ci}, with standard deviations between seeds of
{seeds_gaddy.wer_sd} and {seeds_ds2.wer_sd}. The audio baselines, regenerated with the original code's defects fixed,
show what the same decoding does when the model hears the speech.
[[else]]
[[if ds2_closed]]
How well do established models transcribe silent EMG under one protocol? On the closed vocabulary the
reproduction of the dataset authors' model reaches a test WER of {gaddy_closed.wer} on silent EMG with the
language model and DeepSpeech2 on hand-crafted features {ds2_closed.wer}. The audio baselines, regenerated with
the original code's defects fixed, show what the same decoding does when the model hears the speech.
[[end]]
[[end]]

[[if seed_vs_gaddy]]
Is MyoStream more accurate? On the closed vocabulary, with the language model, its test WER over
{seeds_closed.seeds:noun(seed)} is {seeds_closed.wer} {seeds_closed.wer:ci}, and the comparison with the
reproduction, resampling both models' seeds and the shared test utterances, gives a difference of
{seed_vs_gaddy.difference} {seed_vs_gaddy.difference:ci} and the verdict
"{seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}", at
{params_ratio} times the reproduction's parameters.
[[if open_seed_vs_gaddy]]
On the open vocabulary, over {open_seeds_my.seeds:noun(seed)} of MyoStream and
{open_seeds_gaddy.seeds:noun(seed)} of the reproduction, the verdict is
"{open_seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}"
({open_seed_vs_gaddy.difference} {open_seed_vs_gaddy.difference:ci})
[[if open_seed_vs_ds2]]
; against DeepSpeech2 on the hand-crafted features it is
"{open_seed_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}"
({open_seed_vs_ds2.difference} {open_seed_vs_ds2.difference:ci})
[[end]]
, at error rates far from usable.
[[if open_lm_closes_ds2]]
Without the language model MyoStream's word error rate is the higher of the two there; the word LM is what
brings it level.
[[end]]
[[else]]
[[if open]]
On the open vocabulary the comparison still rests on one training run per model.
[[end]]
[[end]]
[[else]]
[[if vs_gaddy]]
Is MyoStream more accurate? On the closed vocabulary, with the language model, its test WER is {closed.wer}, and
the paired comparison with the reproduction on the same utterances gives a difference of
{vs_gaddy.difference} {vs_gaddy.difference:ci} and the verdict
"{vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}", at
{params_ratio} times the reproduction's parameters. The verdict rests on one training run per model.
[[end]]
[[end]]

[[if worse_names]]
Which components matter? Switching off {worse_names} raises the error significantly at the ablations' budget;
[[if streaming_better]]
switching off the streaming mask lowers it, which is the accuracy streaming costs.
[[else]]
the streaming mask costs no measurable accuracy at that budget.
[[end]]
[[end]]

[[if total]]
Is it fast enough? Streamed, it answers {total} after the end of an utterance on one CPU thread,
{total_target|met=within|missed=over} the {target} the study aimed for, with the accuracy cost of streaming
described in Chapter {ref.chapter_latency}.
[[if study_faster]]
{study_faster|lower=It is not, however, faster than the model it is compared with at this size: the small full-context reproduction answers sooner ({resp_study.gaddy} against {resp_study.myo} on {threads_resp:noun(CPU thread)})|higher=It also answers sooner than the reproduction at this size ({resp_study.myo} against {resp_study.gaddy} on {threads_resp:noun(CPU thread)})|equal=At this size it answers together with the reproduction}.
[[if paper_faster]]
At the paper sizes, with random weights, the order is
{paper_faster|lower=reversed: MyoStream's response latency is {resp_paper.ratio} times the reproduction's|higher=the same: the reproduction still answers sooner|equal=a tie}
[[if ratio_met]]
, {ratio_met|met=within|missed=short of} the target of at most {ratio_target}
[[end]]
.
[[end]]
[[end]]
[[end]]

The dissertation's other contribution is the study itself: a pipeline in which every number of this document is
computed from the study's tables and traced to them when the document is built, so that its numbers cannot
drift from the results as they change; the words around them are checked only where they name a verdict or a
label.
[[if synthetic]]
Its results are measured on synthetic EMG; the same pipeline will produce the real-data version of this document
when it is pointed at the real recordings, and that is the result the initiation document asked for.
[[end]]
"""


def values(ctx) -> dict:
    from semg_study.chapters.ablations import text as ablations
    from semg_study.chapters.dissertation import discussion
    from semg_study.chapters.latency import text as latency

    d = discussion.values(ctx)
    ns: dict = {k: d[k] for k in ("closed", "open", "gaddy_closed", "ds2_closed", "vs_gaddy", "params_ratio",
                                  "seeds_closed", "seeds_gaddy", "seeds_ds2", "seed_vs_gaddy", "open_seeds_my",
                                  "open_seeds_gaddy", "open_seed_vs_gaddy", "open_seeds_ds2", "open_seed_vs_ds2",
                                  "open_lm_closes_ds2")
                     if k in d}
    ab = ablations.values(ctx)
    for k in ("worse_names", "streaming_better"):
        if k in ab:
            ns[k] = ab[k]
    lat = latency.values(ctx)
    if "stream07" in lat:
        ns["total"] = lat["stream07"]["total_ms"]
        ns["total_target"] = lat["total_target"]
        ns["target"] = lat["target_total"]
    for key in ("study_faster", "resp_study", "threads_resp", "paper_faster", "resp_paper", "ratio_met", "ratio_target"):
        if key in lat:
            ns[key] = lat[key]
    return ns
