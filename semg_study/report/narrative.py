"""What each notebook's results show, in sentences made from its tables.

Every notebook ends with ``show_findings(study)``: the sentences below are built
from the table sidecars the notebook wrote (``<reports>/tables/NN_*.json``), so
no number is typed by hand. The report's chapters, discussion and abstract use
the same :func:`findings`, so the notebooks and the dissertation say the same.

Confidence intervals and comparisons are read when the tables carry them and
left out when they do not:

- a metric column ``WER %`` / ``CER %`` may come with ``<metric> CI low`` and
  ``<metric> CI high`` (95 %, same units);
- a comparison table has rows with ``comparison``, ``metric``,
  ``difference (points)``, ``difference CI low``, ``difference CI high`` and
  ``verdict`` (``better``, ``worse`` or ``no significant difference``).

The text says when a result is noise (a word error rate at or above 100 %, a
difference inside the seeds' spread or an interval that includes zero) and
when a target is missed.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from semg_study.evaluation.targets import threshold_of
from semg_study.report.tables import read_tables

CI_LOW, CI_HIGH = " CI low", " CI high"
VERDICTS = ("better", "worse", "no significant difference")
# a word error rate at or above this is no transcription at all (every reference word wrong or missing)
NO_TRANSCRIPTION_WER = 100.0
# at or above this, nine words in ten are wrong: said so beside any comparison
NEAR_NOISE_WER = 90.0


@dataclass
class Finding:
    text: str
    headline: bool = False  # also goes into the abstract
    caveat: bool = False  # a limitation: goes into the discussion


# ----------------------------------------------------------------------------- numbers
def num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return float(value)
    return None


def pct(value: float) -> str:
    return f"{value:.1f}%"


def points(value: float) -> str:
    return f"{value:+.1f} points"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def with_ci(row: dict[str, Any], column: str, unit: Callable[[float], str] = pct) -> str | None:
    """``"41.3% (95% CI 38.0% to 44.9%)"``, or the value alone when the row has no interval."""
    value = num(row.get(column))
    if value is None:
        return None
    low, high = num(row.get(column + CI_LOW)), num(row.get(column + CI_HIGH))
    if low is None or high is None:
        return unit(value)
    return f"{unit(value)} (95% CI {unit(low)} to {unit(high)})"


def has_ci(rows: list[dict[str, Any]], column: str) -> bool:
    return any(num(r.get(column + CI_LOW)) is not None for r in rows)


def rows_of(table: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [r["values"] for r in (table or {}).get("rows", [])]


def run_names(table: dict[str, Any] | None) -> list[str]:
    """The runs a table's rows came from: the ``run`` column when present, else the cited run manifests."""
    names: dict[str, None] = {}
    for row in (table or {}).get("rows", []):
        if isinstance(row["values"].get("run"), str):
            names.setdefault(row["values"]["run"], None)
        for ref in row.get("manifests", []):
            if "/runs/" in ref:
                names.setdefault(Path(ref).stem, None)
    return list(names)


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _first(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for row in rows:
        if all(str(row.get(k, "")).startswith(str(v)) for k, v in match.items()):
            return row
    return None


def _decoder_rank(row: dict[str, Any]) -> int:
    # the headline decoder: beam search with the LM when a table has it
    return 0 if "beam" in str(row.get("decoder", "")) else 1


# ----------------------------------------------------------------------------- comparisons (any notebook)
def comparison_findings(table: dict[str, Any]) -> list[Finding]:
    """One sentence per row of a comparison table (columns of the module doc)."""
    out = []
    for row in rows_of(table):
        diff = num(row.get("difference (points)"))
        if diff is None or not row.get("comparison"):
            continue
        metric = str(row.get("metric", "WER %"))
        low, high = num(row.get("difference CI low")), num(row.get("difference CI high"))
        ci = f" (95% CI {points(low)} to {points(high)})" if low is not None and high is not None else ""
        verdict = str(row.get("verdict") or "")
        if verdict == "no significant difference":
            tail = "no significant difference: the interval includes zero"
        elif verdict in ("better", "worse"):
            tail = f"{verdict}, and the interval excludes zero"
        else:
            tail = "no interval was computed, so significance is not known"
        src = f" [{row['source']}]" if row.get("source") else ""
        out.append(Finding(f"{row['comparison']}, {metric.replace(' %', '')}: difference {points(diff)}{ci}; "
                           f"{tail}{src}.", headline=verdict in ("better", "worse"),
                           caveat=verdict == "no significant difference"))
    return out


def is_comparison(table: dict[str, Any]) -> bool:
    return {"comparison", "difference (points)"} <= set(table.get("columns", []))


# ----------------------------------------------------------------------------- per notebook
def _dataset(t: dict[str, dict]) -> list[Finding]:
    out = []
    overview = rows_of(t.get("01_corpus_overview"))
    if overview:
        for condition in dict.fromkeys(r.get("condition") for r in overview):
            rows = [r for r in overview if r.get("condition") == condition]
            utts = sum(num(r.get("utterances")) or 0 for r in rows)
            minutes = sum(num(r.get("duration_min")) or 0 for r in rows)
            splits = {s: int(sum(num(r.get("utterances")) or 0 for r in rows if r.get("split") == s))
                      for s in ("train", "dev", "test")}
            words = [num(r.get("words_per_utterance")) for r in rows if num(r.get("words_per_utterance"))]
            out.append(Finding(
                f"The {condition}-vocabulary condition has {int(utts)} utterances ({minutes:.1f} min, silent and "
                f"voiced): {splits['train']} train, {splits['dev']} dev and {splits['test']} test, about "
                f"{sum(words) / len(words):.1f} words per utterance." if words else
                f"The {condition}-vocabulary condition has {int(utts)} utterances ({minutes:.1f} min).",
                headline=condition == "open"))
        dev = [r for r in overview if r.get("split") == "dev" and r.get("mode") == "silent"]
        small = [r for r in dev if (num(r.get("utterances")) or 0) < 100]
        if small:
            out.append(Finding(
                "The dev sets are small (" + join([f"{int(num(r['utterances']))} silent {r['condition']}-vocabulary "
                                                   "utterances" for r in small])
                + "): one utterance moves a corpus-level WER by several points.", caveat=True))
    spectral = rows_of(t.get("01_spectral_summary"))
    raw, filt = _first(spectral, signal="raw"), _first(spectral, signal="filtered")
    if raw and filt and num(raw.get("mains_60hz_peak_db")) is not None:
        out.append(Finding(
            f"Filtering lowers the 60 Hz mains peak from {raw['mains_60hz_peak_db']:.1f} dB to "
            f"{filt['mains_60hz_peak_db']:.1f} dB above its neighbourhood and keeps "
            f"{100 * filt['band_20_450_share']:.1f}% of the power in the 20-450 Hz EMG band "
            f"(raw: {100 * raw['band_20_450_share']:.1f}%)."))
    modes = rows_of(t.get("01_silent_vs_voiced"))
    silent, voiced = _first(modes, mode="silent"), _first(modes, mode="voiced")
    if silent and voiced and num(silent.get("rms_uv_mean")) and num(voiced.get("rms_uv_mean")):
        ratio = voiced["rms_uv_mean"] / silent["rms_uv_mean"]
        out.append(Finding(
            f"Silent EMG is weaker than voiced EMG: mean RMS {silent['rms_uv_mean']:.1f} µV against "
            f"{voiced['rms_uv_mean']:.1f} µV ({ratio:.1f} times), which is why silent speech is the harder task."))
    return out


def _features(t: dict[str, dict]) -> list[Finding]:
    out = []
    rates = {str(r.get("quantity")): r for r in rows_of(t.get("02_feature_rates"))}
    frame = next((r for q, r in rates.items() if "frame rate" in q), None)
    feats = next((r for q, r in rates.items() if "features per frame" in q or "feature dimension" in q), None)
    if frame and num(frame.get("value")):
        out.append(Finding(f"The hand-crafted features run at {frame['value']:.2f} {frame.get('unit', '')} frames"
                           + (f", {feats['value']:.0f} values per frame." if feats and num(feats.get("value")) else ".")))
    phon = rows_of(t.get("02_embedding_phonemes"))
    overall = next((r for r in phon if str(r.get("phoneme", "")).startswith("(")), None)
    scored = [(num(r.get("5-NN recall %")), num(r.get("share %")), r) for r in phon if r is not overall]
    scored = [s for s in scored if s[0] is not None and s[1] is not None]
    if scored and overall and num(overall.get("5-NN recall %")) is not None:
        recall = overall["5-NN recall %"]
        # a neighbour drawn at random has phoneme i with probability p_i: expected recall sum(p_i^2)
        chance = sum((share / 100) ** 2 for _, share, _ in scored) * 100
        best = max(scored, key=lambda s: s[0] - s[1])
        above = recall > 2 * chance
        verdict = ("well above chance: the features carry phonetic structure before any training" if above
                   else "close to chance: little phonetic structure is visible")
        out.append(Finding(
            f"In the 2-D map, a frame's 5 nearest neighbours recover its phoneme {pct(recall)} of the time, "
            f"against about {pct(chance)} by chance (the sum of the squared phoneme shares), {verdict}; "
            f"the most separable phoneme is {best[2].get('phoneme')} ({pct(best[0])} against a share of "
            f"{pct(best[1])}).", caveat=not above))
    return out


def _noise_caveat(values: list[float], what: str) -> Finding | None:
    if not values:
        return None
    if min(values) >= NO_TRANSCRIPTION_WER:
        return Finding(f"Every {what} has a WER of {pct(min(values))} or more: no model gets more words right than "
                       "it gets wrong, so these runs show that the pipeline trains and decodes, not that a model "
                       "transcribes; differences between them are noise.", caveat=True)
    if min(values) >= NEAR_NOISE_WER:
        return Finding(f"Every {what} has a WER of at least {pct(min(values))}: nine words in ten or more are wrong, "
                       "too close to no transcription for differences between them to mean much.", caveat=True)
    return None


def _table31(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("03_table31"))
    if not rows:
        return []
    out = []
    beam_col = next((c for c in t["03_table31"]["columns"] if c.startswith("WER") and "beam" in c), None)
    greedy_col = next((c for c in t["03_table31"]["columns"] if c.startswith("WER") and "greedy" in c), None)
    original_col = next((c for c in t["03_table31"]["columns"] if "original" in c.lower()), None)
    col = beam_col or greedy_col
    scale = 100.0 if col and "%" not in col else 1.0  # Table 3.1 keeps the dissertation's fractions
    parts, values = [], []
    for row in rows:
        value = num(row.get(col))
        if value is None:
            continue
        values.append(scale * value)
        original = num(row.get(original_col)) if original_col else None
        original_scale = 1.0 if original_col and "%" in original_col else 100.0  # a % column or fractions
        extra = (f" (the dissertation's defective code reported {pct(original_scale * original)})"
                 if original is not None else "")
        ci_row = {k: (scale * v if num(v) is not None and k.startswith(col) else v) for k, v in row.items()}
        parts.append(f"{row.get('model')} {with_ci(ci_row, col)}{extra}")
    if parts:
        out.append(Finding(f"Regenerated with every defect fixed, DeepSpeech2 on audio reaches a test WER "
                           f"({'beam search + LM' if beam_col else 'greedy'}) of " + join(parts) + ".",
                           headline=True))
    caveat = _noise_caveat(values, "audio baseline")
    if caveat:
        out.append(caveat)
    return out


def _emg_baselines(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("04_emg_baselines"))
    if not rows:
        return []
    out = []
    silent = [r for r in rows if r.get("evaluated on") == "silent" and num(r.get("WER %")) is not None]
    for condition in dict.fromkeys(r.get("condition") for r in silent):
        group = sorted([r for r in silent if r.get("condition") == condition], key=lambda r: r["WER %"])
        text = join([f"{r.get('model')} {with_ci(r, 'WER %')} (CER {with_ci(r, 'CER %')})" for r in group])
        out.append(Finding(f"On silent EMG, {condition} vocabulary, the baselines reach a test WER of {text}.",
                           headline=condition == "open"))
    voiced = {(r.get("model"), r.get("condition")): r for r in rows if r.get("evaluated on") == "voiced"}
    easier = [(r, voiced[(r.get("model"), r.get("condition"))]) for r in silent
              if (r.get("model"), r.get("condition")) in voiced and num(voiced[(r.get("model"), r.get("condition"))].get("CER %")) is not None]
    if easier:
        lower = sum(1 for s, v in easier if v["CER %"] < s.get("CER %", math.inf))
        out.append(Finding(f"Voiced EMG gives the lower CER in {lower} of {len(easier)} model-condition pairs."))
    caveat = _noise_caveat([r["WER %"] for r in silent], "EMG baseline on silent EMG")
    if caveat:
        out.append(caveat)
    return out


def _myostream(t: dict[str, dict]) -> list[Finding]:
    rows = sorted([r for r in rows_of(t.get("05_myostream")) if num(r.get("WER %")) is not None], key=_decoder_rank)
    if not rows:
        return []
    out = []
    head = rows[0]
    # one sentence per condition: the rows of one run (its decoders) together
    for condition in dict.fromkeys(r.get("condition") for r in rows):
        mine = [r for r in rows if r.get("condition") == condition]
        first = mine[0]
        others = [f"{with_ci(r, 'WER %')} with {r.get('decoder')}" for r in mine[1:]]
        out.append(Finding(
            f"MyoStream ({condition} vocabulary, silent EMG, {int(num(first.get('parameters')) or 0):,} "
            f"parameters) reaches a test WER of {with_ci(first, 'WER %')} and CER of {with_ci(first, 'CER %')} with "
            f"{first.get('decoder')}" + (f" ({join(others)})" if others else "") + ".", headline=True))
    base = [r for r in rows_of(t.get("04_emg_baselines")) if r.get("evaluated on") == "silent"
            and r.get("condition") == head.get("condition") and num(r.get("WER %")) is not None]
    if base and not any(is_comparison(x) for x in t.values()):
        best = min(base, key=lambda r: r["WER %"])
        greedy = _first(rows, decoder="greedy") or head
        diff = greedy["WER %"] - best["WER %"]
        relation = ("the same as" if diff == 0 else
                    f"{abs(diff):.1f} points {'lower' if diff < 0 else 'higher'} than")
        out.append(Finding(
            f"With greedy decoding, as the baselines are scored, MyoStream's WER {pct(greedy['WER %'])} is "
            f"{relation} the best baseline's ({best.get('model')}, {pct(best['WER %'])}); without confidence "
            "intervals it is not known whether the difference is significant.", caveat=True))
    caveat = _noise_caveat([r["WER %"] for r in rows], "MyoStream decoder")
    if caveat:
        out.append(caveat)
    worst = rows_of(t.get("05_worst_utterances"))
    if worst:
        dels = sum(num(r.get("deletions")) or 0 for r in worst)
        subs = sum(num(r.get("substitutions")) or 0 for r in worst)
        ins = sum(num(r.get("insertions")) or 0 for r in worst)
        kind = max((("deletions", dels), ("substitutions", subs), ("insertions", ins)), key=lambda kv: kv[1])[0]
        where = t["05_worst_utterances"].get("config") or {}
        scope = " ".join(x for x in (where.get("split"), "utterances") if x)
        of_run = f" of the {where['vocabulary']}-vocabulary run" if where.get("vocabulary") else ""
        out.append(Finding(f"In the {len(worst)} worst {scope}{of_run} the errors are mostly {kind} "
                           f"({int(subs)} substitutions, {int(dels)} deletions, {int(ins)} insertions)."))
    return out


def _ablations(t: dict[str, dict]) -> list[Finding]:
    table = t.get("06_ablations")
    rows = rows_of(table)
    full = _first(rows, variant="full model")
    if not full:
        return []
    out = []
    mean_col = "WER % mean" if "WER % mean" in (table or {}).get("columns", []) else "WER %"
    delta_col = next((c for c in table["columns"] if c.startswith("ΔWER")), None)
    seeds = str(full.get("seeds", ""))
    # "WER %" is the seeds' mean with its seed-and-utterance CI where the table has one
    shown = with_ci(full, "WER %") if num(full.get("WER %" + CI_LOW)) is not None else with_ci(full, mean_col)
    out.append(Finding(f"The full model's closed-vocabulary test WER is {shown}"
                       + (f" ± {full['WER % std']:.1f} (std over seeds {seeds})" if num(full.get("WER % std")) is not None else "")
                       + "."))
    effects, noise = [], []
    for row in rows:
        if row is full:
            continue
        delta = num(row.get(delta_col)) if delta_col else None
        if delta is None and num(row.get(mean_col)) is not None and num(full.get(mean_col)) is not None:
            delta = row[mean_col] - full[mean_col]
        if delta is None:
            continue
        name = "without " + str(row.get("switched off") or row.get("variant")).removeprefix("without ")
        spread = max(num(row.get("WER % std")) or 0.0, num(full.get("WER % std")) or 0.0)
        low, high = num(row.get("difference CI low")), num(row.get("difference CI high"))
        if low is not None and high is not None:
            significant = low > 0 or high < 0
            text = f"{name} {points(delta)} (95% CI {points(low)} to {points(high)})"
        else:
            significant = abs(delta) > spread and spread > 0
            text = f"{name} {points(delta)}"
        (effects if significant else noise).append((delta, text))
    if effects:
        effects.sort(key=lambda e: -abs(e[0]))
        out.append(Finding("Changes in WER whose interval (seeds and utterances resampled) excludes zero, or larger "
                           "than the seeds' spread where no interval is given (a positive change: the component "
                           "helps, as switching it off raises the WER): " + join([e[1] for e in effects]) + ".",
                           headline=True))
    if noise:
        out.append(Finding("Within the seeds' spread or with an interval that includes zero, so no effect can "
                           "be claimed: " + join([n[1] for n in noise]) + ".", caveat=True))
    caveat = _noise_caveat([v for r in rows if (v := num(r.get(mean_col))) is not None], "ablation variant")
    if caveat:
        out.append(caveat)
    return out


def _latency(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("07_latency"))
    if not rows:
        return []
    out = []
    timed = [r for r in rows if num(r.get("latency p50 ms")) is not None]
    if timed:
        fast, slow = min(timed, key=lambda r: r["latency p50 ms"]), max(timed, key=lambda r: r["latency p50 ms"])
        rtf = max((num(r.get("RTF p95")) or 0.0) for r in timed)
        out.append(Finding(f"Offline, per utterance on one CPU thread, the median latency ranges from "
                           f"{ms(fast['latency p50 ms'])} ({fast.get('model')}) to {ms(slow['latency p50 ms'])} "
                           f"({slow.get('model')}); the worst p95 real-time factor is {rtf:.3f}, "
                           + ("faster than real time." if rtf < threshold_of("offline_rtf_p95")
                              else "slower than real time: the target is missed.")))
    target = threshold_of("total_response_latency_ms")
    for row in rows:
        total = num(row.get("total response latency ms"))
        if total is None:
            continue
        chunk, compute = num(row.get("chunk ms")), num(row.get("chunk compute p95 ms"))
        met = total <= target
        keeps_up = chunk is not None and compute is not None and compute < chunk
        out.append(Finding(
            f"Streamed, {row.get('model')} answers within {ms(total)} (algorithmic latency "
            f"{ms(num(row.get('algorithmic latency ms')) or 0)} plus p95 compute per chunk "
            f"{ms(compute or 0)}), {'within' if met else 'over'} the {target:.0f} ms target"
            + ("; each chunk is computed faster than it lasts." if keeps_up else
               "; a chunk takes longer to compute than it lasts: it cannot keep up." if chunk else "."),
            headline=row is next(r for r in rows if num(r.get("total response latency ms")) is not None),
            caveat=not met))
    return out


def _live(t: dict[str, dict]) -> list[Finding]:
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


SLOT_FINDINGS: dict[str, Callable[[dict[str, dict]], list[Finding]]] = {
    "01": _dataset, "02": _features, "03": _table31, "04": _emg_baselines, "05": _myostream,
    "06": _ablations, "07": _latency, "08": _live,
}


# ----------------------------------------------------------------------------- entry points
def tables_by_name(out: str | os.PathLike) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in read_tables(Path(out) / "tables")}


