"""Chapter: the training and evaluation protocol (splits, budgets, seeds, early stopping, the LM and how its
weights are chosen, the metrics), every setting read from the code or the run manifests."""
from __future__ import annotations

from semg_study.report.thesis.common import MODEL_NAMES, TABLE_NAMES, ci_level, code_value, join
from semg_study.chapters.dissertation.models import FAMILIES, headline_runs
from semg_study.report.thesis.values import Q, Source, Word, code, derived

KIND = "chapter"
TEXT = """
# Training and Evaluation Protocol

Every model is trained, selected and scored by the same code, with the same split and the same decoders,
so that the differences between the results chapters come from the models and not from the way they were
run. This chapter states the rules; every setting in it is read from the code or from the manifests of the
runs.

## Splits and modes

[[if closed_test]]
Each vocabulary has its own dev and test sentences: {closed_dev:noun(dev sentence)} and
{closed_test:noun(test sentence)} on the closed vocabulary, {open_dev} and {open_test} on the open one.
[[end]]
Models are trained on the silent and the voiced recordings of the training sentences together
[[if any_run]]
(the configurations' training modes: {train_modes})
[[end]]
, and scored on the silent recordings of the test
sentences, the task a silent speech interface faces. Neither mode of a dev or test sentence is ever
trained on. The dev split chooses the checkpoint of each run and the weights of the language model; the
test split is used only to report.

## Optimisation

All models are trained with AdamW and a learning-rate schedule of their configuration.
[[if any_run]]
MyoStream's warms up linearly and is then halved at fixed epochs, with weight decay {weight_decay} and
gradients clipped at a norm of {grad_clip}.
[[end]]
The schedules, rates, warm-up lengths and batch sizes of every run are in Appendix
{ref.chapter_appendix_hyperparameters}. Batches are filled up to a total number of raw samples (the
raw-EMG models) or hold a fixed number of utterances (DeepSpeech2).

## Budgets and early stopping

[[if any_run]]
A run ends at its epoch ceiling or earlier, when its dev {best_metric} has not improved for
{patience:noun(epoch)}; the checkpoint with the best dev {best_metric} is the one evaluated.
[[end]]
While a run
has not yet left CTC's all-blank plateau (best dev CER at or above {plateau}), a new best dev loss counts as
progress too, so early stopping never ends a run just before it starts to decode. No run is stopped to fit
a time budget. {ref.budgets} gives, for every run behind the results chapters, its ceiling, the epochs
it trained and whether it stopped early.

[[budgets]]

[[if at_ceiling]]
{at_ceiling_n:words|1=One run|*=Several runs} stopped at {at_ceiling_n:words|1=its|*=their} ceiling
while {at_ceiling_n:words|1=its|*=their} dev {best_metric} was still improving, within the patience of the
ceiling ({at_ceiling}): {at_ceiling_n:words|1=it|*=they} might have improved with more epochs, and
{at_ceiling_n:words|1=its|*=their} error rates are upper bounds on what
{at_ceiling_n:words|1=that model reaches|*=those models reach} under this protocol (and
{at_ceiling_n:words|1=its|*=their} accuracy a lower bound). Runs compared with each other therefore did not all use the same number of epochs,
even though they had the same rule.
[[end]]

## Seeds

[[if one_seed]]
Each headline run (every model of Chapters {ref.chapter_audio_baselines} to {ref.chapter_myostream}) was
trained with one seed ({headline_seeds}).
[[if ablation_seeds]]
The ablations were trained with {ablation_seeds:noun(seed)} each.
[[end]]
An interval over the test utterances therefore does not include the variation between training runs,
which the ablations show to be large (Chapter {ref.chapter_ablations}).
[[if seed_comparison]]
For that reason the closed-vocabulary comparison of the EMG models was repeated as a seed comparison: each
model trained with {seed_comparison.seeds:noun(seed)} under one budget rule (at most
{seed_comparison.ceiling:noun(epoch)}, stopped after {seed_comparison.patience:noun(epoch)} without a better
dev CER), scored with each decoder on the test split, and summarised by the mean over seeds with an interval
from a bootstrap that resamples both the seeds and the test utterances (Chapter {ref.chapter_myostream}).
MyoStream's streaming settings and the ablations were trained again under the same rule, with
{seed_comparison.other_seeds:noun(seed)} each (Chapters {ref.chapter_ablations} and {ref.chapter_latency}).
[[end]]
[[else]]
[[if any_seeds]]
The headline runs were trained with several seeds; their intervals resample the seeds as well as the
utterances.
[[else]]
No run has been trained yet.
[[end]]
[[end]]

## The language model and its weights

[[if any_run]]
The beam search reads a word {lm_order}-gram language model, estimated with {lm_method} ({cite.chen1998}), from the training
transcripts of the run's vocabulary together with the corpus's held-out language-model text; no dev or
test sentence is ever part of it. The search is restricted to a lexicon of the language model's words and
keeps {beam_size:noun(hypothesis)}.
[[end]]
The language-model weight and the word bonus of
{ref.eq_beam} are chosen for each run on the {tuning_split} split from one grid, the same for every
model: LM weights {alpha_grid} and word bonuses {beta_grid}. The lowest dev WER wins, then the lowest dev
CER, then the smaller LM weight. A weak acoustic model wants a lighter language model than a strong one, so a fixed setting would favour
whichever model it happens to suit. The weights chosen on the dev split (the silent recordings for the EMG models, the voiced
audio for DeepSpeech2 on audio) are these:

[[weights]]

Because the weights are chosen on dev, the dev error rates with the language model are optimistic; the
test error rates are not.
[[if bonus_edge]]
Of the {weighted_runs:noun(run)}, {bonus_edge:words} chose the largest word bonus of the grid, {beta_max}: the best bonus for
{bonus_edge:words|1=that run|*=those runs} may lie beyond the grid, so {bonus_edge:words|1=its|*=their} error rates
with the language model may be higher than a wider grid would give. The grid was not widened in this version.
[[end]]

## Metrics and intervals

Error rates are corpus-level (Chapter {ref.chapter_ctc}), after one text normalisation of references and
hypotheses alike. Each carries a {ci_level} interval from {n_resamples:noun(bootstrap resample)} over the
test utterances; comparisons are paired on the same utterances, with the verdicts of Chapter
{ref.chapter_ctc}.

## Compute

[[if cpus]]
Everything ran on a machine with {cpus:noun(CPU core)} and {memory} of memory, without a GPU. Independent
runs were trained {workers:words} at a time, one PyTorch thread each; trained runs are released with the repository
and reused by later studies, so the study regenerates its results without retraining.
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {"ci_level": ci_level(r),
                "n_resamples": code_value(r, "count", "semg_study.evaluation.confidence", "N_RESAMPLES"),
                "plateau": code_value(r, "pct", "semg_study.training.loop", "PLATEAU_CER", scale=100.0),
                "lm_method": code_value(r, "text", "semg_study.decoding.lm", "METHOD"),
                "tuning_split": code_value(r, "text", "semg_study.evaluation.lm_weights", "LM_TUNING_SPLIT")}
    from semg_study.evaluation.lm_weights import LM_GRID

    ns["alpha_grid"] = join([ctx.cell(Q(v, "hyper", code("semg_study.evaluation.lm_weights", "LM_GRID", "alpha", i)))
                             for i, v in enumerate(LM_GRID["alpha"])])
    ns["beta_grid"] = join([ctx.cell(Q(v, "hyper", code("semg_study.evaluation.lm_weights", "LM_GRID", "beta", i)))
                            for i, v in enumerate(LM_GRID["beta"])])
    per_run = ((r.benchmark or {}).get("lm_weights") or {}).get("per_run") or {}
    if per_run:
        # runs whose chosen word bonus is the grid's largest: their best setting may lie outside the grid
        src = lambda key: Source(r.benchmark_file, ("lm_weights", "per_run", key, "beta"))  # noqa: E731
        top = max(LM_GRID["beta"])
        edge = [key for key, w in per_run.items() if w.get("beta") == top]
        if edge:
            ns["bonus_edge"] = r.q(len(edge), "int", derived("count", *[src(k) for k in edge]))
            ns["weighted_runs"] = r.q(len(per_run), "int", derived("count", *[src(k) for k in per_run]))
            ns["beta_max"] = Q(top, "hyper", code("semg_study.evaluation.lm_weights", "LM_GRID", "beta",
                                                  LM_GRID["beta"].index(top)))
    parts = {(p.vocabulary, p.split, p.mode): p for p in r.corpus}
    for v in ("closed", "open"):
        for s in ("dev", "test"):
            p = parts.get((v, s, "silent"))
            if p:
                ns[f"{v}_{s}"] = p.utterances
    runs = headline_runs(r)
    any_run = r.runs.get(runs.get("myostream", "")) or next(iter(r.runs.values()), None)
    ns["any_run"] = bool(any_run)
    if any_run:
        m = any_run.manifest
        t = any_run.data.get("train", {})
        d = any_run.data.get("decode", {})
        ns.update({"weight_decay": Q(t.get("weight_decay"), "hyper", Source(m, ("config", "train", "weight_decay"))),
                   "grad_clip": Q(t.get("grad_clip"), "hyper", Source(m, ("config", "train", "grad_clip"))),
                   "patience": any_run.patience,
                   "best_metric": Q(str(t.get("best_metric", "")).upper(), "text",
                                    derived("upper", Source(m, ("config", "train", "best_metric")))),
                   "lm_order": Q(d.get("lm_order"), "int", Source(m, ("config", "decode", "lm_order"))),
                   "beam_size": Q(d.get("beam_size"), "int", Source(m, ("config", "decode", "beam_size"))),
                   "train_modes": Q(" and ".join(any_run.data.get("data", {}).get("train_modes", [])), "text",
                                    derived("joined", Source(m, ("config", "data", "train_modes"))))})
    budget_runs = _budget_runs(r)
    # stopped at the ceiling while still improving: its best epoch lies within the patience of the ceiling, so
    # early stopping had not yet fired (a run whose best epoch is a full patience back would have stopped there)
    at_ceiling = [x for x in budget_runs if not x.stopped_early and x.epochs and x.max_epochs
                  and x.epochs.value >= x.max_epochs.value
                  and not (x.best_epoch and x.patience and x.epochs.value - x.best_epoch.value >= x.patience.value)]
    if at_ceiling:
        ns["at_ceiling"] = "; ".join(f"{MODEL_NAMES.get(x.model, x.model)} on the {x.vocabulary} vocabulary" for x in at_ceiling)
        ns["at_ceiling_n"] = r.q(len(at_ceiling), "int", Source("structure", (len(at_ceiling),)))
    seeds = sorted({len(s.seeds) for s in r.scores})
    ns["one_seed"] = seeds == [1]
    mine = r.seed_mean("closed", "myostream", "closed", "beam")
    rule = next((b for b in r.budget_rules if b.part == "closed"), None)
    other = [m for m in r.seed_means if m.part in ("ablations", "streaming") and m.decoder == "beam"]
    if mine is not None and rule is not None and rule.ceiling is not None and other \
            and len({m.seeds.value for m in other}) == 1:
        ns["seed_comparison"] = {"seeds": mine.seeds, "ceiling": rule.ceiling, "patience": rule.patience,
                                 "other_seeds": other[0].seeds}
    ns["any_seeds"] = bool(seeds)
    first = [s for s in r.scores if s.model == "myostream"]
    if first:
        run = r.runs.get(first[0].run)
        if run:
            ns["headline_seeds"] = Q(f"seed {run.seed.value}", "text", derived("seed_text", run.seed.source))
    if r.ablations:
        a = r.ablations[0]
        ns["ablation_seeds"] = r.q(len(a.seeds), "int", derived("count_list", Source(
            "tables/06_ablations.json", ("rows", 0, "values", "seeds"))))
    run = r.study_run if isinstance(r.study_run, dict) else {}
    machine = run.get("machine") or {}
    if machine.get("cpu_count"):
        ns["cpus"] = Q(machine["cpu_count"], "int", Source("study_run.json", ("machine", "cpu_count")))
        ns["memory"] = Q(machine.get("memory_gb"), "gb", Source("study_run.json", ("machine", "memory_gb")))
    if r.profile:
        ns["workers"] = code_value(r, "int", "semg_study.recipes.profiles", "PROFILES", r.profile, "plan", "workers")
    return ns


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["upper"] = lambda s: str(s).upper()
DERIVED["joined"] = lambda seq: " and ".join(seq)
DERIVED["seed_text"] = lambda s: f"seed {s}"


def _budget_runs(r):
    out = []
    for vocabulary in ("closed", "open"):
        for model, run in headline_runs(r, vocabulary).items():
            info = r.runs[run]
            if info not in out:
                out.append(info)
    return out


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def budgets():
        rows = []
        for info in _budget_runs(r):
            rows.append([TABLE_NAMES.get(info.model, info.model), info.vocabulary, info.max_epochs, info.patience,
                         info.epochs, "yes" if info.stopped_early else "no", info.best_epoch, info.train_wall_s])
        caption = ("Training budget of each run behind the results chapters (closed and open vocabulary), from the "
                   "run manifests: the epoch ceiling, the patience of early stopping, the epochs trained, whether "
                   "the run stopped early, the epoch of the checkpoint evaluated, and the wall time of its "
                   "training process (of a run resumed from a checkpoint: from its first start to its end, pauses "
                   "included).")
        return [ctx.table("budgets", caption, ns, ["model", "vocabulary", "ceiling", "patience", "epochs",
                                                   "stopped early", "best epoch", "training time"], rows)]

    def weights():
        b = r.benchmark or {}
        per_run = (b.get("lm_weights") or {}).get("per_run") or {}
        if not per_run:
            return []
        names = {"deepspeech2": "DeepSpeech2 (EMG features)", "gaddy2022": "Reproduction", "myostream": "MyoStream",
                 "myostream_full_context": "MyoStream, full context", "ds2audio": "DeepSpeech2 (audio)"}
        rows = []
        for key, w in per_run.items():
            model, _, vocabulary = key.partition("/")
            src = lambda f: Source(r.benchmark_file, ("lm_weights", "per_run", key, f))  # noqa: E731
            rows.append([names.get(model, model), vocabulary, Q(w["alpha"], "hyper", src("alpha")),
                         Q(w["beta"], "hyper", src("beta"))])
        caption = ("Language-model weight and word bonus chosen for each run of the benchmark on the dev split "
                   "(silent EMG for the EMG models, voiced audio for DeepSpeech2 on audio).")
        return [ctx.table("weights", caption, ns, ["model", "vocabulary", "LM weight", "word bonus"], rows)]

    return {"budgets": budgets, "weights": weights}
