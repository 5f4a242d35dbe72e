"""What notebook 08's capture, replay and live decoding show, read from the typed records the dissertation
reads (``ReplayCheck`` and ``LiveUtterance`` of :mod:`semg_study.report.thesis.records`): no column label is
matched here."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, value_of
from semg_study.report.thesis.records import Results

TABLES = ("08_replay_check", "08_live_decoding", "05_myostream")


def capture_findings(r: Results) -> list[Finding]:
    """The replay check, the live decoding, and whether the live run is the one chapter 05 evaluates."""
    found = []
    replayed = [x for x in r.replay if value_of(x.max_abs_difference_uv) is not None]
    if replayed:
        same = all(value_of(x.recorded_samples) == value_of(x.replayed_samples) for x in r.replay)
        worst = max(value_of(x.max_abs_difference_uv) for x in replayed)
        found.append(Finding(f"Replaying the {len(replayed)} captured utterances through brainflow's playback board "
                             f"gives back {'the same number of samples' if same else 'a different number of samples'}"
                             f" and differs from the recording by at most {worst:.2g} µV."))
    if r.live:
        empty = sum(1 for u in r.live if not str(u.hypothesis).strip())
        found.append(Finding(f"Live decoding of {len(r.live)} replayed utterance(s) ran chunk by chunk"
                             + (f"; {empty} gave an empty transcript." if empty else ".")))
        chapter = list(dict.fromkeys(s.run for s in r.scores if s.table == "05_myostream" and s.run))
        if r.live_run and chapter and r.live_run not in chapter:
            found.append(Finding(f"The live demonstration decoded with {r.live_run}, not the MyoStream run "
                                 f"evaluated in notebook 05 ({join(chapter)}): its transcripts are not those of that "
                                 "model.", caveat=True))
    return found


FINDINGS = ChapterFindings("08", None, TABLES, leading_from_records=capture_findings)