def findings(tables: dict[str, dict[str, Any]], slot: str) -> list[Finding]:
    """What notebook ``slot``'s tables show (``tables``: :func:`tables_by_name`)."""
    mine = {name: table for name, table in tables.items() if name.startswith(f"{slot}_")}
    found: list[Finding] = []
    maker = SLOT_FINDINGS.get(slot)
    if maker:
        try:
            # the other notebooks' tables are there for cross-references (05 against 04)
            found.extend(maker({**tables, **mine}))
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:  # a table of another shape
            found.append(Finding(f"(The findings of notebook {slot} could not be read from its tables: "
                                 f"{type(exc).__name__}: {exc}.)", caveat=True))
    for name in sorted(mine):
        if is_comparison(mine[name]):
            found.extend(comparison_findings(mine[name]))
    return found


def synthetic(tables: dict[str, dict[str, Any]], slot: str | None = None) -> bool:
    return any(t.get("synthetic") for n, t in tables.items() if slot is None or n.startswith(f"{slot}_"))


SYNTHETIC_NOTE = ("These numbers come from the synthetic corpus: they show what the pipeline computes, "
                  "not how well silent speech can be recognised.")


def _v(q) -> float | None:
    """A record's number (records.Q), or None."""
    return None if q is None else num(q.value)


