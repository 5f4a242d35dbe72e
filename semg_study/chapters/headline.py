"""Issue 22's comparison: its queue of runs, and the analysis that turns the finished runs into results.

The runs are the profile's ``headline`` knobs (:mod:`semg_study.recipes.profiles`): every
model of a comparison under one budget rule (epoch ceiling and patience), several seeds,
sizes of MyoStream and the reproduction, MyoStream's streaming settings, the ablations and
the open vocabulary. ``benchmarks/headline_queue.py`` trains them (:func:`queue` is its list);
this module only reads them. Nothing here trains: a run that is not finished is listed as
missing.

* :func:`queue` / :func:`headline_runs`: the specs, each located (the runs folder, else the
  released copy), grouped by model, condition and setting, with the seeds present and missing.
* :func:`evaluate_headline`: every present run scored on the test split (greedy, and beam
  search with the LM weights chosen on dev), per-utterance records kept.
* :func:`seed_rows`, :func:`model_summaries`, :func:`pairwise_verdicts`, :func:`part_verdicts`,
  :func:`budget_rule`: the seed-level table, each model's mean, sd over seeds and
  seed-and-utterance interval, the verdicts of MyoStream against each baseline (and of each
  ablation against the full model), and whether the budget rule holds.
* :func:`size_points`, :func:`measure_size_latency`, :func:`equal_findings`, :func:`plot_size`:
  WER against parameters and against response latency, and which model is more accurate at
  equal parameters and at equal latency.
* :func:`algorithmic_latency_ms`, :func:`streaming_points`, :func:`select_streaming`,
  :func:`plot_streaming`: the streaming trade-off and the issue's selection rule.

Every number is a fraction (WER 0.25 is 25 %); the dataclasses are the typed rows
(``dataclasses.asdict`` or :func:`as_rows` make them table rows). With one seed a model's
interval is the bootstrap over utterances only, and each row says so.

**Equal parameters, equal latency (the method).** Each model's points (one per size: the
seed mean of its WER) make a curve, piecewise linear in log10 of the x axis (parameters, or
response latency p50). At every measured point of one model whose x lies inside the other
model's measured range, the other model's WER is interpolated between its two neighbouring
sizes (weight ``w`` on the larger), and the difference MyoStream - reproduction is taken
there. Its 95 % interval is a seed-and-utterance bootstrap of that contrast
(:func:`semg_study.evaluation.confidence.seed_contrast_utterances`: the test utterances drawn
once for every size of both models, each size's seeds drawn independently), so the verdict
accounts for seeds and utterances, though not for the curve's shape between two sizes.
Points outside the other model's range are "not determinable" (no extrapolation), as is any
point without per-utterance records.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from semg_study.errors import ConfigError
from semg_study.run_folder import RunFolder

PARTS = ("closed", "sizes", "streaming", "ablations", "open")
PROPOSED = "myostream"
REFERENCE = "gaddy2022"
# the models as the figures name them (the tables keep the config families, which the text maps itself)
FIGURE_NAMES = {"myostream": "MyoStream", "gaddy2022": "reproduction", "ds2emg": "DeepSpeech2\n(EMG features)"}
DECODERS = ("greedy", "beam")
# the streaming rule: within 10 % relative WER of full context at <= 250 ms algorithmic latency
MAX_ALGORITHMIC_MS = 250.0
MAX_RELATIVE_COST = 0.10
NOT_DETERMINABLE = "not determinable"
SEEDS_AND_UTTERANCES = "bootstrap over seeds and utterances (percentile)"
UTTERANCES_ONLY = "bootstrap over utterances only (one seed: the spread over seeds is unknown)"
NO_RUN = "no finished run"
STUDY_SIZE = "study size"
FULL_CONTEXT = "full context"


# ------------------------------------------------------------------ the queue

def headline_knobs(profile: str) -> dict | None:
    """The profile's ``headline`` knobs (a copy), or None where the profile has none."""
    from semg_study.recipes.profiles import plan_knobs

    return plan_knobs(profile).get("headline")


def _parts(part) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in part.split(",")) if isinstance(part, str) else tuple(part)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ConfigError(f"unknown part {unknown[0]!r}; expected some of {', '.join(PARTS)}")
    return parts


def _setting(overrides: dict, budget: dict) -> dict:
    """What makes a run a variant: its overrides apart from the budget and the condition."""
    return {k: v for k, v in overrides.items() if k not in budget and k not in ("data.condition", "train.epochs")}


def queue(profile: str, parts=PARTS, knobs: dict | None = None) -> list[dict]:
    """The specs of the profile's headline knobs, part by part, seed-major within a part.

    ``benchmarks/headline_queue.py`` trains them in this order. Each spec is a plan spec
    (``config``, ``overrides``, ``seed``, ``corpus``, ``label``) plus what the analysis groups
    by: ``base`` (the model), ``condition``, ``part`` and ``setting`` (the overrides that make
    the variant, apart from the budget and the condition); those keys do not enter a run's
    fingerprint. ``knobs``: the headline knobs to use (default: the profile's)."""
    k = knobs if knobs is not None else headline_knobs(profile)
    if not k:
        raise ConfigError(f"profile {profile!r} has no headline knobs (recipes/profiles.py, plan.headline)")
    budget = dict(k["budget"])
    specs = []

    def add(part, base, condition, seed, extra=None, label=""):
        specs.append(_make_spec(profile, part, base, condition, seed, budget, extra, label))

    for part in _parts(parts):
        if part == "closed":
            for seed in k["closed_seeds"]:
                for base in k["models"]:
                    add(part, base, "closed", seed, label=f"{base} closed seed {seed}")
        elif part == "sizes":
            for seed in k["size_seeds"]:
                for base, sizes in k["sizes"].items():
                    for size in sizes:
                        add(part, base, "closed", seed, size, label=f"{base} size {size} seed {seed}")
        elif part == "streaming":
            for seed in k["streaming_seeds"]:
                for setting in k["streaming"]:
                    add(part, "myostream", "closed", seed, setting,
                        label=f"myostream streaming {setting} seed {seed}")
        elif part == "ablations":
            from semg_study.chapters.plan import plan

            for spec in plan(profile)["ablations"]["runs"]:
                overrides = {key: v for key, v in spec["overrides"].items() if key != "train.epochs"}
                overrides = {**overrides, **budget}
                specs.append({**spec, "overrides": overrides, "label": f"ablation {spec.get('label')}",
                              "part": part, "setting": _setting(overrides, budget)})
        elif part == "open":
            for seed in k["open_seeds"]:
                for base in k["models"]:
                    add(part, base, "open", seed, label=f"{base} open seed {seed}")
    return specs


def _make_spec(profile: str, part: str, base: str, condition: str, seed: int, budget: dict,
               extra: dict | None = None, label: str = "") -> dict:
    from semg_study.recipes.profiles import config_name

    overrides = {"data.condition": condition, **budget, **(extra or {})}
    return {"config": config_name(base, profile), "overrides": overrides, "seed": seed, "corpus": "dv",
            "label": label or base, "base": base, "condition": condition, "part": part,
            "setting": _setting(overrides, budget)}


def _reference_specs(profile: str, parts: tuple[str, ...], k: dict) -> list[dict]:
    """The study's own setting as one point of the size and streaming curves: the closed-vocabulary
    spec of each model (the ``closed`` part trains it) for the seeds of that part."""
    out = []
    curves = (("sizes", list(k.get("sizes") or {}), k.get("size_seeds") or []),
              ("streaming", ["myostream"] if k.get("streaming") else [], k.get("streaming_seeds") or []))
    for part, models, seeds in curves:
        if part in parts:
            out += [{**_make_spec(profile, part, base, "closed", seed, dict(k["budget"]),
                                  label=f"{base} closed seed {seed}"), "reference": True}
                    for seed in seeds for base in models]
    return out


# ------------------------------------------------------------------ located runs, grouped

@dataclass
class HeadlineRun:
    """One spec of the queue and where its finished run is (``run_dir`` None: not finished)."""
    spec: dict
    part: str
    model: str
    condition: str
    setting: dict
    label: str            # the setting as words ("study size", "d_model=16", "chunk 2, look-ahead 0", ...)
    seed: int
    run_dir: Path | None
    status: str           # "found" | "in progress" (an unfinished run folder) | "missing"
    source: str | None    # "released" | "trained" | "local" (the run's manifest), None when not found
    reference: bool = False   # the study's setting, borrowed from the closed part

    @property
    def present(self) -> bool:
        return self.run_dir is not None


@dataclass
class HeadlineGroup:
    """The seeds of one model, condition and setting within a part."""
    part: str
    model: str
    condition: str
    setting: dict
    label: str
    reference: bool
    runs: list[HeadlineRun] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.part}/{self.model}/{self.condition}/{self.label}"

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(r.seed for r in self.runs)

    @property
    def present(self) -> list[HeadlineRun]:
        return [r for r in self.runs if r.present]

    @property
    def seeds_present(self) -> tuple[int, ...]:
        return tuple(r.seed for r in self.present)

    @property
    def seeds_missing(self) -> tuple[int, ...]:
        return tuple(r.seed for r in self.runs if not r.present)


