"""New participants: how many minutes of a new person's EMG the released model needs (notebook 08).

The question of issue 23's chapter: the study's closed-vocabulary MyoStream was trained on one
simulated speaker; on a new person it fails. How close does it get to its own test WER after
1-20 minutes of that person's calibration recordings, adapting only the session adapter or
every weight, and is that better than training the same architecture from scratch on the same
minutes? Measured on the synthetic ``participants`` corpus (five people, each with their own
anatomy, articulation, amplitude, noise and voice; :mod:`semg_study.synth.participants`).

* **plan**: :func:`calibration_plan` reads the profile's ``calibration`` knobs
  (``recipes/profiles.py``): the corpus, the minutes, the methods, the epoch budgets, the targets;
* **runs**: :func:`adapt_all` adapts (or finds) one run per participant x method x minutes with
  ``training.adapt.adapt_run``; the committed runs under ``released/adapted`` are reused when
  their fingerprint matches, so ``make study`` trains none of them;
* **scores**: :func:`score_all` decodes every participant's held-out test sentences with each run
  (and with the released model as it is, zero-shot: 0 minutes), greedy and beam search with the
  released model's language model and its LM weights chosen on the study corpus's dev split (the
  participants' test sentences never choose anything);
* **findings**: :func:`calibration_rows` pools the participants per method and minutes, with 95 %
  intervals from a bootstrap over participants and sentences
  (``evaluation.confidence.group_rate_interval``); :func:`calibration_targets` checks the issue's
  two targets; :func:`calibration_figure` draws WER and CER against minutes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semg_study.errors import StudyError
from semg_study.evaluation.confidence import GROUP_METHOD, group_paired_comparison, group_rate_interval
from semg_study.run_folder import RunFolder, read_manifest

ZERO_SHOT = "zero-shot"
# how each method reads in tables and figures
METHOD_LABELS = {ZERO_SHOT: "released model, zero-shot", "adapter": "adapter only (fine-tuned)",
                 "top": "adapter + last block + output (fine-tuned)", "all": "all weights (fine-tuned)",
                 "scratch": "same architecture from scratch"}
DECODER_LABELS = {"greedy": "greedy", "beam": "beam search + LM"}


@dataclass(frozen=True)
class CalibrationPlan:
    """What the chapter adapts and how (the profile's ``calibration`` knobs)."""

    corpus: str                      # a new-participants corpus profile (synth.participants)
    minutes: tuple[float, ...]
    methods: tuple[str, ...]
    seed: int
    adapt_epochs: int
    adapt_patience: int
    scratch_epochs: int
    scratch_patience: int
    target_minutes: float
    scratch_minutes: float
    target_ratio: float
    workers: int = 1

    def settings(self, method: str, participant: str, minutes: float):
        from semg_study.training.adapt import AdaptSettings

        scratch = method == "scratch"
        return AdaptSettings(adapt=method, participant=participant, minutes=float(minutes),
                             epochs=self.scratch_epochs if scratch else self.adapt_epochs,
                             patience=self.scratch_patience if scratch else self.adapt_patience, seed=self.seed)


def calibration_plan(profile: str) -> CalibrationPlan:
    from semg_study.recipes.profiles import plan_knobs

    k = plan_knobs(profile)["calibration"]
    return CalibrationPlan(corpus=k["corpus"], minutes=tuple(float(m) for m in k["minutes"]),
                           methods=tuple(k["methods"]), seed=int(k["seed"]),
                           adapt_epochs=int(k["adapt"]["epochs"]), adapt_patience=int(k["adapt"]["patience"]),
                           scratch_epochs=int(k["scratch"]["epochs"]), scratch_patience=int(k["scratch"]["patience"]),
                           target_minutes=float(k["target_minutes"]), scratch_minutes=float(k["scratch_minutes"]),
                           target_ratio=float(k["target_ratio"]), workers=int(k.get("workers", 1)))


def released_adapted_root() -> Path:
    """Where the committed adapted runs live (beside ``released/runs``, never removed by its packer)."""
    from semg_study.provenance import repo_root

    return repo_root() / "released" / "adapted"


def participants_corpus(plan: CalibrationPlan, data_dir: str | Path | None = None) -> Path:
    """The plan's new-participants corpus under the data folder (``data/<corpus>``), generated when missing."""
    from semg_study.report.paths import default_data_dir
    from semg_study.synth import generate_corpus

    root = Path(data_dir if data_dir is not None else default_data_dir()) / plan.corpus
    return generate_corpus(root, profile=plan.corpus, seed=0, progress=False)


def participant_codes(corpus) -> list[str]:
    """The participants of a new-participants corpus (its ``participants.json``), in order."""
    path = Path(corpus.root) / "participants.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))["recorded"]
    except (OSError, ValueError, KeyError, TypeError):
        raise StudyError(f"{path}: not a new-participants corpus (no participants.json with 'recorded')") from None
    return sorted(recorded)


# ------------------------------------------------------------------ the adapted runs
@dataclass(frozen=True)
class AdaptedCell:
    participant: str
    method: str
    minutes: float
    run_dir: Path


def _adapt_in_worker(parent: str, data_root: str, settings, runs_root: str, released: str | None) -> str:
    """One adaptation in a worker process: one torch thread, so two workers share two cores."""
    from semg_study.training.adapt import adapt_run

    return str(adapt_run(parent, data_root, settings, out=runs_root, threads=1, progress=False, released=released))


def adapt_all(parent: str | Path, data_root: str | Path, plan: CalibrationPlan, runs_root: str | Path,
              released: str | Path | None = "default", workers: int | None = None, participants=None,
              on_done=None) -> list[AdaptedCell]:
    """Adapt (or find) every participant x method x minutes run of ``plan``; ``released="default"``
    reuses :func:`released_adapted_root`, None trains everything. ``on_done(cell)`` is called as each
    run finishes (the release script packs it there)."""
    from semg_study.data import open_corpus

    released = str(released_adapted_root()) if released == "default" else (None if released is None else str(released))
    codes = list(participants) if participants is not None else participant_codes(open_corpus(Path(data_root)))
    jobs = [(code, method, minutes) for code in codes for minutes in plan.minutes for method in plan.methods]
    workers = plan.workers if workers is None else workers
    cells = []
    if workers <= 1:
        for code, method, minutes in jobs:
            run = _adapt_in_worker(str(parent), str(data_root), plan.settings(method, code, minutes),
                                   str(runs_root), released)
            cells.append(AdaptedCell(code, method, minutes, Path(run)))
            if on_done:
                on_done(cells[-1])
        return cells
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [((code, method, minutes),
                    pool.submit(_adapt_in_worker, str(parent), str(data_root), plan.settings(method, code, minutes),
                                str(runs_root), released)) for code, method, minutes in jobs]
        for (code, method, minutes), future in futures:
            cells.append(AdaptedCell(code, method, minutes, Path(future.result())))
            if on_done:
                on_done(cells[-1])
    return cells


# ------------------------------------------------------------------ scores
@dataclass
class Scored:
    """One system's decodings of one participant's test sentences (aligned by sentence across participants)."""

    participant: str
    method: str
    minutes: float
    decoder: str
    records: list[dict]                  # per sentence: text, word/character errors and totals, hypothesis
    run: str                             # the run folder's name
    manifest: str                        # its manifest (the table row's source)
    adaptation: dict = field(default_factory=dict)

    def matrix(self, metric: str) -> tuple[list[float], list[float]]:
        err, tot = ("word_errors", "words") if metric == "wer" else ("character_errors", "characters")
        return [r[err] for r in self.records], [r[tot] for r in self.records]


def test_sentences(corpus, participant: str, mode: str = "silent") -> list:
    """A participant's closed-vocabulary test utterances, sorted by sentence (so that row ``i`` is the
    same sentence for every participant: they all read the corpus's one test list)."""
    from semg_study.training.adapt import participant_utterances

    utts = participant_utterances(corpus.utterances(condition="closed", split="test", mode=mode), participant)
    if not utts:
        raise StudyError(f"{corpus.root}: no closed-vocabulary {mode} test utterances of {participant}")
    return sorted(utts, key=lambda u: (u.text, u.id))


def parent_language_model(parent: str | Path):
    """The released model's LM (from its own corpus's training transcripts) and its dev-chosen weights."""
    from semg_study.evaluation.evaluate import ensure_lm, open_run_corpus
    from semg_study.evaluation.lm_weights import tune_lm_weights
    from semg_study.evaluation.output import evaluation_home
    from semg_study.training import load_run

    loaded = load_run(Path(parent))
    corpus = open_run_corpus(loaded.config)
    lm = ensure_lm(RunFolder(evaluation_home(Path(parent))).lm(), corpus, loaded.config, int(loaded.config.decode.lm_order))
    tuned = tune_lm_weights(parent, mode=loaded.config.data.eval_mode, split="dev")
    return lm, {"alpha": tuned["alpha"], "beta": tuned["beta"], "chosen_on": "the study corpus's dev split"}


def decode_participant(run_dir: Path, corpus, participant: str, lm, weights: dict,
                       decoders=("greedy", "beam")) -> dict[str, list[dict]]:
    """Per decoder, per-sentence records of ``run_dir`` on ``participant``'s test sentences.

    Kept in ``<evaluation home>/eval/participant-<P>-test/metrics.json`` under the key of what decides
    them (the run's weights, the LM's text and order, its weights and the beam), and reused while that
    key holds: a released adapted run carries its decodings, so a study re-scores instead of decoding."""
    from semg_study import io
    from semg_study.evaluation.output import evaluation_home
    from semg_study.run_folder import METRICS
    from semg_study.training.fingerprint import weights_digest

    key = {"weights_digest": weights_digest(run_dir), "lm_text": lm.text_fingerprint, "lm_order": lm.order,
           "alpha": weights["alpha"], "beta": weights["beta"], "participant": participant,
           "decoders": sorted(decoders)}
    cache = RunFolder(evaluation_home(Path(run_dir))).evaluations / f"participant-{participant}-test" / METRICS
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    if stored.get("key") == key:
        return stored["records"]
    records = _decode_participant(run_dir, corpus, participant, lm, weights, decoders)
    io.write_json(cache, {"key": key, "records": records})
    return records


def _decode_participant(run_dir: Path, corpus, participant: str, lm, weights: dict, decoders) -> dict[str, list[dict]]:
    from semg_study.data.rates import conform_utterances, run_input_rate
    from semg_study.decoding.beam import BeamDecoder
    from semg_study.decoding.greedy import greedy_decode
    from semg_study.evaluation.evaluate import DEFAULT_BEAM_THRESHOLD, eval_dataset, infer
    from semg_study.evaluation.metrics import score
    from semg_study.training import load_run

    loaded = load_run(run_dir)
    utts = conform_utterances(test_sentences(corpus, participant, loaded.config.data.eval_mode),
                              run_input_rate(loaded))
    log_probs = infer(loaded.model, eval_dataset(loaded, corpus, utts))
    refs, ids = [u.text for u in utts], [u.id for u in utts]
    out = {}
    for decoder in decoders:
        if decoder == "greedy":
            hyps = [greedy_decode(lp[None], vocab=loaded.vocab)[0] for lp in log_probs]
        else:
            beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=weights["alpha"],
                               beta=weights["beta"], beam=int(loaded.config.decode.beam_size), lexicon=True,
                               beam_threshold=DEFAULT_BEAM_THRESHOLD)
            hyps = [beam.decode(lp[None])[0] for lp in log_probs]
        result = score(refs, hyps, ids)
        out[decoder] = [{"id": u.id, "text": u.reference, "hypothesis": u.hypothesis, "word_errors": u.word_errors,
                         "words": u.words, "character_errors": u.character_errors, "characters": u.characters}
                        for u in result.utterances]
    return out


