"""Chapter: participants and acquisition (the OpenBCI board, the protocol, consent), what the capture
notebook did, live decoding, and the calibration chapter for new participants that awaits its table."""
from __future__ import annotations

from semg_study.report.thesis.common import phrase
from semg_study.report.thesis.values import DERIVED, Q, Source, Word, code, derived

CHAPTER_NAME = "participants"  # the chapter's name in labels ({ref.chapter_participants})
KIND = "chapter"
REFERENCE_CLIP = "(reference clip)"  # the text of a reference clip's row in 08_replay_check (capture.workflow)
TEXT = """
# Participants and Acquisition

The initiation document's second objective was to record EMG with an OpenBCI board, from the author and
then from other participants, so that models become robust to different speakers. This chapter describes
the acquisition path the study built, what was recorded with it, and what is still missing.

## Hardware

The dataset was recorded with an OpenBCI Cyton board streaming over its WiFi shield at {rate}, the rate the
models are trained for. Capture goes through brainflow, which speaks to every OpenBCI board; for a Cyton on
WiFi it sends the board the command that sets {rate} before streaming. Over the USB dongle a Cyton streams at
a quarter of that rate, which cannot carry the EMG band the models use: such recordings are kept at the rate
they were made, never interpolated up, and a model that needs {rate} refuses them with a message naming the
board setting that would work. The electrodes follow the dataset's montage ({reference}):

[[montage]]

## Protocol

A session shows the participant one prompt at a time (dates and times of the closed vocabulary, or sentences)
and records each utterance, silently or aloud, between a start and a stop. Every utterance is written in the
dataset's layout (EMG, audio, information file), so that the study reads a new session exactly as it reads
the public dataset, and each session records the participant's code. Codes are pseudonymous: {ethics_rule}.
The raw board data of each session are kept too, and replaying them through brainflow's playback board
checks the recording end to end.

## Consent

Each participant's consent is kept in a register beside the data: for each code, whether the participant
agreed to the release of their recordings and, separately, of models trained on them, with the date of the
signed form. The release commands read the register (Chapter {ref.chapter_release}): a session of a
participant who did not consent is left out of a data release, and a model trained on any recording of such a
participant is refused. In the project's ethics application (Appendix {ref.chapter_appendix_ethics}) the
author declared a study with human participants and prolonged, repetitive testing, and no personally
identifiable information collected without explicit consent; the supervisor signed the supervisor review,
and the faculty ethics committee's section of the form is blank in the copy of the form in the original
dissertation. Recording anyone therefore waits for that review.

## What was recorded in this version

[[if capture]]
No person was recorded for this version of the study. The capture notebook ran the whole path on
brainflow's {board} board, which produces a synthetic signal at {board_rate}: it recorded
{prompted:noun(prompted utterance)} and
{references|1=a reference clip of a relaxed face|*={references:noun(reference clip)}} into the dataset's
layout and replayed all {captured:noun(recording)} through the playback board, which gave back the same
number of samples for
{same_all|yes=every one of them|no={same} of the {captured:noun(recording)}}, with a largest
difference of {max_diff} microvolts between recording and replay.
[[end]]

[[if live]]
It then replayed {live_n:noun(held-out test utterance)} of the closed vocabulary (silent EMG) through the
playback board and decoded them live, chunk by chunk, with the released MyoStream run {live_run} and greedy
decoding. Their word errors add up to {live_errors} of {live_words} reference words. The compute of
one chunk during this live decoding, which includes the causal preprocessing and the replay, reached
{live_chunk_max} at its slowest (the {p95} percentile per utterance), more than the model's own chunk compute
in the latency measurements of Chapter {ref.chapter_latency}, and still below the chunk duration.
[[live_table]]
[[end]]

[[capture_figures]]

## Calibration for new participants

[[if calibration]]
The released closed-vocabulary MyoStream was trained on one simulated speaker, whose sessions differ only in
where the electrodes sat. The question here is what it does for someone else, and how many minutes of that
person's recordings it needs. The generator drew {calibration.participants:words} new participants, each with their
own face size and tissue depth (which set how strongly each electrode picks up each muscle), articulation
(timing, undershoot, effort), amplitude, noise and voice, each recorded over two sessions; every participant
reads the same {calibration.sentences} test sentences, which no step below ever chooses anything on. From the released
run, each participant's calibration utterances (in one fixed order, so that a longer budget extends a shorter
one) adapt either the session adapter alone or every weight at a tenth of the learning rate, with early
stopping on the participant's own dev sentences; the baseline trains the same architecture
from scratch on the same minutes under the study's budget rule. Every system is scored with the beam search
and the released model's language model, whose weights were chosen on the study corpus's dev split. Rates
are pooled over the participants, and the intervals come from a bootstrap that resamples both participants
and sentences.

Unchanged, the released model reaches a test word error rate of {calibration.zero:full} on the new participants,
against {calibration.own} on its own corpus's test split. With {calibration.target_minutes} of
calibration per participant, adapting every weight brings it to {calibration.all_target:full}, and adapting the
session adapter alone to {calibration.adapter_target:full}; with {calibration.max_minutes}, to {calibration.all_max:full} and
{calibration.adapter_max:full}. The same architecture trained from scratch on {calibration.scratch_minutes} reaches
{calibration.scratch:full}. The first target asked for at most {calibration.ratio} times the released model's own test
rate, that is {calibration.threshold}, after {calibration.target_minutes}: full fine-tuning
{calibration.all_met|met=meets it|missed=misses it}
{calibration.all_sure|inside=on its point estimate only, as its interval includes the threshold|outside=with its whole interval}, and
the adapter alone {calibration.adapter_met|met=meets it|missed=misses it}
{calibration.adapter_sure|inside=on its point estimate only, as its interval includes the threshold|outside=with its whole interval}. The second asked the adaptation with {calibration.target_minutes}
to beat training from scratch on {calibration.scratch_minutes}: full fine-tuning differs from it by
{calibration.all_vs_scratch:full}, {calibration.all_vs_scratch_v|better=a significant improvement|worse=a significant
deterioration|no significant difference=no significant difference}.

What this means: {calibration.all_vs_scratch_v|better=on these participants, a few minutes of a new person's
speech are worth more to the released model than the longer budget is to the same architecture trained from
nothing, so the study corpus is not wasted on a new user; the first target then says how close the adapted
model comes to the released model's own accuracy|worse=on these participants, training from nothing on
more minutes beats adapting the released model, so the study corpus does not help a new user|no significant
difference=on these participants, adapting the released model and training from nothing on more minutes
cannot be told apart}. What limits it: the participants are
synthetic, drawn from the same generator as the study corpus, so the transfer to real people is untested;
there are only {calibration.participants:words} of them, which is why the intervals are wide; each adaptation is one
seed and one calibration order; and the language model is the study corpus's, whose sentences the new
participants share.
[[calibration_block]]
[[else]]
A model trained on one speaker does not transfer to another without calibration: electrode placement,
anatomy and articulation all differ. The study can fine-tune a trained run on a new participant's
recordings (the whole model, or only its session adapter); the measurement of how many minutes of
calibration a new participant needs is not in the results this document was built from.
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    from semg_study.data.participants import ETHICS_RULE  # noqa: F401  (the rule the text quotes)

    ns: dict = {"rate": Q(r.facts["fc.source_rate"].value if "fc.source_rate" in r.facts else 1000.0, "hz",
                          r.facts["fc.source_rate"].source if "fc.source_rate" in r.facts else code(
                              "semg_study.report.literature", "DATASET", "rate_hz")),
                "reference": Q(_reference(), "text", code("semg_study.capture.boards", "ELECTRODE_REFERENCE")),
                "ethics_rule": Q(_ethics(), "text", code("semg_study.data.participants", "ETHICS_RULE"))}
    replay = r.tables.get("08_replay_check")
    if replay and replay.get("rows"):
        rows = replay["rows"]
        src = lambda i, c: Source("tables/08_replay_check.json", ("rows", i, "values", c))  # noqa: E731
        ns["capture"] = True
        ns["board"] = Q(replay["config"].get("board"), "text", Source("tables/08_replay_check.json", ("config", "board")))
        ns["captured"] = r.q(len(rows), "int", derived("count", *[src(i, "utterance") for i in range(len(rows))]))
        # the capture notebook writes a session's reference clip (a relaxed face, no prompt) with this text
        clip = [i for i, x in enumerate(rows) if x["values"].get("text") == REFERENCE_CLIP]
        ns["prompted"] = r.q(len(rows) - len(clip), "int", derived(
            "count", *[src(i, "text") for i in range(len(rows)) if i not in clip]))
        ns["references"] = r.q(len(clip), "int", derived("count", *[src(i, "text") for i in clip]))
        same = sum(1 for x in rows if x["values"].get("recorded_samples") == x["values"].get("replayed_samples"))
        ns["same"] = r.q(same, "int", derived("count_equal", *[s for i in range(len(rows)) for s in (
            src(i, "recorded_samples"), src(i, "replayed_samples"))]))
        ns["same_all"] = Word("yes" if same == len(rows) else "no", derived("all_equal", *[s for i in range(len(rows))
                                                                             for s in (src(i, "recorded_samples"),
                                                                                       src(i, "replayed_samples"))]))
        diffs = [src(i, "max_abs_difference_uv") for i in range(len(rows))]
        ns["max_diff"] = r.q(max(x["values"]["max_abs_difference_uv"] for x in rows), "real", derived("max", *diffs))
        ns["board_rate"] = _board_rate(r)
    if r.live:
        ns["live"] = True
        ns["live_n"] = r.q(len(r.live), "int", derived("count", *[q.wer.source for q in r.live]))
        ns["live_run"] = Q(r.live_run, "text", Source("structure", (r.live_run,)))
        we = [u.word_errors for u in r.live]
        rw = [u.reference_words for u in r.live]
        ns["live_errors"] = r.q(sum(q.value for q in we), "count", derived("sum", *[q.source for q in we]))
        ns["live_words"] = r.q(sum(q.value for q in rw), "count", derived("sum", *[q.source for q in rw]))
        cp = [u.chunk_p95_ms for u in r.live]
        ns["live_chunk_max"] = r.q(max(q.value for q in cp), "ms", derived("max", *[q.source for q in cp]))
        cols = r.tables["08_live_decoding"]["columns"]
        if "chunk compute p95 ms" in cols:
            from semg_study.chapters.latency.text import _ordinal

            ns["p95"] = Q(_ordinal("chunk compute p95 ms"), "text", derived("ordinal_of_column", Source(
                "tables/08_live_decoding.json", ("columns", cols.index("chunk compute p95 ms")))))
    ns["calibration"] = _calibration(r)
    return ns


def _calibration(r) -> dict | None:
    """The values the calibration section prints, from tables 08_calibration and 08_calibration_targets
    (rows chosen by the method and minutes they hold, never by a column's label)."""
    from semg_study.report.thesis.records import _Table
    from semg_study.report.thesis.values import Rate, Word

    if not (r.pending.get("08_calibration") and r.tables.get("08_calibration_targets")):
        return None
    meta = {"split": "test", "mode": "silent", "decoder": "beam", "vocabulary": "closed", "metric": "wer"}
    t = _Table(r, "08_calibration", ("method", "calibration (min)", "WER %", "WER % CI low", "WER % CI high",
                                     "participants"))
    goals = _Table(r, "08_calibration_targets", ("method", "test", "measured", "measured CI low",
                                                 "measured CI high", "threshold", "met", "verdict"))
    rows, targets = t.rows, goals.rows

    def row(method, minutes):
        return next(i for i, x in enumerate(rows) if x["method key"] == method
                    and float(x["calibration (min)"]) == float(minutes))

    def rate(method, minutes):
        return t.rate(row(method, minutes), "WER %", "pct", None, meta)

    def target(method, test):
        return next(i for i, x in enumerate(targets) if x["method key"] == method and x["test"] == test)

    minutes = sorted({float(x["calibration (min)"]) for x in rows if float(x["calibration (min)"]) > 0})
    try:
        return _calibration_values(r, t, goals, rows, targets, minutes, row, rate, target, meta)
    except StopIteration:  # a plan without the methods the text discusses (the smoke profile's)
        return None


def _calibration_values(r, t, goals, rows, targets, minutes, row, rate, target, meta) -> dict:
    from semg_study.report.thesis.values import Rate, Word

    tsrc = lambda i, c: Source("tables/08_calibration_targets.json", ("rows", i, "values", c))  # noqa: E731
    a_thr, d_thr = target("adapter", "WER threshold"), target("all", "WER threshold")
    vs = target("all", "against scratch")
    zero = row("zero-shot", 0)
    def certainty(measured, threshold):
        # whether the target's verdict holds for the whole interval or only for the point estimate
        low, high, thr = measured.low.canonical(), measured.high.canonical(), threshold.canonical()
        state = "inside" if low.value <= thr.value <= high.value else "outside"
        return Word(state, derived("inside", low.source, high.source, thr.source))

    threshold = goals.cell(d_thr, "threshold", "pct", None, meta)
    all_target = rate("all", targets[d_thr]["calibration (min)"])
    adapter_target = rate("adapter", targets[d_thr]["calibration (min)"])
    return {
        "all_sure": certainty(all_target, threshold), "adapter_sure": certainty(adapter_target, threshold),
        "participants": t.cell(zero, "participants", "int"),
        "sentences": t.cell(zero, "test sentences each", "int"),
        "zero": rate("zero-shot", 0),
        "own": goals.cell(d_thr, "own test WER %", "pct", None, meta),
        "ratio": goals.cell(d_thr, "ratio", "real"),
        "threshold": threshold,
        "target_minutes": goals.cell(d_thr, "calibration (min)", "min"),
        "scratch_minutes": goals.cell(vs, "scratch (min)", "min"),
        "max_minutes": t.cell(next(i for i, x in enumerate(rows) if float(x["calibration (min)"]) == minutes[-1]),
                              "calibration (min)", "min"),
        "all_target": all_target, "adapter_target": adapter_target,
        "all_max": rate("all", minutes[-1]), "adapter_max": rate("adapter", minutes[-1]),
        "scratch": rate("scratch", targets[vs]["scratch (min)"]),
        "all_met": Word("met" if targets[d_thr]["met"] else "missed", tsrc(d_thr, "met")),
        "adapter_met": Word("met" if targets[a_thr]["met"] else "missed", tsrc(a_thr, "met")),
        "all_vs_scratch": Rate(goals.cell(vs, "measured", "points", None, meta),
                               goals.cell(vs, "measured CI low", "points", None, meta),
                               goals.cell(vs, "measured CI high", "points", None, meta)),
        "all_vs_scratch_v": Word(targets[vs]["verdict"], tsrc(vs, "verdict")),
    }


def _reference() -> str:
    from semg_study.capture.boards import ELECTRODE_REFERENCE

    return ELECTRODE_REFERENCE


def _ethics() -> str:
    from semg_study.data.participants import ETHICS_RULE

    return ETHICS_RULE


def _board_rate(r):
    """The synthetic board's rate, from the capture figure's caption is not a source: read brainflow's."""
    try:
        from brainflow.board_shim import BoardIds, BoardShim

        rate = BoardShim.get_sampling_rate(BoardIds.SYNTHETIC_BOARD.value)
    except Exception:  # brainflow missing: say nothing about the rate
        return Q("its own rate", "text", Source("structure", ("its own rate",)))
    return Q(float(rate), "hz", Source("call:semg_study.chapters.participants.text", ("synthetic_board_rate",)))


def synthetic_board_rate() -> float:
    from brainflow.board_shim import BoardIds, BoardShim

    return float(BoardShim.get_sampling_rate(BoardIds.SYNTHETIC_BOARD.value))


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["count_equal"] = lambda *v: sum(1 for a, b in zip(v[::2], v[1::2]) if a == b)


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def montage():
        from semg_study.capture.boards import ELECTRODE_MAP

        rows = [[ctx.ledger.structure(str(ch)), Q(site, "text", code("semg_study.capture.boards", "ELECTRODE_MAP", ch))]
                for ch, site in ELECTRODE_MAP.items()]
        caption = "The electrode sites of the dataset's montage, used for every recording (channel and site)."
        return [ctx.table("montage", caption, ns, ["channel", "site"], rows, widths=[0.6, 4])]

    def live_table():
        rows = [[Q(u.reference, "text", Source("tables/08_live_decoding.json", ("rows", i, "values", "reference"))),
                 Q(u.hypothesis, "text", Source("tables/08_live_decoding.json", ("rows", i, "values", "streamed hypothesis"))),
                 u.word_errors, u.reference_words, u.wer, u.chunks, u.chunk_p95_ms] for i, u in enumerate(r.live)]
        caption = ("Live decoding of held-out test utterances of the closed vocabulary (silent EMG), replayed "
                   "through brainflow's playback board and decoded chunk by chunk with greedy decoding: reference, "
                   "streamed hypothesis, word errors, WER, chunks and the {p95} percentile of the compute per chunk.")
        return [ctx.table("live", caption, ns, ["reference", "streamed hypothesis", "errors", "words", "WER %", "chunks",
                                                "chunk compute"], rows, widths=[2.4, 2.4, 0.8, 0.8, 0.9, 0.8, 1.1])]

    def capture_figures():
        return ctx.notebook_figure("08_recorded_utterances", width=0.85)

    def calibration_block():
        from semg_study.report.thesis.records import _Table

        t = _Table(r, "08_calibration", ("method", "calibration (min)", "calibration utterances (mean)", "WER %",
                                         "CER %", "epochs (mean)"))
        meta = {"split": "test", "mode": "silent", "decoder": "beam", "vocabulary": "closed"}
        rows = [[t.cell(i, "method", "text"), t.cell(i, "calibration (min)", "real"),
                 t.cell(i, "calibration utterances (mean)", "real"), t.rate(i, "WER %", "pct", None, meta),
                 t.rate(i, "CER %", "pct", None, {**meta, "metric": "cer"}), t.cell(i, "epochs (mean)", "real")]
                for i in range(len(t.rows))]
        caption = ("New synthetic participants, decoded by the released MyoStream unchanged (zero-shot), adapted "
                   "or trained from scratch: word and character error rates on the test split (silent EMG, "
                   "closed vocabulary, beam search with the language model) of the unchanged model, of the model "
                   "adapted with a number of minutes of each participant's calibration recordings "
                   "(the session adapter only, or all weights), and of one trained from scratch on those minutes; pooled "
                   "over the {calibration.participants:words} participants, with intervals from a bootstrap over "
                   "participants and sentences; utterances and epochs are means over the participants.")
        return [ctx.table("calibration", caption, ns,
                          ["method", "minutes", "utterances", "WER % [CI]", "CER % [CI]", "epochs"], rows,
                          widths=[3.2, 0.9, 1.1, 1.9, 1.9, 0.8])]
    return {"montage": montage, "live_table": live_table, "capture_figures": capture_figures,
            "calibration_block": calibration_block}


DERIVED["all_equal"] = lambda *v: "yes" if all(a == b for a, b in zip(v[::2], v[1::2])) else "no"
