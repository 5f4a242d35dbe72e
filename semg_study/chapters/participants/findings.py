"""What notebook 08's capture, replay and live decoding show."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, num, rows_of, run_names


def table_findings(t: dict[str, dict]) -> list[Finding]:
    out = []
    replay = rows_of(t.get("08_replay_check"))
    diffs = [num(r.get("max_abs_difference_uv")) for r in replay if num(r.get("max_abs_difference_uv")) is not None]
    if diffs:
        same = all(num(r.get("recorded_samples")) == num(r.get("replayed_samples")) for r in replay)
        out.append(Finding(f"Replaying the {len(diffs)} captured utterances through brainflow's playback board "
                           f"gives back {'the same number of samples' if same else 'a different number of samples'}"
                           f" and differs from the recording by at most {max(diffs):.2g} µV."))
    live = t.get("08_live_decoding")
    if live:
        rows = rows_of(live)
        empty = sum(1 for r in rows if not str(r.get("hypothesis", "")).strip())
        out.append(Finding(f"Live decoding of {len(rows)} replayed utterance(s) ran chunk by chunk"
                           + (f"; {empty} gave an empty transcript." if empty else ".")))
        live_runs, chapter = run_names(live), run_names(t.get("05_myostream"))
        if live_runs and chapter and not set(live_runs) & set(chapter):
            out.append(Finding(f"The live demonstration decoded with {join(live_runs)}, not the MyoStream run "
                               f"evaluated in notebook 05 ({join(chapter)}): its transcripts are not those of that "
                               "model.", caveat=True))
    return out



FINDINGS = ChapterFindings("08", table_findings)