def _rate(r) -> str:
    """``"26.7% (95% CI 22.1% to 31.4%)"`` from a records.Rate of percentages."""
    value, low, high = _v(r.value), _v(r.low), _v(r.high)
    return pct(value) if low is None or high is None else f"{pct(value)} (95% CI {pct(low)} to {pct(high)})"


def _difference(r) -> str:
    value, low, high = _v(r.value), _v(r.low), _v(r.high)
    return points(value) if low is None or high is None else f"{points(value)} (95% CI {low:+.1f} to {high:+.1f})"


def seed_findings(out: str | os.PathLike, slot: str) -> list[Finding]:
    """What the comparison over seeds shows in notebook ``slot`` (05: the models, 06: the ablations under the
    budget rule, 07: the streaming trade-off and the size sweep), read with the dissertation's typed readers
    (:mod:`semg_study.report.thesis.records`) so the notebooks and the document say the same."""
    from semg_study.report.thesis.records import SchemaError, load_results

    mine = {"05": ("05_seeds", "05_seed_comparisons", "05_budget_rule"),
            "06": ("06_ablations_budget_comparisons",),
            "07": ("07_streaming", "07_streaming_selection", "07_size_findings")}.get(slot, ())
    if not any((Path(out) / "tables" / f"{name}.json").is_file() for name in mine):
        return []
    try:
        r = load_results(out)
    except SchemaError as exc:  # a table of another shape: said, not hidden
        return [Finding(f"(The seed comparison of notebook {slot} could not be read: {exc}.)", caveat=True)]
    found: list[Finding] = []
    if slot == "05":
        for rule in r.budget_rules:
            if rule.part in ("closed", "open"):
                found.append(Finding(
                    f"Budget rule ({rule.part} vocabulary, {int(_v(rule.runs) or 0)} runs, one epoch ceiling and "
                    f"patience on dev CER): {'it held' if rule.holds.state == 'yes' else 'it did not hold'}; "
                    f"{int(_v(rule.improving) or 0)} run(s) stopped at the ceiling while still improving."))
        for m in r.seed_means:
            if m.table == "05_seeds" and m.decoder == "beam":
                sd = "" if m.wer_sd is None else f", sd {_v(m.wer_sd):.1f} points between seeds"
                found.append(Finding(f"Over {int(_v(m.seeds))} seed(s), {m.model} ({m.vocabulary} vocabulary, test, "
                                     f"silent EMG, beam + LM) reaches a WER of {_rate(m.wer)}{sd}."))
        for v in r.seed_verdicts:
            if v.table == "05_seed_comparisons" and v.metric == "wer":
                found.append(Finding(f"{v.a} against {v.b} ({v.vocabulary} vocabulary, seeds and utterances "
                                     f"resampled): {_difference(v.difference)}, {v.verdict.state}.",
                                     headline=v.b == "gaddy2022"))
    if slot == "06":
        for v in r.seed_verdicts:
            if v.table == "06_ablations_budget_comparisons" and v.metric == "wer":
                found.append(Finding(f"Under the comparison's budget rule (beam + LM), {v.a} against the full "
                                     f"model: {_difference(v.difference)}, {v.verdict.state}."))
    if slot == "07":
        for x in r.streaming_settings:
            if x.streaming and x.ratio is not None:
                found.append(Finding(f"Streaming {x.setting.value} ({_v(x.algorithmic_ms):.1f} ms algorithmic "
                                     f"latency, {int(_v(x.seeds))} seeds): WER {_rate(x.wer)}, "
                                     f"{_v(x.relative_cost):+.1f}% relative to full context, {x.verdict.state}."))
        rule = r.streaming_rule
        if rule is not None:
            outcome = {"chosen": f"{rule.chosen.value if rule.chosen else ''} meets it",
                       "none": "no setting measured meets it"}.get(rule.outcome.state, "it cannot be decided yet")
            found.append(Finding(f"The streaming rule (at most {_v(rule.max_cost):.0f}% relative WER at at most "
                                 f"{_v(rule.max_ms):.0f} ms algorithmic latency): {outcome}.", headline=True))
        for f in r.size_findings:
            if f.difference is not None:
                found.append(Finding(f"At equal {f.axis} ({f.model} at {f.setting.value}), MyoStream minus the "
                                     f"reproduction: {_difference(f.difference)}, {f.verdict.state}."))
        outside = [f for f in r.size_findings if f.outside]
        if outside:
            found.append(Finding(f"{len(outside)} size comparison(s) fall outside the other model's measured "
                                 "range and are not made (no extrapolation).", caveat=True))
    return found


def what_this_shows(out: str | os.PathLike, slot: str) -> str:
    """The Markdown of a notebook's last cell."""
    tables = tables_by_name(out)
    found = findings(tables, slot) + seed_findings(out, slot)
    lines = ["### What this shows", ""]
    if not found:
        lines.append(f"No table of notebook {slot} is in {Path(out).name}/tables yet, so there is nothing to report.")
    else:
        lines.extend(f"- {'**Limitation:** ' if f.caveat else ''}{f.text}" for f in found)
    if synthetic(tables, slot):
        lines += ["", f"*{SYNTHETIC_NOTE}*"]
    return "\n".join(lines) + "\n"


def show_findings(study) -> Any:
    """A notebook's last cell: its findings as Markdown (``study``: ``start_notebook``'s result)."""
    from IPython.display import Markdown

    return Markdown(what_this_shows(study.paths.out, study.name[:2]))