@dataclass
class HeadlineRuns:
    """The located queue: groups in queue order (the study's setting first within sizes and streaming)."""
    profile: str
    parts: tuple[str, ...]
    runs_root: Path | None
    groups: list[HeadlineGroup]
    note: str | None = None   # why there are no groups, where there are none

    def find(self, part: str | None = None, model: str | None = None, condition: str | None = None,
             label: str | None = None) -> list[HeadlineGroup]:
        return [g for g in self.groups if (part is None or g.part == part) and (model is None or g.model == model)
                and (condition is None or g.condition == condition) and (label is None or g.label == label)]

    def _unique(self, present: bool) -> list[HeadlineRun]:
        seen, out = set(), []
        for g in self.groups:
            for r in g.runs:
                key = _spec_key(r.spec)
                if r.present == present and key not in seen:
                    seen.add(key)
                    out.append(r)
        return out

    @property
    def present(self) -> list[HeadlineRun]:
        """Every finished run once (a run may stand in several groups: the study's setting)."""
        return self._unique(True)

    @property
    def missing(self) -> list[HeadlineRun]:
        """Every spec without a finished run, once (never trained here: ``benchmarks/headline_queue.py``)."""
        return self._unique(False)

    def availability(self) -> list[dict]:
        """One row per group: which seeds are planned, present, missing and in progress."""
        return [{"part": g.part, "model": g.model, "condition": g.condition, "setting": g.label,
                 "seeds planned": list(g.seeds), "seeds present": list(g.seeds_present),
                 "seeds missing": list(g.seeds_missing),
                 "in progress": [r.seed for r in g.runs if r.status == "in progress"],
                 "runs": [r.run_dir.name for r in g.present]} for g in self.groups]


def _spec_key(spec: dict) -> str:
    return json.dumps([spec["config"], spec["overrides"], spec["seed"], spec.get("corpus", "dv")], sort_keys=True,
                      default=str)


def setting_label(part: str, setting: dict, reference: bool = False) -> str:
    """A setting in words: ``study size``, ``d_model=16, n_layers=3``, ``chunk 2, look-ahead 0``,
    ``full context``, ``without conv_module``, or ``study`` for the study's own configuration."""
    if part == "streaming":
        if reference or not setting:
            return "study setting"
        if setting.get("model.streaming_mask") is False:
            return FULL_CONTEXT
    if part == "sizes" and (reference or not setting):
        return STUDY_SIZE
    if part == "ablations":
        off = [k.split(".", 1)[1] for k, v in setting.items() if v is False]
        return "full model" if not setting else "without " + ", ".join(off) if off else _plain(setting)
    if part == "streaming" and {"model.chunk", "model.lookahead"} <= set(setting):
        rest = {k: v for k, v in setting.items() if k not in ("model.chunk", "model.lookahead")}
        words = f"chunk {setting['model.chunk']}, look-ahead {setting['model.lookahead']}"
        return f"{words}, {_plain(rest)}" if rest else words
    return _plain(setting) if setting else "study"


def _plain(setting: dict) -> str:
    return ", ".join(f"{k.split('.', 1)[-1]}={v}" for k, v in setting.items())