def score_all(parent: str | Path, cells: list[AdaptedCell], data_root: str | Path,
              decoders=("greedy", "beam")) -> list[Scored]:
    """Every cell's decodings, and the released model's zero-shot ones (minutes 0) per participant."""
    from semg_study.data import open_corpus

    corpus = open_corpus(Path(data_root))
    lm, weights = parent_language_model(parent)
    parent = Path(parent)
    systems = [(code, ZERO_SHOT, 0.0, parent) for code in sorted({c.participant for c in cells})]
    systems += [(c.participant, c.method, c.minutes, c.run_dir) for c in cells]
    scored = []
    for code, method, minutes, run_dir in systems:
        manifest = read_manifest(run_dir)
        adaptation = manifest.get("adaptation") or {}
        summary = {"calibration_utterances": adaptation.get("calibration_utterances", 0),
                   "calibration_seconds": adaptation.get("calibration_seconds", 0.0),
                   "epochs": (manifest.get("early_stopping") or {}).get("epochs_trained", 0) if adaptation else 0,
                   "best_epoch": (manifest.get("early_stopping") or {}).get("best_epoch") if adaptation else None,
                   "n_trainable": adaptation.get("n_trainable", 0),
                   "source": manifest.get("source")}
        for decoder, records in decode_participant(Path(run_dir), corpus, code, lm, weights, decoders).items():
            scored.append(Scored(code, method, minutes, decoder, records, Path(run_dir).name,
                                 str(RunFolder(run_dir).manifest), summary))
    _check_aligned(scored)
    return scored


