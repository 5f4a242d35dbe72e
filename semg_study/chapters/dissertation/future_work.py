"""Chapter: future work."""
from __future__ import annotations

KIND = "chapter"
TEXT = """
# Future Work

The most important next step is the one this version could not take: to run the same study on the real Digital
Voicing recordings. Nothing in the pipeline is specific to the synthetic corpus; the notebooks read the real
dataset when they are pointed at it, and the same checks would then trace every number of this document to
real results. A GPU would let the models train at their paper sizes.

[[if open_missing]]
The open-vocabulary comparison at {open_plan_seeds:words} seeds per model under the budget rule is not yet
complete ({open_missing:noun(run)} still to train); until it is,
the open-vocabulary verdicts rest on the seeds finished so far (Chapter {ref.chapter_myostream}).
[[end]]
[[if not sizes_table]]
The sweep of model sizes, which compares the models at equal parameters and at equal latency, is still being
trained and is not in this document; until it is, whether MyoStream's lead holds as the models grow is unknown.
[[end]]
[[if not sweep]]
The sweep of the streaming chunk and look-ahead against WER, to find the streaming configuration with the
smallest accuracy cost at an acceptable latency, is not in this document yet.
[[end]]

[[if calibration]]
The second objective, recording people, remains open. The acquisition path exists and has been exercised end
to end; what it needs is participants, consent and sessions. The calibration study of Chapter
{ref.chapter_participants} measured, on {calibration.participants:noun(synthetic participant)}, how quickly an
adapted model recovers as calibration minutes increase; the same protocol with real participants would answer
the question the initiation document asked about generalising across users.
[[else]]
The second objective, recording people, remains open. The acquisition path exists and has been exercised end
to end; what it needs is participants, consent and sessions. A first calibration study with a few new
participants, measuring how quickly an adapted model reaches a usable error rate as calibration minutes
increase, would answer the question the initiation document asked about generalising across users.
[[end]]

The original dissertation's proposed directions still stand. Learned generators (GANs or variational autoencoders) could
augment the real dataset with plausible EMG, and the synthetic generator built here gives a way to test whether
such augmentation helps before real data are spent on it. An architecture search is out of reach of the study's CPU
budget but not of a GPU cluster; capsule layers over the electrode front end would be a natural ablation in the
same framework. Beyond them, large language models for rescoring, which gave the largest published gains on the
real dataset ({cite.benster2024}), could be placed after MyoStream's beam search without changing its latency
budget much, since rescoring acts once the utterance has ended.
"""


def values(ctx) -> dict:
    from semg_study.chapters.latency import text as latency
    from semg_study.chapters.myostream import text as myostream
    from semg_study.chapters.participants.text import _calibration

    ms = myostream.values(ctx)
    ns: dict = {"seeds_open": ms.get("seeds_open", False), "sizes_table": ms.get("sizes_table", False),
                "open_plan_seeds": ms.get("open_plan_seeds"), "open_missing": ms.get("open_missing"),
                "sweep": latency.values(ctx).get("sweep", False)}
    calibration = _calibration(ctx.r)
    if calibration:
        ns["calibration"] = calibration
    return ns