def _manifest(run_dir: Path) -> dict:
    try:
        value = json.loads(RunFolder(run_dir).manifest.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def locate(spec: dict, profile: str, runs_root, data_root=None, released: bool = True,
           copy_released: bool = True, corpora: dict | None = None) -> tuple[Path | None, str]:
    """Where a spec's finished run is, and its status; never trains.

    The runs folder first (:func:`~semg_study.experiments.plan_runs.locate_run`'s check); else,
    when released runs are enabled, the released copy of the same fingerprint: copied into
    the runs folder through :func:`~semg_study.experiments.plan_runs.plan_run` (which then only
    reuses it) when ``copy_released`` and no run folder of that name exists there, else used
    where it lies (read-only; its evaluations are written outside it). Status ``in progress``:
    an unfinished run folder of the spec's fingerprint (a training under way or interrupted).
    ``corpora``: opened corpora shared between calls (:func:`~semg_study.experiments.plan_runs.spec_run_dir`)."""
    from semg_study.experiments.plan_runs import finished_run, plan_run, spec_run_dir
    from semg_study.training.released import released_root

    local, fingerprint = spec_run_dir(spec, profile, runs_root, data_root, corpora)
    if finished_run(local, fingerprint):
        return local, "found"
    if released:
        copy = released_root() / local.name
        if finished_run(copy, fingerprint):
            if copy_released and not local.exists():
                found = Path(plan_run(spec, profile, runs_root=runs_root, data_root=data_root))
                return found, "found"
            return copy, "found"
    return None, "in progress" if RunFolder(local).manifest.is_file() else "missing"


def headline_runs(profile: str, part=PARTS, runs_root=None, data_root=None, released: bool = True,
                  copy_released: bool = True, knobs: dict | None = None) -> HeadlineRuns:
    """The queue's specs of ``part`` (a name, a comma-separated list or a sequence), each located
    (:func:`locate`: nothing is trained), grouped by part, model, condition and setting.

    The size and streaming parts also hold the study's own setting (the closed-vocabulary
    runs, ``reference=True``) as one point of their curves. A profile without headline knobs
    gives no groups and a ``note``. ``data_root``: the corpus the runs read (default: the
    profile's synthetic corpus); ``runs_root``: default ``$SEMG_STUDY_RUNS`` or ``runs/``."""
    from semg_study.locations import default_runs_root

    parts = _parts(part)
    k = knobs if knobs is not None else headline_knobs(profile)
    runs_root = Path(runs_root) if runs_root is not None else default_runs_root()
    if not k:
        return HeadlineRuns(profile, parts, runs_root, [], note=f"profile {profile!r} has no headline comparison")
    if data_root is None:  # the profile's synthetic corpus, found (or made) once
        from semg_study.report.paths import study_paths

        data_root = study_paths(profile, None, None, runs_root).data_root
    corpora: dict = {}
    specs = _reference_specs(profile, parts, k) + queue(profile, parts, k)
    order = {p: i for i, p in enumerate(parts)}
    specs.sort(key=lambda s: order[s["part"]])  # stable: the study's setting first within its part
    located: dict[str, tuple[Path | None, str]] = {}
    groups: dict[tuple, HeadlineGroup] = {}
    for spec in specs:
        key = _spec_key(spec)
        if key not in located:
            located[key] = locate(spec, profile, runs_root, data_root, released, copy_released, corpora)
        run_dir, status = located[key]
        reference = bool(spec.get("reference"))
        setting = {} if reference else dict(spec.get("setting") or {})
        label = setting_label(spec["part"], setting, reference)
        if reference and spec["part"] == "streaming":
            kw = _resolved_model(spec)
            label = f"chunk {kw.get('chunk')}, look-ahead {kw.get('lookahead')} (study)"
        base, condition = spec.get("base") or spec["config"].rsplit("-", 1)[0], spec.get("condition")
        gkey = (spec["part"], base, condition, label)
        group = groups.setdefault(gkey, HeadlineGroup(spec["part"], base, condition, setting, label, reference))
        source = None
        if run_dir is not None:
            source = {"released": "released", "trained": "trained"}.get(_manifest(run_dir).get("source"), "local")
        group.runs.append(HeadlineRun(spec, spec["part"], base, condition, setting, label, int(spec["seed"]),
                                      run_dir, status, source, reference))
    for g in groups.values():
        g.runs.sort(key=lambda r: r.seed)
    return HeadlineRuns(profile, parts, runs_root, list(groups.values()))


# ------------------------------------------------------------------ scores of the runs

@dataclass(frozen=True)
class RunScores:
    """One run's corpus WER/CER with one decoder, and its per-utterance records (for the bootstraps)."""
    run: str
    decoder: str
    split: str
    mode: str | None
    wer: float | None
    cer: float | None
    records: tuple          # dicts: id, word_errors, words, character_errors, characters
    lm_weights: dict | None = None
    out_dir: str | None = None


def _record(u) -> dict:
    if isinstance(u, dict):
        d = dict(u)
        words_err = d.get("word_errors", d.get("substitutions", 0) + d.get("deletions", 0) + d.get("insertions", 0))
        return {"id": d["id"], "word_errors": words_err, "words": d["words"],
                "character_errors": d["character_errors"], "characters": d["characters"]}
    return {"id": u.id, "word_errors": u.word_errors, "words": u.words, "character_errors": u.character_errors,
            "characters": u.characters}


def run_scores(run: str | Path, decoder: str, metrics: dict, records=None, split: str = "test",
               mode: str | None = None) -> RunScores:
    """:class:`RunScores` of an evaluation (``metrics`` as ``evaluate_decoder`` returns it; its
    per-utterance records read from ``metrics['out_dir']`` unless given)."""
    if records is None:
        from semg_study.evaluation.output import read_evaluation

        records = read_evaluation(metrics["out_dir"])[1]
    return RunScores(str(run), decoder, metrics.get("split", split), metrics.get("mode", mode), metrics.get("wer"),
                     metrics.get("cer"), tuple(_record(u) for u in records), metrics.get("lm_weights"),
                     metrics.get("out_dir"))


def evaluate_headline(runs, split: str = "test", mode: str | None = None, decoders: Sequence[str] = DECODERS,
                      evaluate=None) -> dict[str, dict[str, RunScores]]:
    """Every present run scored once per decoder: ``{run folder: {decoder: RunScores}}``.

    ``runs``: a :class:`HeadlineRuns`, groups, or run folders. ``evaluate(run_dir, split, decoder,
    mode) -> metrics`` defaults to :func:`~semg_study.experiments.run_evaluation.evaluate_decoder`
    (greedy as is; the beam search with its LM weight and word bonus chosen on dev: the test
    split never takes part in a choice); decodings are cached by weights, so a rerun only rescores."""
    if evaluate is None:
        from semg_study.experiments.run_evaluation import evaluate_decoder as evaluate
    out: dict[str, dict[str, RunScores]] = {}
    for run_dir in _run_dirs(runs):
        key = str(run_dir)
        if key in out:
            continue
        out[key] = {d: run_scores(run_dir, d, evaluate(run_dir, split, d, mode), split=split, mode=mode)
                    for d in decoders}
    return out


def _run_dirs(runs) -> list[Path]:
    if isinstance(runs, HeadlineRuns):
        return [r.run_dir for r in runs.present]
    out = []
    for item in runs:
        if isinstance(item, HeadlineGroup):
            out += [r.run_dir for r in item.present]
        elif isinstance(item, HeadlineRun):
            if item.present:
                out.append(item.run_dir)
        else:
            out.append(Path(item))
    return out


def _groups(runs) -> list[HeadlineGroup]:
    return runs.groups if isinstance(runs, HeadlineRuns) else list(runs)


def _scores_of(scores: dict, run: HeadlineRun, decoder: str) -> RunScores | None:
    return (scores.get(str(run.run_dir)) or {}).get(decoder) if run.present else None


# ------------------------------------------------------------------ the seed-level table

@dataclass(frozen=True)
class BudgetUse:
    """How a run used its budget: epochs, best epoch, ceiling, patience, and how it stopped."""
    epochs_trained: int | None
    best_epoch: int | None
    ceiling: int | None
    patience: int | None
    stopped: str                       # "early" | "at ceiling" | "unknown"
    improving_at_ceiling: bool | None  # at its ceiling with progress in the last patience window
    last_progress_epoch: int | None


def budget_use(manifest: dict, history: Sequence[dict] | None = None) -> BudgetUse:
    """A run's budget use from its manifest (``early_stopping``) and per-epoch metrics.

    Progress is the training loop's own rule: a new best dev CER, or, while the run is still on
    CTC's blank plateau (best dev CER at or above ``plateau_cer``), a new best dev loss. A run that
    reached its ceiling with progress within its last ``patience`` epochs was still improving:
    the budget rule does not hold for it. Without per-epoch metrics the manifest's best epoch
    stands for the last progress."""
    stop = manifest.get("early_stopping") or {}
    train = ((manifest.get("config") or {}).get("train") or {})
    ceiling = stop.get("max_epochs", train.get("epochs"))
    patience = stop.get("patience", train.get("patience"))
    epochs = stop.get("epochs_trained", manifest.get("epochs_completed"))
    best = stop.get("best_epoch")
    last = _last_progress(history, float(stop.get("plateau_cer", 0.95))) if history else best
    if "stopped_early" in stop:
        stopped = "early" if stop["stopped_early"] else "at ceiling"
    elif epochs is not None and ceiling is not None:
        stopped = "at ceiling" if epochs >= ceiling else "early"
    else:
        stopped = "unknown"
    improving = None
    if stopped == "early":
        improving = False
    elif stopped == "at ceiling" and epochs is not None and patience and last is not None:
        improving = epochs - last < patience
    return BudgetUse(epochs, best, ceiling, patience, stopped, improving, last)


def _last_progress(history: Sequence[dict], plateau_cer: float) -> int | None:
    best_value, best_loss, last = math.inf, math.inf, None
    for row in history:
        value = row.get("dev_cer")
        value = math.inf if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        loss = row.get("dev_loss")
        loss = math.inf if loss is None else float(loss)
        on_plateau = min(best_value, value) >= plateau_cer
        if value < best_value or (on_plateau and loss < best_loss):
            last = int(row.get("epoch", 0))
        best_value, best_loss = min(best_value, value), min(best_loss, loss)
    return last


def train_wall_seconds(manifest: dict, history: Sequence[dict] | None = None) -> tuple[float | None, str | None]:
    """A run's training wall time and where it comes from: the queue's measured process wall
    (``train_process_wall_s``), else the manifest's start to end time. A run resumed from a
    checkpoint (``resumed_from_epoch``) measured only its last process: its time is the sum of its
    epochs' wall times in ``metrics.json`` (``history``), every epoch counted once."""
    if manifest.get("resumed_from_epoch") and history and all("seconds" in e for e in history):
        return round(sum(float(e["seconds"]) for e in history), 1), "sum of the epochs' wall times (resumed run)"
    if manifest.get("train_process_wall_s") is not None:
        return float(manifest["train_process_wall_s"]), "training process wall (train_process_wall_s)"
    import datetime as _dt

    try:
        start = _dt.datetime.fromisoformat(manifest["start_time"])
        end = _dt.datetime.fromisoformat(manifest["end_time"])
    except (KeyError, TypeError, ValueError):
        return None, None
    return (end - start).total_seconds(), "manifest start_time to end_time"


def read_run(run_dir: str | Path) -> tuple[dict, list[dict]]:
    """A run's manifest and its per-epoch metrics (``metrics.json``; empty when absent)."""
    manifest = _manifest(Path(run_dir))
    try:
        history = json.loads(RunFolder(run_dir).metrics.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        history = []
    return manifest, history if isinstance(history, list) else []


@dataclass(frozen=True)
class SeedRow:
    """One run of the comparison: the seed-level table's row (rates are fractions, test split)."""
    part: str
    model: str
    condition: str
    setting: str
    parameters: int | None
    seed: int
    run: str
    source: str | None
    epochs_trained: int | None
    best_epoch: int | None
    ceiling: int | None
    patience: int | None
    stopped: str
    improving_at_ceiling: bool | None
    wer_greedy: float | None
    cer_greedy: float | None
    wer_beam: float | None
    cer_beam: float | None
    train_wall_s: float | None
    train_wall_from: str | None


def seed_rows(runs, scores: dict[str, dict[str, RunScores]] | None = None, part: str | None = None) -> list[SeedRow]:
    """One row per present run of every group (of ``part`` when given), in group and seed order.

    A run that stands in several groups (the study's setting is also a point of the size and
    streaming curves) has a row in each; ``part`` picks one comparison."""
    scores = scores or {}
    rows = []
    for g in _groups(runs):
        if part is not None and g.part != part:
            continue
        for r in g.present:
            manifest, history = read_run(r.run_dir)
            use = budget_use(manifest, history)
            wall, wall_from = train_wall_seconds(manifest, history)
            s = scores.get(str(r.run_dir)) or {}
            greedy, beam = s.get("greedy"), s.get("beam")
            rows.append(SeedRow(g.part, g.model, g.condition, g.label, manifest.get("n_parameters"), r.seed,
                                r.run_dir.name, r.source, use.epochs_trained, use.best_epoch, use.ceiling,
                                use.patience, use.stopped, use.improving_at_ceiling,
                                greedy.wer if greedy else None, greedy.cer if greedy else None,
                                beam.wer if beam else None, beam.cer if beam else None, wall, wall_from))
    return rows


@dataclass(frozen=True)
class BudgetCheck:
    """Whether one comparison's runs kept one budget rule."""
    holds: bool | None             # None: no run, or a run whose budget is not recorded
    ceilings: tuple
    patiences: tuple
    improving_at_ceiling: tuple    # runs that stopped at their ceiling while still improving
    unknown: tuple                 # runs whose ceiling, patience or stop is not recorded
    runs: int
    reasons: tuple


def budget_rule(rows: Sequence[SeedRow]) -> BudgetCheck:
    """The budget rule over the rows of one comparison: every run has the same epoch ceiling and
    patience (on the same dev metric: every config early-stops on dev CER), and none stopped at its
    ceiling while its dev CER still improved (:func:`budget_use`). Pass one comparison's rows
    (``seed_rows(..., part="closed")``)."""
    rows = list(rows)
    ceilings = tuple(sorted({r.ceiling for r in rows if r.ceiling is not None}))
    patiences = tuple(sorted({r.patience for r in rows if r.patience is not None}))
    improving = tuple(r.run for r in rows if r.improving_at_ceiling)
    unknown = tuple(r.run for r in rows if r.ceiling is None or r.patience is None or r.stopped == "unknown")
    reasons = []
    if not rows:
        return BudgetCheck(None, (), (), (), (), 0, ("no finished run",))
    if len(ceilings) > 1:
        reasons.append(f"epoch ceilings differ: {', '.join(map(str, ceilings))}")
    if len(patiences) > 1:
        reasons.append(f"patiences differ: {', '.join(map(str, patiences))}")
    if improving:
        reasons.append(f"stopped at the ceiling while dev CER still improved: {', '.join(improving)}")
    if reasons:
        holds = False
    elif unknown:
        holds = None
        reasons.append(f"budget not recorded: {', '.join(unknown)}")
    else:
        holds = True
    return BudgetCheck(holds, ceilings, patiences, improving, unknown, len(rows), tuple(reasons))


# ------------------------------------------------------------------ each model over its seeds

@dataclass(frozen=True)
class ModelSummary:
    """One group's seeds: mean, sd over seeds and 95 % interval of WER and CER (fractions)."""
    part: str
    model: str
    condition: str
    setting: str
    decoder: str
    parameters: int | None
    seeds: tuple
    missing_seeds: tuple
    wer: float | None
    wer_sd: float | None
    wer_low: float | None
    wer_high: float | None
    cer: float | None
    cer_sd: float | None
    cer_low: float | None
    cer_high: float | None
    wer_per_seed: tuple
    cer_per_seed: tuple
    utterances: int
    interval_method: str


def interval_method(seeds: int) -> str:
    """What an interval resamples, given how many seeds it has."""
    return NO_RUN if seeds == 0 else UTTERANCES_ONLY if seeds == 1 else SEEDS_AND_UTTERANCES


def _group_records(group: HeadlineGroup, scores: dict, decoder: str) -> tuple[tuple, list]:
    seeds, records = [], []
    for r in group.present:
        s = _scores_of(scores, r, decoder)
        if s is not None:
            seeds.append(r.seed)
            records.append(list(s.records))
    return tuple(seeds), records


def _parameters(group: HeadlineGroup) -> int | None:
    for r in group.present:
        n = _manifest(r.run_dir).get("n_parameters")
        if n is not None:
            return int(n)
    return None


def summarize_group(group: HeadlineGroup, scores: dict, decoder: str = "beam") -> ModelSummary:
    """:class:`ModelSummary` of one group (:func:`~semg_study.evaluation.confidence.seed_utterance_interval`)."""
    from semg_study.evaluation.confidence import seed_utterance_interval

    seeds, records = _group_records(group, scores, decoder)
    missing = tuple(s for s in group.seeds if s not in seeds)
    values: dict[str, Any] = {}
    n = 0
    for metric in ("wer", "cer"):
        if records:
            s = seed_utterance_interval(records, metric)
            values[metric] = (s.mean, s.sd, s.interval.low, s.interval.high, s.per_seed)
            n = s.interval.n
        else:
            values[metric] = (None, None, None, None, ())
    (wm, wsd, wl, wh, wps), (cm, csd, cl, ch, cps) = values["wer"], values["cer"]
    return ModelSummary(group.part, group.model, group.condition, group.label, decoder, _parameters(group), seeds,
                        missing, wm, wsd, wl, wh, cm, csd, cl, ch, tuple(wps), tuple(cps), n,
                        interval_method(len(seeds)))


def model_summaries(runs, scores: dict, decoder: str = "beam", part: str | None = None) -> list[ModelSummary]:
    """:func:`summarize_group` of every group (of ``part`` when given); a group without a finished
    run gives a row with no numbers (``interval_method`` says so)."""
    return [summarize_group(g, scores, decoder) for g in _groups(runs) if part is None or g.part == part]


@dataclass(frozen=True)
class PairVerdict:
    """Model A against model B on the same test utterances: the difference A - B and the ratio A / B
    of their seed-mean rates with seed-and-utterance 95 % intervals, and the verdict."""
    part: str
    condition: str
    metric: str
    decoder: str
    a: str
    b: str
    a_value: float | None
    b_value: float | None
    difference: float | None
    low: float | None
    high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    verdict: str             # better | worse | no significant difference | not determinable
    seeds_a: int
    seeds_b: int
    utterances: int
    method: str


def pair_method(seeds_a: int, seeds_b: int) -> str:
    """What a paired comparison resamples, given each model's seeds."""
    if not seeds_a or not seeds_b:
        return NO_RUN
    if seeds_a == 1 and seeds_b == 1:
        return UTTERANCES_ONLY
    if seeds_a == 1 or seeds_b == 1:
        return f"{SEEDS_AND_UTTERANCES}; one model has one seed (its spread over seeds is unknown)"
    return SEEDS_AND_UTTERANCES


def compare_groups(a: HeadlineGroup, b: HeadlineGroup, scores: dict, decoder: str = "beam",
                   metric: str = "wer") -> PairVerdict:
    """:func:`~semg_study.evaluation.confidence.compare_seed_utterances` of two groups' seeds."""
    from semg_study.evaluation.confidence import compare_seed_utterances

    seeds_a, ra = _group_records(a, scores, decoder)
    seeds_b, rb = _group_records(b, scores, decoder)
    method = pair_method(len(seeds_a), len(seeds_b))
    if not ra or not rb:
        return PairVerdict(a.part, a.condition, metric, decoder, _name(a), _name(b), None, None, None, None, None,
                           None, None, None, NOT_DETERMINABLE, len(seeds_a), len(seeds_b), 0, method)
    c = compare_seed_utterances(ra, rb, metric)
    return PairVerdict(a.part, a.condition, metric, decoder, _name(a), _name(b), c.a, c.b, c.difference.value,
                       c.difference.low, c.difference.high, c.ratio.value, c.ratio.low, c.ratio.high,
                       c.verdict or NOT_DETERMINABLE, len(seeds_a), len(seeds_b), c.difference.n, method)


def _name(g: HeadlineGroup) -> str:
    return g.model if g.reference or not g.setting else f"{g.model} ({g.label})"


def pairwise_verdicts(runs, scores: dict, proposed: str = PROPOSED, decoder: str = "beam",
                      parts: Sequence[str] = ("closed", "open"), metrics: Sequence[str] = ("wer", "cer")
                      ) -> list[PairVerdict]:
    """MyoStream against each baseline, per part (``closed``, ``open``) and condition, at the study's
    setting: one :class:`PairVerdict` per baseline and metric."""
    out = []
    groups = _groups(runs)
    for part in parts:
        mine = [g for g in groups if g.part == part and g.model == proposed and not g.setting]
        for a in mine:
            for b in groups:
                if b.part == part and b.condition == a.condition and b.model != proposed and not b.setting:
                    out += [compare_groups(a, b, scores, decoder, m) for m in metrics]
    return out


def part_verdicts(runs, scores: dict, part: str = "ablations", against: str = "full model", decoder: str = "beam",
                  metrics: Sequence[str] = ("wer", "cer")) -> list[PairVerdict]:
    """Every other group of ``part`` against the group labelled ``against`` in the same part and
    condition (the ablations against the full model; a size or streaming setting against the
    study's): one :class:`PairVerdict` per group and metric, A the variant, B the reference."""
    groups = [g for g in _groups(runs) if g.part == part]
    out = []
    for b in (g for g in groups if g.label == against):
        for a in groups:
            if a is not b and a.condition == b.condition and a.model == b.model:
                out += [compare_groups(a, b, scores, decoder, m) for m in metrics]
    return out


# ------------------------------------------------------------------ size: WER against parameters and latency

@dataclass(frozen=True)
class SizePoint:
    """One size of one model: its seed-mean WER with interval, parameters and response latency."""
    key: str                  # the group's key (part/model/condition/setting)
    model: str
    condition: str
    setting: str
    parameters: int | None
    seeds: tuple
    wer: float | None
    wer_sd: float | None
    wer_low: float | None
    wer_high: float | None
    interval_method: str
    decoder: str
    response_ms: float | None       # response latency p50 (end of utterance to final transcript)
    response_p95_ms: float | None
    response_kind: str | None       # "streaming" | "full context"
    response_decoder: str | None    # the decoding timed in the response: "beam" | "greedy"
    timed_run: str | None


def measure_size_latency(runs, threads: int = 2, repeats: int = 10, warmup: int = 2, seconds: float | None = None,
                         beam=None, part: str = "sizes") -> dict:
    """The response latency of every size of every model, side by side in this process.

    One present run per group of ``part`` (the lowest seed: compute does not depend on the
    weights' values) timed by :func:`~semg_study.evaluation.response.measure_response` (each
    candidate's ``size`` is its group's key); ``beam``: a ``BeamDecoder`` to time the beam
    search too (``benchmarks/response_latency.shared_beam``), else greedy only."""
    from semg_study.evaluation import response

    candidates = []
    for g in _groups(runs):
        if g.part == part and g.present:
            candidates.append(response.from_run(g.present[0].run_dir, size=g.key))
    kw = {} if seconds is None else {"seconds": seconds}
    return response.measure_response(candidates, threads=threads, repeats=repeats, warmup=warmup, beam=beam, **kw)


def size_points(runs, scores: dict, latency: dict | None = None, decoder: str = "beam",
                part: str = "sizes") -> list[SizePoint]:
    """One :class:`SizePoint` per group of ``part`` with a finished run; ``latency``: a
    :func:`measure_size_latency` report (its beam response where it timed one, else greedy)."""
    timed = {m["size"]: m for m in (latency or {}).get("models", [])}
    out = []
    for g in _groups(runs):
        if g.part != part or not g.present:
            continue
        s = summarize_group(g, scores, decoder)
        m = timed.get(g.key)
        response_ms = p95 = kind = which = run = None
        if m is not None:
            which = "beam" if m.get("response_beam") else "greedy"
            entry = m.get(f"response_{which}") or {}
            response_ms, p95, kind = entry.get("p50_ms"), entry.get("p95_ms"), m.get("kind")
            run = m.get("weights")
        out.append(SizePoint(g.key, g.model, g.condition, g.label, s.parameters, s.seeds, s.wer, s.wer_sd,
                             s.wer_low, s.wer_high, s.interval_method, decoder, response_ms, p95, kind, which, run))
    return out


@dataclass(frozen=True)
class EqualFinding:
    """MyoStream against the reproduction at one x (parameters or response latency): one model's
    measured point against the other's curve interpolated there (the module doc's method)."""
    axis: str                 # "parameters" | "latency"
    at: float | None          # the x value compared at
    measured: str             # the model whose point it is (its setting after a colon)
    interpolated: str | None  # the model interpolated there (its two settings and the weight)
    proposed_wer: float | None
    reference_wer: float | None
    difference: float | None  # proposed - reference
    low: float | None
    high: float | None
    verdict: str              # better | worse | no significant difference | not determinable
    reason: str | None        # why not determinable


def _x(point: SizePoint, axis: str) -> float | None:
    v = point.parameters if axis == "parameters" else point.response_ms
    return float(v) if v is not None and v > 0 else None


def _bracket(curve: list[SizePoint], x: float, axis: str) -> list[tuple[float, SizePoint]] | None:
    """Weights on the curve's points that interpolate it at ``x`` (linear in log10 x), or None outside."""
    for p in curve:
        if math.isclose(_x(p, axis), x, rel_tol=1e-9):
            return [(1.0, p)]
    for lo, hi in zip(curve, curve[1:]):
        xl, xh = _x(lo, axis), _x(hi, axis)
        if xl < x < xh:
            w = (math.log10(x) - math.log10(xl)) / (math.log10(xh) - math.log10(xl))
            return [(1.0 - w, lo), (w, hi)]
    return None


def equal_findings(points: Sequence[SizePoint], records: dict[str, list] | None = None, axis: str = "parameters",
                   proposed: str = PROPOSED, reference: str = REFERENCE, metric: str = "wer") -> list[EqualFinding]:
    """At equal parameters (``axis="parameters"``) or equal response latency (``"latency"``): at each
    measured point of either model inside the other's measured range, MyoStream - reproduction with
    the other interpolated there, its seed-and-utterance 95 % interval and the verdict (module doc).

    ``records``: ``{point key: per-seed lists of per-utterance records}`` (:func:`point_records`);
    without them, or outside the other's range, the verdict is "not determinable"."""
    from semg_study.evaluation.confidence import seed_contrast_utterances, verdict

    if axis not in ("parameters", "latency"):
        raise ValueError(f"axis must be 'parameters' or 'latency', got {axis!r}")
    records = records or {}

    def curve(model):
        pts = [p for p in points if p.model == model and _x(p, axis) is not None and p.wer is not None]
        return sorted(pts, key=lambda p: _x(p, axis))

    mine, theirs = curve(proposed), curve(reference)
    out = []
    for point, other, sign in [(p, theirs, 1.0) for p in mine] + [(p, mine, -1.0) for p in theirs]:
        x = _x(point, axis)
        measured = f"{point.model}: {point.setting}"
        bracket = _bracket(other, x, axis) if other else None
        if bracket is None:
            other_model = reference if sign > 0 else proposed
            out.append(EqualFinding(axis, x, measured, None, point.wer if sign > 0 else None,
                                    None if sign > 0 else point.wer, None, None, None, NOT_DETERMINABLE,
                                    f"outside {other_model}'s measured range (no extrapolation)"))
            continue
        interpolated_value = sum(w * p.wer for w, p in bracket)
        described = " + ".join(f"{w:.3f} x {p.setting}" for w, p in bracket)
        interpolated = f"{bracket[0][1].model}: {described}"
        a, b = (point.wer, interpolated_value) if sign > 0 else (interpolated_value, point.wer)
        terms = [(sign, point)] + [(-sign * w, p) for w, p in bracket if w > 0]
        difference = a - b
        if all(p.key in records for _, p in terms):
            # the same difference, from the records (the points' WERs are their seed means)
            ci = seed_contrast_utterances([(w, records[p.key]) for w, p in terms], metric)
            word = verdict(ci.low, ci.high) or NOT_DETERMINABLE
            difference, low, high = ci.value, ci.low, ci.high
            reason = None if word != NOT_DETERMINABLE else "too few utterances for an interval"
        else:
            low = high = None
            word, reason = NOT_DETERMINABLE, "no per-utterance records"
        out.append(EqualFinding(axis, x, measured, interpolated, a, b, difference, low, high, word, reason))
    return out


def point_records(runs, scores: dict, decoder: str = "beam", part: str = "sizes") -> dict[str, list]:
    """``{group key: per-seed lists of per-utterance records}`` of a part's groups (for :func:`equal_findings`)."""
    out = {}
    for g in _groups(runs):
        if g.part == part:
            seeds, records = _group_records(g, scores, decoder)
            if records:
                out[g.key] = records
    return out


def overall(findings: Sequence[EqualFinding]) -> dict:
    """The verdicts of several points counted, and one word: every determinable point agrees
    (that word), they differ (``mixed``), or none is determinable."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.verdict] = counts.get(f.verdict, 0) + 1
    words = {v for v in counts if v != NOT_DETERMINABLE}
    word = NOT_DETERMINABLE if not words else words.pop() if len(words) == 1 else "mixed"
    return {"verdict": word, "counts": counts, "points": len(findings)}


def _errorbars(values, lows, highs, sds):
    """Asymmetric error bars: the interval where it is defined, else the sd over seeds, else none."""
    lower, upper = [], []
    for v, lo, hi, sd in zip(values, lows, highs, sds):
        if lo is not None and hi is not None:
            lower.append(max(0.0, v - lo))
            upper.append(max(0.0, hi - v))
        elif sd is not None:
            lower.append(sd)
            upper.append(sd)
        else:
            lower.append(0.0)
            upper.append(0.0)
    return [lower, upper]


def plot_size(points: Sequence[SizePoint], synthetic: bool = True):
    """WER against parameters (log x) and against response latency p50 (log x), one line per model;
    error bars are each point's 95 % interval (seeds and utterances; utterances only at one seed)."""
    import matplotlib.pyplot as plt

    from semg_study.report.figures import synthetic_title

    from semg_study.report.thesis.figures import model_colour

    table_names = {"myostream": "MyoStream", "gaddy2022": "Reproduction"}
    # drawn at the width it is printed at, so its labels read at the body text's size
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.3))
    for ax, axis, xlabel in ((axes[0], "parameters", "parameters (log scale)"),
                             (axes[1], "latency", "response latency p50 (ms, log scale)")):
        for model in dict.fromkeys(p.model for p in points):
            pts = sorted((p for p in points if p.model == model and p.wer is not None and _x(p, axis) is not None),
                         key=lambda p: _x(p, axis))
            if not pts:
                continue
            xs = [_x(p, axis) for p in pts]
            ys = [100 * p.wer for p in pts]
            err = _errorbars(ys, [None if p.wer_low is None else 100 * p.wer_low for p in pts],
                             [None if p.wer_high is None else 100 * p.wer_high for p in pts],
                             [None if p.wer_sd is None else 100 * p.wer_sd for p in pts])
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=FIGURE_NAMES.get(model, model),
                        color=model_colour(table_names.get(model, model)))
            if len({len(p.seeds) for p in points}) > 1:
                # the seed count is annotated only when it differs between points (otherwise the caption says it)
                for x, y, p in zip(xs, ys, pts):
                    ax.annotate(f"{len(p.seeds)} seed{'s' if len(p.seeds) != 1 else ''}", (x, y), fontsize=7,
                                xytext=(4, 4), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test WER (%), mean over seeds")
        if ax.has_data():
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no measured point", ha="center", va="center", transform=ax.transAxes)
    fig.suptitle(synthetic_title("WER against model size and response latency", synthetic))
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the streaming trade-off

def algorithmic_latency_ms(config: str, overrides: dict | None = None, model_kwargs: dict | None = None
                           ) -> float | None:
    """A model's algorithmic latency (ms) as the model states it (``algorithmic_latency_ms``: chunk
    plus look-ahead at the output frame rate), built on the meta device from a run's
    ``model_kwargs`` (its manifest's) or from ``config`` with ``overrides`` and the frame rates
    its features fix (as training passes them). None: full context (no streaming mask), or a
    model that does not stream."""
    import types

    import torch

    from semg_study.models.registry import build_model
    from semg_study.recipes.config import load_config

    if model_kwargs is None:
        from semg_study.training.data import feature_config_from
        from semg_study.training.loop import model_kwargs as training_kwargs

        cfg = load_config(config, dict(overrides or {}))
        name = cfg.model.name
        kwargs = training_kwargs(cfg, types.SimpleNamespace(feature_config=feature_config_from(cfg), n_sessions=0))
    else:
        name, kwargs = load_config(config).model.name, dict(model_kwargs)
    with torch.device("meta"):
        model = build_model(name, **kwargs)
    value = getattr(model, "algorithmic_latency_ms", None)
    return None if value is None or not math.isfinite(float(value)) else float(value)


@dataclass(frozen=True)
class StreamingPoint:
    """One streaming setting of MyoStream over its seeds, against full context."""
    setting: str
    chunk: int | None
    lookahead: int | None
    streaming: bool
    algorithmic_ms: float | None     # None: full context
    seeds: tuple
    missing_seeds: tuple
    wer: float | None
    wer_sd: float | None
    wer_low: float | None
    wer_high: float | None
    interval_method: str
    decoder: str
    ratio: float | None              # WER / full context's WER (seed means), paired on the utterances
    ratio_low: float | None
    ratio_high: float | None
    relative_cost: float | None      # the streaming cost: ratio - 1 (0.1 = 10 % relative WER above full context)
    difference: float | None         # WER - full context's WER
    difference_low: float | None
    difference_high: float | None
    verdict: str                     # against full context: better | worse | no significant difference |
    #                                  not determinable; "reference" on the full-context row itself


def _resolved_model(spec: dict) -> dict:
    from semg_study.recipes.config import load_config

    cfg = load_config(spec["config"], spec["overrides"])
    return dict(cfg.model.kwargs)


def streaming_points(runs, scores: dict, decoder: str = "beam", part: str = "streaming") -> list[StreamingPoint]:
    """One :class:`StreamingPoint` per setting of ``part`` (the study's setting included), each
    compared with the full-context setting on the same test utterances
    (:func:`~semg_study.evaluation.confidence.compare_seed_utterances`: the ratio's interval is the
    streaming cost's). Chunk and look-ahead come from the resolved config, the algorithmic latency
    from the model (:func:`algorithmic_latency_ms`)."""
    from semg_study.evaluation.confidence import compare_seed_utterances

    groups = [g for g in _groups(runs) if g.part == part]
    full = next((g for g in groups if g.setting.get("model.streaming_mask") is False), None)
    _, full_records = _group_records(full, scores, decoder) if full is not None else ((), [])
    out = []
    for g in groups:
        spec = g.runs[0].spec
        kwargs = _resolved_model(spec)
        streaming = bool(kwargs.get("streaming_mask", True))
        present = g.present
        if present:
            manifest = _manifest(present[0].run_dir)
            latency = algorithmic_latency_ms(spec["config"], model_kwargs=manifest.get("model_kwargs")) \
                if manifest.get("model_kwargs") else algorithmic_latency_ms(spec["config"], spec["overrides"])
        else:
            latency = algorithmic_latency_ms(spec["config"], spec["overrides"])
        s = summarize_group(g, scores, decoder)
        _, records = _group_records(g, scores, decoder)
        ratio = r_low = r_high = diff = d_low = d_high = None
        word = NOT_DETERMINABLE
        if g is full:
            ratio, diff, word = (1.0, 0.0, "reference") if records else (None, None, NOT_DETERMINABLE)
        elif records and full_records:
            c = compare_seed_utterances(records, full_records, "wer")
            ratio, r_low, r_high = c.ratio.value, c.ratio.low, c.ratio.high
            diff, d_low, d_high = c.difference.value, c.difference.low, c.difference.high
            word = c.verdict or NOT_DETERMINABLE
        out.append(StreamingPoint(g.label, kwargs.get("chunk") if streaming else None,
                                  kwargs.get("lookahead") if streaming else None, streaming, latency, s.seeds,
                                  s.missing_seeds, s.wer, s.wer_sd, s.wer_low, s.wer_high, s.interval_method,
                                  decoder, ratio, r_low, r_high, None if ratio is None else ratio - 1.0,
                                  diff, d_low, d_high, word))
    return out


@dataclass(frozen=True)
class StreamingSelection:
    """The issue's rule applied to the measured settings."""
    outcome: str                       # "chosen" | "none" | "not determinable"
    chosen: StreamingPoint | None
    established: bool | None           # the chosen cost's interval also stays within the rule
    frontier: tuple                    # streaming settings no other beats on both latency and WER
    full_context: StreamingPoint | None
    max_algorithmic_ms: float
    max_relative_cost: float
    reason: str | None


def pareto_frontier(points: Sequence[StreamingPoint]) -> tuple:
    """The streaming settings with a WER that no setting of lower or equal algorithmic latency beats
    (by latency, lowest first)."""
    pts = sorted((p for p in points if p.streaming and p.algorithmic_ms is not None and p.wer is not None),
                 key=lambda p: (p.algorithmic_ms, p.wer))
    frontier, best = [], math.inf
    for p in pts:
        if p.wer < best:
            frontier.append(p)
            best = p.wer
    return tuple(frontier)


def select_streaming(points: Sequence[StreamingPoint], max_algorithmic_ms: float = MAX_ALGORITHMIC_MS,
                     max_relative_cost: float = MAX_RELATIVE_COST) -> StreamingSelection:
    """The configuration that keeps the streaming cost within ``max_relative_cost`` relative WER of
    full context (the seed means' ratio) at ``<= max_algorithmic_ms`` algorithmic latency; of several,
    the lowest latency (then the lowest WER). ``established``: its cost's 95 % interval stays within
    the rule too. None qualifies: ``outcome="none"`` with the measured frontier; no full-context or
    no streaming WER: ``"not determinable"``."""
    full = next((p for p in points if not p.streaming), None)
    frontier = pareto_frontier(points)
    streamed = [p for p in points if p.streaming and p.wer is not None]
    if full is None or full.wer is None or not streamed:
        missing = "full context" if full is None or full.wer is None else "any streaming setting"
        return StreamingSelection(NOT_DETERMINABLE, None, None, frontier, full, max_algorithmic_ms,
                                  max_relative_cost, f"no finished run of {missing}")
    fits = [p for p in streamed if p.algorithmic_ms is not None and p.algorithmic_ms <= max_algorithmic_ms
            and p.ratio is not None and p.ratio <= 1.0 + max_relative_cost]
    if not fits:
        return StreamingSelection("none", None, None, frontier, full, max_algorithmic_ms, max_relative_cost,
                                  f"no setting at <= {max_algorithmic_ms:g} ms keeps WER within "
                                  f"{100 * max_relative_cost:g} % of full context")
    chosen = min(fits, key=lambda p: (p.algorithmic_ms, p.wer))
    established = None if chosen.ratio_high is None else chosen.ratio_high <= 1.0 + max_relative_cost
    return StreamingSelection("chosen", chosen, established, frontier, full, max_algorithmic_ms, max_relative_cost,
                              None)


def plot_streaming(points: Sequence[StreamingPoint], selection: StreamingSelection | None = None,
                   synthetic: bool = True):
    """WER against algorithmic latency per streaming setting (error bars: 95 % intervals), full
    context as a line with its interval, the rule's bounds, the frontier and the chosen setting.
    Drawn at print width (6.5 in); each point's label (chunk + look-ahead in encoder frames) sits above
    its error bar; the seed count goes into the legend's title when every setting has the same
    number of seeds, else beside each label."""
    import matplotlib.pyplot as plt

    from semg_study.report.figures import synthetic_title
    from semg_study.report.thesis.figures import model_colour

    colour = model_colour("MyoStream")
    selection = selection or select_streaming(points)
    fig, ax = plt.subplots(figsize=(5.7, 4.1))
    pts = sorted((p for p in points if p.streaming and p.algorithmic_ms is not None and p.wer is not None),
                 key=lambda p: p.algorithmic_ms)
    counts = {len(p.seeds) for p in pts}
    same_n = len(counts) == 1
    if pts:
        ys = [100 * p.wer for p in pts]
        err = _errorbars(ys, [None if p.wer_low is None else 100 * p.wer_low for p in pts],
                         [None if p.wer_high is None else 100 * p.wer_high for p in pts],
                         [None if p.wer_sd is None else 100 * p.wer_sd for p in pts])
        ax.errorbar([p.algorithmic_ms for p in pts], ys, yerr=err, fmt="o", capsize=3, color=colour,
                    label="streaming setting", zorder=3)
        # short labels (chunk + look-ahead in frames) above each error bar's upper cap, clear of the bars
        for p, y, up in zip(pts, ys, err[1]):
            text = f"{p.chunk}+{p.lookahead}" + (" (study)" if "(study)" in p.setting else "")
            if not same_n:
                text += f", n={len(p.seeds)}"
            ax.annotate(text, (p.algorithmic_ms, y + up), fontsize=8, xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom")
        ax.set_xlim(0, max(p.algorithmic_ms for p in pts) * 1.12)
    if selection.frontier:
        ax.plot([p.algorithmic_ms for p in selection.frontier], [100 * p.wer for p in selection.frontier], "--",
                color="grey", label="frontier")
    full = selection.full_context
    if full is not None and full.wer is not None:
        ax.axhline(100 * full.wer, color="k", label="full context")
        if full.wer_low is not None and full.wer_high is not None:
            ax.axhspan(100 * full.wer_low, 100 * full.wer_high, color="k", alpha=0.08,
                       label="full context, 95 % interval")
        ax.axhline(100 * full.wer * (1 + selection.max_relative_cost), color="k", linestyle=":",
                   label=f"full context + {100 * selection.max_relative_cost:g} % relative")
    ax.axvline(selection.max_algorithmic_ms, color="tab:red", linestyle=":",
               label=f"{selection.max_algorithmic_ms:g} ms algorithmic latency")
    if selection.chosen is not None:
        ax.scatter([selection.chosen.algorithmic_ms], [100 * selection.chosen.wer], s=160, marker="*",
                   color="tab:red", zorder=4, label=f"chosen: {selection.chosen.setting}")
    if pts:   # room above the highest error bar for its label
        top = max(y + up for y, up in zip(ys, err[1]))
        ax.set_ylim(top=top + 0.1 * (top - ax.get_ylim()[0]))
    ax.set_xlabel("algorithmic latency (ms): one chunk + look-ahead", fontsize=9)
    seeds = f"mean over {next(iter(counts))} seeds" if same_n else "mean over seeds"
    ax.set_ylabel(f"test WER (%), {seeds}", fontsize=9)
    ax.tick_params(labelsize=8)
    title = "labels: chunk + look-ahead (encoder frames)" + ("; error bars: 95 % interval" if pts else "")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, borderaxespad=0.0,
              title=title, title_fontsize=8, frameon=False)
    ax.set_title(synthetic_title("MyoStream: streaming cost against algorithmic latency", synthetic), fontsize=9)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ rows for tables

def as_rows(items: Iterable) -> list[dict]:
    """Dataclass rows as plain dicts (JSON-ready: tuples become lists, paths strings)."""
    def plain(v):
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, Path):
            return str(v)
        return v

    return [plain(dataclasses.asdict(item)) for item in items]


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}"