def _check_aligned(scored: list[Scored]) -> None:
    """Every participant must have read the same test sentences (the bootstrap pairs them by position)."""
    texts = {}
    for s in scored:
        texts.setdefault(s.participant, [r["text"] for r in s.records])
    lists = list(texts.values())
    if any(t != lists[0] for t in lists[1:]):
        raise StudyError("the participants' test sentences differ; the participant-and-sentence bootstrap "
                         "needs one test list read by everyone")


# ------------------------------------------------------------------ findings
def _group(scored: list[Scored], decoder: str, method: str, minutes: float) -> list[Scored]:
    return sorted((s for s in scored if s.decoder == decoder and s.method == method and s.minutes == minutes),
                  key=lambda s: s.participant)


def _arrays(group: list[Scored], metric: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = [s.matrix(metric) for s in group]
    return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)


def systems(scored: list[Scored]) -> list[tuple[str, float]]:
    """(method, minutes) of every system scored, zero-shot first, then by minutes and method."""
    order = {m: i for i, m in enumerate([ZERO_SHOT, "adapter", "top", "all", "scratch"])}
    return sorted({(s.method, s.minutes) for s in scored}, key=lambda k: (k[1], order.get(k[0], 9)))


def pct(x) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(100.0 * x, 2)


def calibration_rows(scored: list[Scored], decoder: str) -> list[dict]:
    """One row per method and minutes: pooled WER and CER over the participants with their 95 %
    participant-and-sentence intervals, and how much the runs trained on (the decoder, split,
    participants and interval method are the same for every row: the caption states them)."""
    rows = []
    for method, minutes in systems(scored):
        group = _group(scored, decoder, method, minutes)
        if not group:
            continue
        wer = group_rate_interval(*_arrays(group, "wer"))
        cer = group_rate_interval(*_arrays(group, "cer"))
        rows.append({"method": METHOD_LABELS.get(method, method), "method key": method, "calibration (min)": minutes,
                     "calibration utterances (mean)": round(float(np.mean([g.adaptation["calibration_utterances"]
                                                                           for g in group])), 1),
                     "WER %": pct(wer.value), "WER % CI low": pct(wer.low), "WER % CI high": pct(wer.high),
                     "CER %": pct(cer.value), "CER % CI low": pct(cer.low), "CER % CI high": pct(cer.high),
                     "epochs (mean)": round(float(np.mean([g.adaptation["epochs"] for g in group])), 1),
                     "participants": len(group), "test sentences each": len(group[0].records)})
    return rows