def seed_table_markdown(rows: Sequence[SeedRow]) -> str:
    """The seed-level table (model, condition, size, seed, epochs, WER, CER, train wall) in Markdown."""
    from semg_study.markdown import markdown_table

    columns = ["model", "condition", "setting", "parameters", "seed", "epochs (best, ceiling)", "stopped",
               "WER % greedy", "CER % greedy", "WER % beam+LM", "CER % beam+LM", "train wall s", "run"]
    body = [[r.model, r.condition, r.setting, "n/a" if r.parameters is None else f"{r.parameters:,}", r.seed,
             f"{r.epochs_trained} ({r.best_epoch}, {r.ceiling})",
             r.stopped + (" while improving" if r.improving_at_ceiling else ""),
             _pct(r.wer_greedy), _pct(r.cer_greedy), _pct(r.wer_beam), _pct(r.cer_beam),
             "n/a" if r.train_wall_s is None else f"{r.train_wall_s:.0f}", r.run] for r in rows]
    return "\n".join(markdown_table(columns, body, align="lllrrllrrrrrl")) + "\n"


def training_time(rows: Sequence[SeedRow]) -> dict:
    """What training the comparison's finished runs cost: distinct runs (one shared between parts, such as the
    study-size MyoStream of the sizes, streaming and ablation parts, counted once) and the sum of their training
    wall times in worker-minutes (one torch thread per run; ``make retrain`` trains two at a time on 2 cores)."""
    walls: dict[str, float | None] = {}
    for r in rows:
        walls.setdefault(r.run, r.train_wall_s)
    known = [w for w in walls.values() if w is not None]
    return {"runs": len(walls), "worker_minutes": sum(known) / 60.0,
            "runs_without_wall": len(walls) - len(known)}


# ------------------------------------------------------------------ the notebooks' tables

@dataclass
class SeedStudy:
    """One part of the comparison, located and scored: what notebooks 05-07 turn into tables."""
    runs: HeadlineRuns
    scores: dict
    rows: list[SeedRow]
    summaries: list[ModelSummary]
    verdicts: list[PairVerdict]
    budget: dict[str, BudgetCheck]   # per part: whether its runs kept one budget rule

    def manifests(self, groups: Iterable[HeadlineGroup] | None = None) -> list[str]:
        """The manifests of the finished runs (of ``groups``, default all), each once."""
        seen, out = set(), []
        for g in groups if groups is not None else self.runs.groups:
            for r in g.present:
                m = str(RunFolder(r.run_dir).manifest)
                if m not in seen:
                    seen.add(m)
                    out.append(m)
        return out


    def row_manifests(self, rows: Sequence[dict]) -> list[list[str]]:
        """Per table row (with ``part``, ``model`` or ``A``/``B``, ``condition``, ``setting`` or
        ``run``): the manifests of the runs it was computed from (every finished run where none matches)."""
        by_name = {r.run_dir.name: r for g in self.runs.groups for r in g.present}
        out = []
        for row in rows:
            if row.get("run") in by_name:
                out.append([str(RunFolder(by_name[row["run"]].run_dir).manifest)])
                continue
            names = {row.get("model"), row.get("A"), row.get("B")} - {None}
            groups = [g for g in self.runs.groups if g.part == row.get("part") and g.condition == row.get("condition")
                      and (g.model in names or _name(g) in names)
                      and ("setting" not in row or g.label == row["setting"])]
            out.append(self.manifests(groups) or self.manifests())
        return out