def participant_rows(scored: list[Scored], decoder: str) -> list[dict]:
    """One row per method and minutes: each participant's own test WER (their sentences only)."""
    rows = []
    for method, minutes in systems(scored):
        group = _group(scored, decoder, method, minutes)
        if not group:
            continue
        row = {"method": METHOD_LABELS.get(method, method), "calibration (min)": minutes}
        for g in group:
            e, t = g.matrix("wer")
            row[f"WER % {g.participant}"] = pct(sum(e) / sum(t)) if sum(t) else None
        rows.append(row)
    return rows


def scoring_note(scored: list[Scored], decoder: str) -> dict:
    """What every row of the tables shares (for their captions)."""
    first = next(s for s in scored if s.decoder == decoder)
    return {"participants": len({s.participant for s in scored}), "sentences": len(first.records),
            "decoder": DECODER_LABELS[decoder], "interval": GROUP_METHOD}


def row_manifests(scored: list[Scored], decoder: str) -> list[list[str]]:
    """Per row of :func:`calibration_rows`: the manifests of the runs behind it."""
    return [[g.manifest for g in _group(scored, decoder, method, minutes)]
            for method, minutes in systems(scored) if _group(scored, decoder, method, minutes)]


def calibration_targets(scored: list[Scored], plan: CalibrationPlan, own_test_wer: float, decoder: str = "beam",
                        adapt_methods=("adapter", "all")) -> list[dict]:
    """The issue's two targets, per adaptation method: with ``plan.target_minutes`` of calibration, a
    pooled WER at most ``plan.target_ratio`` x the released model's WER on its own test split; and a
    WER lower than the same architecture trained from scratch on ``plan.scratch_minutes`` (paired over
    participants and sentences: met when the whole interval of the difference lies below 0)."""
    rows = []
    limit = plan.target_ratio * own_test_wer
    scratch = _group(scored, decoder, "scratch", plan.scratch_minutes)
    for method in adapt_methods:
        group = _group(scored, decoder, method, plan.target_minutes)
        if not group:
            continue
        wer = group_rate_interval(*_arrays(group, "wer"))
        rows.append({"method": METHOD_LABELS[method], "method key": method, "test": "WER threshold", "calibration (min)": plan.target_minutes,
                     "own test WER %": pct(own_test_wer), "ratio": plan.target_ratio,
                     "target": f"{METHOD_LABELS[method]} with {plan.target_minutes:g} min: WER <= "
                               f"{plan.target_ratio:g} x the released model's own test WER",
                     "measured": pct(wer.value), "measured CI low": pct(wer.low), "measured CI high": pct(wer.high),
                     "threshold": pct(limit), "met": bool(wer.value is not None and wer.value <= limit),
                     "verdict": None, "decoder": DECODER_LABELS[decoder]})
        if scratch and [g.participant for g in scratch] == [g.participant for g in group]:
            ea, t = _arrays(group, "wer")
            eb, _ = _arrays(scratch, "wer")
            cmp = group_paired_comparison(ea, eb, t)
            rows.append({"method": METHOD_LABELS[method], "method key": method, "test": "against scratch",
                         "calibration (min)": plan.target_minutes, "scratch (min)": plan.scratch_minutes,
                         "target": f"{METHOD_LABELS[method]} with {plan.target_minutes:g} min better than "
                                   f"from scratch with {plan.scratch_minutes:g} min (WER difference)",
                         "measured": pct(cmp.difference.value), "measured CI low": pct(cmp.difference.low),
                         "measured CI high": pct(cmp.difference.high), "threshold": 0.0,
                         "met": cmp.verdict == "better", "verdict": cmp.verdict, "decoder": DECODER_LABELS[decoder]})
    return rows