def seed_study(profile: str, parts: Sequence[str], runs_root=None, data_root=None, released: bool = True,
               decoder: str = "beam", verdicts: str = "pairwise", knobs: dict | None = None) -> SeedStudy:
    """Locate the runs of ``parts`` (nothing is trained), score each on the test split and summarise.

    ``verdicts``: ``"pairwise"`` (MyoStream against each baseline at the study's setting) or the
    label of the reference group each other group of the part is compared with (``"full model"``
    for the ablations). The budget rule is checked per part over every finished run of that part."""
    runs = headline_runs(profile, parts, runs_root=runs_root, data_root=data_root, released=released, knobs=knobs)
    scores = evaluate_headline(runs, split="test")
    rows = seed_rows(runs, scores)
    summaries = [s for d in DECODERS for s in model_summaries(runs, scores, d)]
    if verdicts == "pairwise":
        found = pairwise_verdicts(runs, scores, decoder=decoder, parts=tuple(parts))
    else:
        found = [v for p in parts for v in part_verdicts(runs, scores, p, against=verdicts, decoder=decoder)]
    budget = {p: budget_rule([r for r in rows if r.part == p]) for p in parts}
    return SeedStudy(runs, scores, rows, summaries, found, budget)


def _p(v: float | None, digits: int = 2) -> float | None:
    return None if v is None else round(100 * v, digits)


def summary_table(summaries: Sequence[ModelSummary]) -> list[dict]:
    """Rows of each model's seeds (table ``05_seeds``): WER and CER, mean and sd over seeds, and the
    95 % seed-and-utterance interval of the mean, per decoder. A group without a finished run has no
    row (the notebooks list its missing seeds)."""
    summaries = [s for s in summaries if s.seeds]
    return [{"part": s.part, "model": s.model, "condition": s.condition, "setting": s.setting,
             "decoder": "beam + LM" if s.decoder == "beam" else s.decoder, "parameters": s.parameters,
             "seeds": len(s.seeds), "seeds missing": ", ".join(map(str, s.missing_seeds)),
             "WER %": _p(s.wer), "WER % sd": _p(s.wer_sd), "WER % CI low": _p(s.wer_low),
             "WER % CI high": _p(s.wer_high), "CER %": _p(s.cer), "CER % sd": _p(s.cer_sd),
             "CER % CI low": _p(s.cer_low), "CER % CI high": _p(s.cer_high),
             "WER % per seed": ", ".join(f"{100 * w:.1f}" for w in s.wer_per_seed),
             "utterances": s.utterances, "interval": s.interval_method} for s in summaries]


def run_table(rows: Sequence[SeedRow]) -> list[dict]:
    """The seed-level rows (table ``05_seed_runs``): one per run, its budget use, scores and training wall time."""
    return [{"part": r.part, "model": r.model, "condition": r.condition, "setting": r.setting, "seed": r.seed,
             "parameters": r.parameters, "epochs": r.epochs_trained, "best epoch": r.best_epoch,
             "ceiling": r.ceiling, "patience": r.patience,
             "stopped": r.stopped + (" while improving" if r.improving_at_ceiling else ""),
             "WER % greedy": _p(r.wer_greedy), "CER % greedy": _p(r.cer_greedy), "WER % beam + LM": _p(r.wer_beam),
             "CER % beam + LM": _p(r.cer_beam),
             "train wall s": None if r.train_wall_s is None else round(r.train_wall_s),
             "train wall from": r.train_wall_from, "run": r.run} for r in rows]


def verdict_table(verdicts: Sequence[PairVerdict]) -> list[dict]:
    """Rows of the verdicts (A against B on the same test utterances, resampling seeds and utterances);
    a pair where either side has no finished run has none."""
    verdicts = [v for v in verdicts if v.seeds_a and v.seeds_b]
    return [{"part": v.part, "condition": v.condition, "A": v.a, "B": v.b, "metric": f"{v.metric.upper()} %",
             "decoder": "beam + LM" if v.decoder == "beam" else v.decoder, "seeds A": v.seeds_a, "seeds B": v.seeds_b,
             "A %": _p(v.a_value), "B %": _p(v.b_value), "difference (points)": _p(v.difference),
             "difference CI low": _p(v.low), "difference CI high": _p(v.high),
             "ratio A/B": None if v.ratio is None else round(v.ratio, 3),
             "ratio CI low": None if v.ratio_low is None else round(v.ratio_low, 3),
             "ratio CI high": None if v.ratio_high is None else round(v.ratio_high, 3),
             "verdict": v.verdict, "utterances": v.utterances, "interval": v.method} for v in verdicts]