def calibration_figure(scored: list[Scored], decoder: str, own_test: dict | None = None,
                       target_ratio: float | None = None):
    """WER and CER (pooled over participants, 95 % participant-and-sentence intervals) against minutes
    of calibration EMG, one line per method; the released model zero-shot and on its own test split
    as horizontal references."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharex=True)
    colours = {"adapter": "#1b9e77", "top": "#7570b3", "all": "#d95f02", "scratch": "#666666"}
    methods = [m for m in dict.fromkeys(m for m, _ in systems(scored)) if m != ZERO_SHOT]
    for ax, metric in zip(axes, ("wer", "cer")):
        top = 100.0  # rates above 100 % (insertions) stay on the axis
        for method in methods:
            points = [(minutes, group_rate_interval(*_arrays(_group(scored, decoder, method, minutes), metric)))
                      for m, minutes in systems(scored) if m == method]
            x = np.array([p[0] for p in points])
            y = np.array([100 * p[1].value for p in points])
            lo = np.array([100 * (p[1].value - p[1].low) if p[1].low is not None else 0 for p in points])
            hi = np.array([100 * (p[1].high - p[1].value) if p[1].high is not None else 0 for p in points])
            ax.errorbar(x, y, yerr=[lo, hi], marker="o", capsize=3, color=colours.get(method),
                        label=METHOD_LABELS[method])
            top = max(top, float(np.max(y + hi)))
        zero = _group(scored, decoder, ZERO_SHOT, 0.0)
        if zero:
            z = group_rate_interval(*_arrays(zero, metric))
            ax.axhline(100 * z.value, color="#e7298a", ls="--", lw=1.2,
                       label=f"{METHOD_LABELS[ZERO_SHOT]} ({100 * z.value:.1f} %)")
        if own_test and own_test.get(metric) is not None:
            ax.axhline(100 * own_test[metric], color="black", ls=":", lw=1.2,
                       label=f"released model, its own test split ({100 * own_test[metric]:.1f} %)")
            if metric == "wer" and target_ratio:
                ax.axhline(100 * target_ratio * own_test[metric], color="black", ls="-.", lw=0.8,
                           label=f"target: {target_ratio:g} x its own test WER")
        ticks = sorted({m for _, m in systems(scored) if m > 0})
        if len(ticks) > 1:  # minutes spread over a decade and more: a log axis (one budget: a plain one)
            ax.set_xscale("log")
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.set_xlabel("calibration EMG per participant (minutes" + (", log scale)" if len(ticks) > 1 else ")"))
        ax.set_ylabel(f"{metric.upper()} on the participants' test sentences (%)")
        ax.set_ylim(0, 1.05 * top)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7.5, loc="lower left")
    fig.tight_layout()
    return fig