def budget_table(budget: dict[str, BudgetCheck]) -> list[dict]:
    """One row per part: the ceilings and patiences its runs had, and whether the budget rule held."""
    def one(values):  # the one value a rule that holds has (a number), else the list of values seen
        return values[0] if len(values) == 1 else ", ".join(map(str, values))

    # a part without a finished run has no row
    return [{"part": part, "runs": b.runs, "epoch ceilings": one(b.ceilings), "patiences": one(b.patiences),
             "rule holds": {True: "yes", False: "no", None: "not determinable"}[b.holds],
             "stopped at the ceiling while improving": len(b.improving_at_ceiling),
             "reasons": "; ".join(b.reasons)} for part, b in budget.items() if b.runs]


def plot_seeds(rows: Sequence[SeedRow], summaries: Sequence[ModelSummary], part: str = "closed",
               decoder: str = "beam", synthetic: bool = True):
    """Each run's test WER (dots, one per seed) and each model's seed mean with its 95 %
    seed-and-utterance interval (bar), per condition of ``part``."""
    import matplotlib.pyplot as plt

    from semg_study.report.figures import synthetic_title

    mine = [s for s in summaries if s.part == part and s.decoder == decoder and s.wer is not None]
    conditions = sorted({s.condition for s in mine})
    fig, axes = plt.subplots(1, max(1, len(conditions)), figsize=(4.4 * max(1, len(conditions)), 3.6),
                             squeeze=False)
    for ax, condition in zip(axes[0], conditions):
        group = [s for s in mine if s.condition == condition]
        for i, s in enumerate(group):
            seeds = [r for r in rows if r.part == part and r.model == s.model and r.condition == condition
                     and r.setting == s.setting]
            ys = [100 * (r.wer_beam if decoder == "beam" else r.wer_greedy) for r in seeds
                  if (r.wer_beam if decoder == "beam" else r.wer_greedy) is not None]
            ax.scatter([i + 0.18] * len(ys), ys, s=14, color="0.4", zorder=3,
                       label="one seed" if i == 0 else None)
            ax.errorbar([i], [100 * s.wer], yerr=[[100 * (s.wer - s.wer_low)], [100 * (s.wer_high - s.wer)]],
                        fmt="o", capsize=4, color="tab:blue", label="mean, 95 % interval" if i == 0 else None)
        ax.set_xticks(range(len(group)), [FIGURE_NAMES.get(s.model, s.model) for s in group])
        ax.set_xlim(-0.5, len(group) - 0.5)
        ax.set_title(f"{condition} vocabulary", fontsize=9)
        ax.set_ylabel(f"test WER (%), {'beam + LM' if decoder == 'beam' else 'greedy'}")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(synthetic_title("Test WER of each seed and the mean over seeds", synthetic), fontsize=10)
    fig.tight_layout()
    return fig


def streaming_table(points: Sequence[StreamingPoint]) -> list[dict]:
    """Rows of the streaming trade-off (table ``07_streaming``): each setting's algorithmic latency,
    seed-mean WER with its interval, and its cost against full context on the same utterances."""
    def r3(v):
        return None if v is None else round(v, 3)

    return [{"part": "streaming", "model": PROPOSED, "condition": "closed", "setting": p.setting,
             "streaming": "yes" if p.streaming else "no (full context)", "chunk (frames)": p.chunk,
             "look-ahead (frames)": p.lookahead,
             "algorithmic latency ms": None if p.algorithmic_ms is None else round(p.algorithmic_ms, 1),
             "seeds": len(p.seeds), "seeds missing": ", ".join(map(str, p.missing_seeds)),
             "decoder": "beam + LM" if p.decoder == "beam" else p.decoder,
             "WER %": _p(p.wer), "WER % sd": _p(p.wer_sd), "WER % CI low": _p(p.wer_low),
             "WER % CI high": _p(p.wer_high), "ratio to full context": r3(p.ratio),
             "ratio CI low": r3(p.ratio_low), "ratio CI high": r3(p.ratio_high),
             "relative cost %": _p(p.relative_cost, 1), "difference (points)": _p(p.difference),
             "difference CI low": _p(p.difference_low), "difference CI high": _p(p.difference_high),
             "verdict against full context": p.verdict, "interval": p.interval_method} for p in points]


def selection_table(selection: StreamingSelection) -> list[dict]:
    """The streaming rule applied (table ``07_streaming_selection``): one row."""
    c = selection.chosen
    return [{"rule": f"relative WER cost <= {100 * selection.max_relative_cost:g} % of full context at "
                     f"<= {selection.max_algorithmic_ms:g} ms algorithmic latency",
             "max relative cost %": round(100 * selection.max_relative_cost, 1),
             "max algorithmic latency ms": round(selection.max_algorithmic_ms, 1),
             "outcome": selection.outcome, "chosen setting": c.setting if c else None,
             "chosen algorithmic latency ms": None if c is None or c.algorithmic_ms is None else round(c.algorithmic_ms, 1),
             "chosen relative cost %": None if c is None else _p(c.relative_cost, 1),
             "cost interval within the rule": {True: "yes", False: "no", None: None}[selection.established],
             "full-context WER %": None if selection.full_context is None else _p(selection.full_context.wer),
             "frontier": "; ".join(f"{p.setting} ({p.algorithmic_ms:.1f} ms, {100 * p.wer:.1f} %)"
                                   for p in selection.frontier),
             "reason": selection.reason}]


def size_table(points: Sequence[SizePoint]) -> list[dict]:
    """Rows of the size sweep (table ``07_sizes``): each model and size over its seeds, with its parameters
    and its response latency (end of utterance to final transcript, timed side by side)."""
    return [{"part": "sizes", "model": p.model, "condition": p.condition, "setting": p.setting,
             "parameters": p.parameters, "seeds": len(p.seeds), "decoder": "beam + LM" if p.decoder == "beam" else
             p.decoder, "WER %": _p(p.wer), "WER % sd": _p(p.wer_sd), "WER % CI low": _p(p.wer_low),
             "WER % CI high": _p(p.wer_high),
             "response latency p50 ms": None if p.response_ms is None else round(p.response_ms, 1),
             "response latency p95 ms": None if p.response_p95_ms is None else round(p.response_p95_ms, 1),
             "response timed with": p.response_decoder, "interval": p.interval_method} for p in points]


def finding_table(findings: Sequence[EqualFinding]) -> list[dict]:
    """Rows of the equal-parameter and equal-latency comparisons (table ``07_size_findings``)."""
    return [{"axis": f.axis, "at": None if f.at is None else round(f.at, 1), "measured": f.measured,
             "interpolated": f.interpolated, "MyoStream WER %": _p(f.proposed_wer),
             "reproduction WER %": _p(f.reference_wer), "difference (points)": _p(f.difference),
             "difference CI low": _p(f.low), "difference CI high": _p(f.high), "verdict": f.verdict,
             "reason": f.reason} for f in findings]


def part_complete(runs: HeadlineRuns, part: str) -> bool:
    """Every planned seed of every group of ``part`` has a finished run (a curve is drawn only then)."""
    groups = [g for g in runs.groups if g.part == part]
    return bool(groups) and all(not g.seeds_missing for g in groups)


def target_quantities(verdicts: Sequence[PairVerdict], streaming: Sequence[StreamingPoint] = (),
                      max_algorithmic_ms: float = MAX_ALGORITHMIC_MS) -> dict:
    """What the ``"headline"`` rows of :data:`semg_study.evaluation.targets.TARGETS` read: per vocabulary, the
    reproduction / MyoStream ratio of the seed-mean test WER (beam + LM) with its seed-and-utterance interval
    (the verdict table's MyoStream / reproduction ratio inverted, bounds swapped: a percentile interval
    follows a monotone map), and the lowest relative streaming cost within the latency bound."""
    out: dict = {}
    for v in verdicts:
        if (v.a, v.b, v.metric, v.decoder) != (PROPOSED, REFERENCE, "wer", "beam") or v.part != v.condition:
            continue
        if not v.ratio or not v.ratio_low or not v.ratio_high:
            continue
        low, high = 1.0 / v.ratio_high, 1.0 / v.ratio_low
        out[v.condition] = {"gaddy_over_myostream": {
            "wer_ratio": 1.0 / v.ratio, "ci_low": low, "ci_high": high, "ci_excludes_1": not low <= 1.0 <= high,
            "seeds_myostream": v.seeds_a, "seeds_gaddy": v.seeds_b, "utterances": v.utterances}}
    within = [p for p in streaming if p.streaming and p.relative_cost is not None and p.algorithmic_ms is not None
              and p.algorithmic_ms <= max_algorithmic_ms]
    if within:
        best = min(within, key=lambda p: (p.relative_cost, p.algorithmic_ms))
        out["streaming"] = {"lowest_relative_change": best.relative_cost, "setting": best.setting,
                            "algorithmic_ms": best.algorithmic_ms, "max_algorithmic_ms": max_algorithmic_ms}
    return out
