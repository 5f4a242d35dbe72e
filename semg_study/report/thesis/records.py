"""The study's results as typed records, keyed by metadata.

Each table the notebooks write has one reader here that knows its exact columns (a missing column
is an error that names the table, never a silent change of the text); each row becomes a dataclass
whose fields are :class:`~.values.Q` quantities with their source cell. The chapters select records
by what they are (model family, vocabulary, split, mode, decoder, seeds: :meth:`Results.score`),
never by matching a column label.

The same quantity read from two places (a run's test WER in the study table and in the benchmark; a
run's parameters in its manifest, the MyoStream table and the latency table) is registered under one
key; :meth:`~.values.Registry.conflicts` lists keys whose values disagree and the text prints the most
precise value everywhere.

Tables that later issues will add (more seeds per model, the size sweep, calibration for new
participants) are read here when they exist (:data:`PENDING`); until then the chapters say the result
is not yet in.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from semg_study.report.thesis.values import DERIVED, Q, Rate, Registry, Source, Word, decimals_of, derived


class SchemaError(ValueError):
    """A table lacks a column its reader needs (the runner that writes it changed)."""


# the decoder labels the runners write -> the decoder
DECODERS = {"greedy": "greedy", "beam + word 3-gram LM": "beam", "beam": "beam", "beam + LM": "beam"}
# the comparison tables' "evaluated on" labels -> (split, mode, decoder) (the ablations' decoder from 06_ablations)
COMPARISON_SETTINGS = {"test silent, beam + LM": ("test", "silent", "beam"),
                       "test silent, seeds and utterances resampled": ("test", "silent", None)}
# the split every results table of notebooks 03-06 reports (chapters.plan: dev chooses checkpoints and LM
# weights, test is reported); the check compares it with each table's caption
TEST_TABLES = ("03_table31", "04_emg_baselines", "05_myostream", "05_comparisons", "06_ablations",
               "06_ablation_comparisons")
# notebook 07 scores its latency runs greedily on dev (its caption says so)
LATENCY_SPLIT, LATENCY_DECODER = "dev", "greedy"

# tables later issues add; each is read when present (the columns each reader needs are listed)
PENDING = {
    "08_calibration": "WER against minutes of a new participant's calibration data: method, minutes, "
                      "participants, WER %, WER % CI low, WER % CI high (issue 23)",
}


def family_of(config_name: str) -> str:
    """``myostream-quick`` -> ``myostream``; ``ds2audio_closed-quick`` -> ``ds2audio_closed``."""
    return config_name.rsplit("-", 1)[0] if "-" in config_name else config_name


def model_of(config_family: str) -> str:
    """The model family: ``ds2audio_closed`` -> ``ds2audio``."""
    return "ds2audio" if config_family.startswith("ds2audio") else config_family


# ----------------------------------------------------------------------------- records
@dataclass
class RunInfo:
    name: str
    config: str
    family: str            # config family: myostream, gaddy2022, ds2emg, ds2audio_closed, ...
    model: str             # myostream, gaddy2022, ds2emg, ds2audio
    vocabulary: str        # closed, open, ljspeech
    seed: Q
    parameters: Q
    epochs: Q
    max_epochs: Q
    stopped_early: bool
    best_epoch: Q | None
    patience: Q | None
    train_wall_s: Q | None
    train_utterances: Q | None
    sessions: Q | None
    data: dict             # the manifest's config
    kwargs: dict
    manifest: str          # relative to the results folder
    raw: dict


@dataclass
class Score:
    """One model's WER and CER under one evaluation (one run, or the mean over seeds)."""

    model: str             # myostream, gaddy2022, ds2emg, ds2audio
    label: str             # the table's name for it
    vocabulary: str        # closed, open, ljspeech
    split: str
    mode: str              # silent, voiced (EMG) or voiced audio
    decoder: str           # greedy, beam
    seeds: tuple[int, ...]
    wer: Rate
    cer: Rate
    utterances: Q | None
    runs: tuple[str, ...]
    table: str
    variant: str = "full model"
    original_wer: Q | None = None   # the original dissertation's number (Table 3.1 only)
    dataset: str = ""

    @property
    def run(self) -> str:
        return self.runs[0] if self.runs else ""


@dataclass
class Comparison:
    """A paired comparison: A - B in points with its interval, A / B, and the verdict."""

    a: str                 # what A is: a run name, or an ablation variant
    b: str
    metric: str            # wer, cer
    split: str
    mode: str
    decoder: str
    vocabulary: str
    a_value: Q
    b_value: Q
    difference: Rate
    ratio: Rate
    verdict: Word
    seeds_a: Q | None
    seeds_b: Q | None
    table: str


@dataclass
class Ablation:
    variant: str           # "full model", "without conv_module"
    switched_off: str      # "" for the full model
    seeds: tuple[int, ...]
    wer: Rate              # mean over seeds with its seed-and-utterance interval
    wer_sd: Q | None
    cer: Rate
    difference: Rate | None  # against the full model, points
    verdict: Word | None
    epochs: tuple[int, ...]
    runs: tuple[str, ...]
    parameters: Q | None


@dataclass
class SeedMean:
    """One model (or variant, or setting) over its seeds under the comparison's budget rule (test, silent EMG)."""
    part: str              # closed, open, ablations, streaming
    model: str
    vocabulary: str
    setting: str           # "study", "without conv_module", "chunk 2, look-ahead 0", ...
    decoder: str           # greedy, beam
    parameters: Q | None
    seeds: Q
    seeds_missing: str
    wer: Rate              # mean over seeds with its seed-and-utterance interval
    wer_sd: Q | None
    cer: Rate | None
    cer_sd: Q | None
    table: str


@dataclass
class SeedVerdict:
    """A against B over both models' seeds on the same test utterances (silent EMG)."""
    part: str
    vocabulary: str
    a: str
    b: str
    metric: str            # wer, cer
    decoder: str
    a_value: Q | None
    b_value: Q | None
    difference: Rate
    ratio: Rate
    verdict: Word
    seeds_a: Q
    seeds_b: Q
    table: str


@dataclass
class BudgetRule:
    """Whether one part's runs kept one budget rule."""
    part: str
    runs: Q
    ceiling: Q | None      # the one epoch ceiling of the part's runs (None: they differ)
    patience: Q | None
    holds: Word
    improving: Q
    table: str


@dataclass
class StreamingSetting:
    """One streaming setting of MyoStream (or full context) over its seeds (07_streaming)."""
    setting: Q             # "chunk 2, look-ahead 0", "full context", ...
    streaming: bool
    chunk: Q | None
    lookahead: Q | None
    algorithmic_ms: Q | None
    seeds: Q
    wer: Rate
    wer_sd: Q | None
    ratio: Rate | None     # against full context
    relative_cost: Q | None
    difference: Rate | None
    verdict: Word


@dataclass
class StreamingRule:
    """The streaming rule applied (07_streaming_selection)."""
    max_cost: Q
    max_ms: Q
    outcome: Word          # chosen | none | not determinable
    chosen: Q | None
    chosen_ms: Q | None
    chosen_cost: Q | None


@dataclass
class SizePoint:
    """One model at one size over its seeds (07_sizes): closed vocabulary, test split, silent EMG."""
    model: str
    setting: Q             # "study size", "d_model=16", ...
    parameters: Q
    seeds: Q
    wer: Rate
    wer_sd: Q | None
    response_ms: Q | None  # response latency p50 (end of utterance to final transcript)


@dataclass
class SizeRun:
    """One run of the size sweep (07_size_runs): how long it trained and its test WER (silent EMG, beam + LM)."""
    model: str
    setting: str
    seed: Q
    epochs: Q
    best_epoch: Q
    patience: Q
    wer: Q


@dataclass
class SizeFinding:
    """MyoStream against the reproduction at one model's measured size (07_size_findings)."""
    axis: str              # parameters | latency
    at: Q | None
    model: str             # the model whose measured size it is
    setting: Q
    difference: Rate | None  # MyoStream - reproduction, points
    verdict: Word          # better | worse | no significant difference | not determinable
    outside: bool          # not determinable because outside the other model's measured range


@dataclass
class Latency:
    label: str
    run: str
    model: str
    vocabulary: str
    streaming_mask: bool
    mode: str
    parameters: Q
    p50_ms: Q
    p95_ms: Q
    rtf_p50: Q
    rtf_p95: Q
    chunk_ms: Q | None
    chunk_p95_ms: Q | None
    algorithmic_ms: Q | None
    total_ms: Q | None
    wer: Q                 # dev, greedy
    cer: Q


@dataclass
class Target:
    name: str
    description: Q
    value: Q
    threshold: Q
    comparison: str
    met: Word
    report: str            # benchmark, response


@dataclass
class CorpusPart:
    vocabulary: str
    split: str
    mode: str
    utterances: Q
    sessions: Q
    minutes: Q
    words: Q
    vocabulary_size: Q


@dataclass
class LiveUtterance:
    utterance: str
    reference: str
    hypothesis: str
    wer: Q
    word_errors: Q
    reference_words: Q
    chunks: Q
    chunk_p95_ms: Q


@dataclass
class ReplayCheck:
    """One captured recording replayed through brainflow's playback board (notebook 08)."""
    utterance: str
    recorded_samples: Q
    replayed_samples: Q
    max_abs_difference_uv: Q


@dataclass
class WorstUtterance:
    utterance: str
    reference_words: Q
    substitutions: Q
    deletions: Q
    insertions: Q
    wer: Q
    reference: str
    hypothesis: str


@dataclass
class Results:
    root: Path
    registry: Registry = field(default_factory=Registry)
    tables: dict[str, dict] = field(default_factory=dict)
    study_run: dict | None = None
    synthetic: bool = False
    profile: str | None = None
    runs: dict[str, RunInfo] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    ablations: list[Ablation] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    corpus: list[CorpusPart] = field(default_factory=list)
    live: list[LiveUtterance] = field(default_factory=list)
    live_run: str | None = None
    replay: list[ReplayCheck] = field(default_factory=list)
    worst: list[WorstUtterance] = field(default_factory=list)
    worst_run: str | None = None
    benchmark: dict | None = None
    benchmark_file: str | None = None
    response: dict | None = None
    response_file: str | None = None
    headline: dict | None = None
    headline_file: str | None = None
    streaming: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, dict | None] = field(default_factory=dict)
    seed_means: list[SeedMean] = field(default_factory=list)
    seed_verdicts: list[SeedVerdict] = field(default_factory=list)
    seed_verdicts_greedy: list[SeedVerdict] = field(default_factory=list)  # the same pairs without the LM
    budget_rules: list[BudgetRule] = field(default_factory=list)
    streaming_settings: list[StreamingSetting] = field(default_factory=list)
    streaming_rule: StreamingRule | None = None
    size_points: list[SizePoint] = field(default_factory=list)
    size_findings: list[SizeFinding] = field(default_factory=list)
    size_runs: list[SizeRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ selection by metadata
    def score(self, model: str, vocabulary: str, decoder: str = "beam", split: str = "test",
              mode: str = "silent", variant: str = "full model") -> Score | None:
        found = [s for s in self.scores if (s.model, s.vocabulary, s.decoder, s.split, s.mode, s.variant)
                 == (model, vocabulary, decoder, split, mode, variant)]
        return found[0] if found else None

    def comparison(self, a_model: str, b_model: str, vocabulary: str, metric: str = "wer") -> Comparison | None:
        for c in self.comparisons:
            ra, rb = self.runs.get(c.a), self.runs.get(c.b)
            if ra and rb and (ra.model, rb.model, c.vocabulary, c.metric) == (a_model, b_model, vocabulary, metric):
                return c
        return None

    def ablation_comparison(self, variant: str, metric: str = "wer") -> Comparison | None:
        return next((c for c in self.comparisons if c.a == variant and c.b == "full model" and c.metric == metric),
                    None)

    def seed_mean(self, part: str, model: str, vocabulary: str = "closed", decoder: str = "beam",
                  setting: str | None = None) -> SeedMean | None:
        """A model's seed mean; ``setting`` None: the study's (the one setting of the part)."""
        return next((m for m in self.seed_means if (m.part, m.model, m.vocabulary, m.decoder)
                     == (part, model, vocabulary, decoder) and (setting is None or m.setting == setting)), None)

    def seed_verdict(self, part: str, a: str, b: str, vocabulary: str = "closed", metric: str = "wer"
                     ) -> SeedVerdict | None:
        return next((v for v in self.seed_verdicts if (v.part, v.a, v.b, v.vocabulary, v.metric)
                     == (part, a, b, vocabulary, metric)), None)

    def target(self, name: str) -> Target | None:
        return next((t for t in self.targets if t.name == name), None)

    def latency_row(self, model: str, vocabulary: str, streaming: bool = True, run: str | None = None) -> Latency | None:
        rows = [r for r in self.latency if r.model == model and r.vocabulary == vocabulary
                and r.streaming_mask == streaming and (run is None or r.run == run)]
        return rows[0] if rows else None

    def q(self, value: Any, kind: str, source: Source, key: tuple | None = None, meta: dict | None = None,
          decimals: int | None = None) -> Q:
        return self.registry.add(Q(value, kind, source, key, dict(meta or {}), decimals))


# ----------------------------------------------------------------------------- reading
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Table:
    """One sidecar: exact-column cells as quantities."""

    def __init__(self, results: Results, name: str, required: tuple[str, ...] = ()):
        self.r, self.name = results, name
        self.data = results.tables[name]
        self.file = f"tables/{name}.json"
        missing = [c for c in required if c not in self.data.get("columns", [])]
        if missing:
            raise SchemaError(f"tables/{name}.json has no column {', '.join(repr(c) for c in missing)}: "
                              f"its reader in semg_study/report/thesis/records.py needs them")

    @property
    def rows(self) -> list[dict]:
        return [r["values"] for r in self.data.get("rows", [])]

    def manifests(self, i: int) -> list[str]:
        return list(self.data["rows"][i].get("manifests", []))

    def cell(self, i: int, column: str, kind: str, key: tuple | None = None, meta: dict | None = None,
             scale: float = 1.0) -> Q | None:
        raw = self.data["rows"][i]["values"].get(column)
        if raw is None or raw == "":
            return None
        src = Source(self.file, ("rows", i, "values", column), scale)
        value = raw * scale if _number(raw) else raw
        return self.r.q(value, kind, src, key, meta, decimals_of(raw) if scale == 1.0 else None)

    def rate(self, i: int, column: str, kind: str, key: tuple | None, meta: dict, scale: float = 1.0) -> Rate | None:
        value = self.cell(i, column, kind, key, meta, scale)
        if value is None:
            return None
        ci_key = None if key is None else key + ("ci",)
        low = self.cell(i, column + " CI low", kind, None if ci_key is None else ci_key + ("low",), meta, scale)
        high = self.cell(i, column + " CI high", kind, None if ci_key is None else ci_key + ("high",), meta, scale)
        return Rate(value, low, high)


def _run_from_manifest_ref(ref: str) -> str:
    return Path(ref).stem


def load_results(root: str | Path, only: Iterable[str] | None = None) -> Results:
    """Every result of the results folder ``root`` as records (missing tables leave their lists empty).
    ``only``: read these tables and no other (a chapter's findings read its own tables, so another
    chapter's table of an unexpected shape does not stop them); the dissertation reads them all."""
    root = Path(root)
    r = Results(root)
    tables_dir = root / "tables"
    wanted = None if only is None else set(only)
    if tables_dir.is_dir():
        for path in sorted(tables_dir.glob("*.json")):
            data = _read_json(path)
            if (isinstance(data, dict) and "rows" in data and "caption" in data
                    and (wanted is None or data["name"] in wanted)):
                r.tables[data["name"]] = data
    r.study_run = _read_json(root / "study_run.json")
    r.synthetic = any(t.get("synthetic") for t in r.tables.values()) or (
        isinstance(r.study_run, dict) and r.study_run.get("corpus") == "synthetic")
    r.profile = r.study_run.get("profile") if isinstance(r.study_run, dict) else None
    if r.profile is None:  # notebooks run one by one (no study record): the profile their tables name
        profiles = {t.get("profile") for t in r.tables.values() if t.get("profile")}
        r.profile = profiles.pop() if len(profiles) == 1 else None
    _runs(r)
    if "03_table31" in r.tables:
        _table31(r)
    if "04_emg_baselines" in r.tables:
        _scores(r, "04_emg_baselines")
    if "05_myostream" in r.tables:
        _scores(r, "05_myostream")
    for name in ("05_comparisons", "06_ablation_comparisons"):
        if name in r.tables:
            _comparisons(r, name)
    if "06_ablations" in r.tables:
        _ablations(r)
    if "07_latency" in r.tables:
        _latency(r)
    if "01_corpus_overview" in r.tables:
        _corpus(r)
    if "08_live_decoding" in r.tables:
        _live(r)
    if "08_replay_check" in r.tables:
        _replay(r)
    if "05_worst_utterances" in r.tables:
        _worst(r)
    _facts(r)
    _benchmark(r)
    _response(r)
    _headline(r)
    # the comparison over seeds: each table with its reader, read when the study has it
    readers = ([(name, _seed_means) for name in SEED_TABLES] + [(name, _seed_verdicts) for name in VERDICT_TABLES]
               + [(name, _budget_rules) for name in BUDGET_TABLES])
    for name, reader in readers:
        if name in r.tables:
            reader(r, name)
    if "05_seed_comparisons_greedy" in r.tables:
        _seed_verdicts(r, "05_seed_comparisons_greedy", into=r.seed_verdicts_greedy)
    for name, reader in (("07_streaming", _streaming_settings), ("07_streaming_selection", _streaming_rule),
                         ("07_sizes", _size_points), ("07_size_findings", _size_findings),
                         ("07_size_runs", _size_runs)):
        if name in r.tables:
            reader(r)
    for name in PENDING:
        r.pending[name] = r.tables.get(name)
    return r


def _runs(r: Results) -> None:
    folder = r.root / "manifests" / "runs"
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        m = _read_json(path)
        if not isinstance(m, dict) or "config" not in m:
            continue
        name, rel = path.stem, path.relative_to(r.root).as_posix()
        cfg = m["config"]
        family = family_of(m.get("config_name") or cfg.get("name", name))
        data = cfg.get("data", {})
        vocabulary = "ljspeech" if data.get("layout") == "ljspeech" else data.get("condition", "")
        es = m.get("early_stopping") or {}

        def mq(path_, kind, key=None, value=None):
            obj: Any = m
            for p in path_:
                obj = obj.get(p) if isinstance(obj, dict) else None
            if obj is None:
                return None
            return r.q(obj, kind, Source(rel, tuple(path_)), key, {"run": name})

        r.runs[name] = RunInfo(
            name=name, config=m.get("config_name", ""), family=family, model=model_of(family), vocabulary=vocabulary,
            seed=mq(["seed"], "int"), parameters=mq(["n_parameters"], "count", ("parameters", name)),
            epochs=mq(["epochs_completed"], "int", ("epochs", name)),
            max_epochs=mq(["config", "train", "epochs"], "int"), stopped_early=bool(es.get("stopped_early")),
            best_epoch=mq(["early_stopping", "best_epoch"], "int"), patience=mq(["config", "train", "patience"], "int"),
            train_wall_s=_train_wall(r, m, rel, name), train_utterances=mq(["n_train_utterances"], "count"),
            sessions=mq(["model_kwargs", "n_sessions"], "int"), data=cfg,
            kwargs=dict(m.get("model_kwargs") or {}), manifest=rel, raw=m)


def _train_wall(r: Results, m: dict, rel: str, name: str) -> Q | None:
    """A run's training wall time: its training process's, from the manifest; for a run resumed from a
    checkpoint, whose last process measured only its own epochs, from the first start to the end (as the
    benchmark reports it), pauses between the processes included."""
    meta = {"run": name}
    if m.get("resumed_from_epoch") and m.get("first_start_time") and m.get("end_time"):
        source = derived("seconds_between", Source(rel, ("first_start_time",)), Source(rel, ("end_time",)))
        return r.q(DERIVED["seconds_between"](m["first_start_time"], m["end_time"]), "s", source, None, meta)
    if m.get("train_process_wall_s") is None:
        return None
    return r.q(m["train_process_wall_s"], "s", Source(rel, ("train_process_wall_s",)), None, meta)


def _meta(model: str, vocabulary: str, split: str, mode: str, decoder: str, run: str = "") -> dict:
    return {"model": model, "vocabulary": vocabulary, "split": split, "mode": mode, "decoder": decoder,
            "run": run}


def _score_key(metric: str, run: str, split: str, mode: str, decoder: str) -> tuple:
    return (metric, run, split, mode, decoder)


def _table31(r: Results) -> None:
    t = _Table(r, "03_table31", ("model", "config", "seed", "run", "epochs trained"))
    for i, row in enumerate(t.rows):
        run = row["run"]
        info = r.runs.get(run)
        family = family_of(row["config"])
        vocabulary = info.vocabulary if info else {"ds2audio_closed": "closed", "ds2audio_full": "open",
                                                   "ds2audio_ljspeech": "ljspeech"}.get(family, "")
        original = next((c for c in t.data["columns"] if c.startswith("WER % original")), None)
        for decoder, tag in (("greedy", "greedy"), ("beam", "beam + LM")):
            wer_col, cer_col = f"WER % ({tag})", f"CER % ({tag})"
            if wer_col not in t.data["columns"]:
                continue
            meta = _meta("ds2audio", vocabulary, "test", "voiced audio", decoder, run)
            utt_col = next(c for c in t.data["columns"] if c.endswith(" utterances"))
            r.scores.append(Score(
                model="ds2audio", label=row["model"], vocabulary=vocabulary, split="test", mode="voiced audio",
                decoder=decoder, seeds=(int(row["seed"]),),
                wer=t.rate(i, wer_col, "pct", _score_key("wer", run, "test", "voiced", decoder), meta),
                cer=t.rate(i, cer_col, "pct", _score_key("cer", run, "test", "voiced", decoder), meta),
                utterances=t.cell(i, utt_col, "count", ("utterances", run, "test", "voiced"), meta),
                runs=(run,), table="03_table31", dataset=row.get("dataset", ""),
                original_wer=(t.cell(i, original, "pct", None, {"source": "original dissertation"})
                              if original and _number(row.get(original)) else None)))


def _scores(r: Results, name: str) -> None:
    t = _Table(r, name, ("model", "config", "seed", "condition", "evaluated on", "decoder", "WER %", "CER %",
                         "utterances", "run"))
    for i, row in enumerate(t.rows):
        run, decoder = row["run"], DECODERS[row["decoder"]]
        model = model_of(family_of(row["config"]))
        meta = _meta(model, row["condition"], "test", row["evaluated on"], decoder, run)
        r.scores.append(Score(
            model=model, label=row["model"], vocabulary=row["condition"], split="test", mode=row["evaluated on"],
            decoder=decoder, seeds=(int(row["seed"]),),
            wer=t.rate(i, "WER %", "pct", _score_key("wer", run, "test", row["evaluated on"], decoder), meta),
            cer=t.rate(i, "CER %", "pct", _score_key("cer", run, "test", row["evaluated on"], decoder), meta),
            utterances=t.cell(i, "utterances", "count", ("utterances", run, "test", row["evaluated on"]), meta),
            runs=(run,), table=name))
        if "parameters" in t.data["columns"]:
            t.cell(i, "parameters", "count", ("parameters", run), meta)
        if "epochs trained" in t.data["columns"]:
            t.cell(i, "epochs trained", "int", ("epochs", run), meta)


def _comparisons(r: Results, name: str) -> None:
    t = _Table(r, name, ("comparison", "evaluated on", "metric", "A %", "B %", "difference (points)",
                         "difference CI low", "difference CI high", "ratio A/B", "ratio CI low", "ratio CI high",
                         "verdict"))
    ablation_decoder = None
    if "06_ablations" in r.tables:
        ablation_decoder = "greedy"  # 06_ablations: the ablations are scored greedily (its caption; checked)
    for i, row in enumerate(t.rows):
        split, mode, decoder = COMPARISON_SETTINGS[row["evaluated on"]]
        decoder = decoder or ablation_decoder or ""
        metric = {"WER %": "wer", "CER %": "cer"}[row["metric"]]
        if "run A" in t.data["columns"]:
            a, b = row["run A"], row["run B"]
            vocabulary = r.runs[a].vocabulary if a in r.runs else ""
        else:  # ablations: "<variant> vs full model", on the ablations' vocabulary
            a, _, b = row["comparison"].partition(" vs ")
            vocabulary = _ablation_vocabulary(r)
        meta = {"split": split, "mode": mode, "decoder": decoder, "vocabulary": vocabulary, "metric": metric}
        key = ("difference", metric, a, b, split, mode, decoder)
        diff = Rate(t.cell(i, "difference (points)", "points", key, meta),
                    t.cell(i, "difference CI low", "points", key + ("low",), meta),
                    t.cell(i, "difference CI high", "points", key + ("high",), meta))
        rkey = ("ratio", metric, a, b, split, mode, decoder)
        ratio = Rate(t.cell(i, "ratio A/B", "ratio", rkey, meta), t.cell(i, "ratio CI low", "ratio", rkey + ("low",), meta),
                     t.cell(i, "ratio CI high", "ratio", rkey + ("high",), meta))
        verdict = Word(row["verdict"], Source(t.file, ("rows", i, "values", "verdict")), meta)
        single = "run A" in t.data["columns"]
        r.comparisons.append(Comparison(
            a=a, b=b, metric=metric, split=split, mode=mode, decoder=decoder, vocabulary=vocabulary,
            a_value=t.cell(i, "A %", "pct", _score_key(metric, a, split, mode, decoder) if single else None, meta),
            b_value=t.cell(i, "B %", "pct", _score_key(metric, b, split, mode, decoder) if single else None, meta),
            difference=diff, ratio=ratio, verdict=verdict, seeds_a=t.cell(i, "seeds A", "int"),
            seeds_b=t.cell(i, "seeds B", "int"), table=name))


# the seed comparison's tables (semg_study.chapters.headline: summary_table, verdict_table, budget_table,
# streaming_table); every rate is on the test split, silent EMG
SEED_TABLES = ("05_seeds", "06_ablations_budget", "07_streaming")
VERDICT_TABLES = ("05_seed_comparisons", "06_ablations_budget_comparisons")
BUDGET_TABLES = ("05_budget_rule",)
_DECODER = {"beam + LM": "beam", "greedy": "greedy"}


def _seed_means(r: Results, name: str) -> None:
    t = _Table(r, name, ("part", "model", "condition", "setting", "decoder", "seeds", "seeds missing", "WER %",
                         "WER % sd", "WER % CI low", "WER % CI high"))
    for i, row in enumerate(t.rows):
        decoder = _DECODER[row["decoder"]]
        meta = {"split": "test", "mode": "silent", "decoder": decoder, "vocabulary": row["condition"],
                "model": row["model"], "setting": row["setting"], "part": row["part"]}
        key = ("seed mean", row["part"], row["model"], row["condition"], row["setting"], decoder)
        if t.cell(i, "WER %", "pct") is None:
            continue  # no finished run of this group yet (the table lists it with its missing seeds)
        r.seed_means.append(SeedMean(
            part=row["part"], model=row["model"], vocabulary=row["condition"], setting=row["setting"],
            # the key names the vocabulary: MyoStream's session adapters make its open-vocabulary run larger
            decoder=decoder, parameters=t.cell(i, "parameters", "count", ("parameters", row["model"], row["condition"],
                                                                          row["setting"]))
            if "parameters" in t.data["columns"] else None,
            seeds=t.cell(i, "seeds", "int"), seeds_missing=str(row.get("seeds missing") or ""),
            wer=t.rate(i, "WER %", "pct", key + ("wer",), meta), wer_sd=t.cell(i, "WER % sd", "sd", None, meta),
            cer=t.rate(i, "CER %", "pct", key + ("cer",), meta) if "CER %" in t.data["columns"] else None,
            cer_sd=t.cell(i, "CER % sd", "sd", None, meta) if "CER % sd" in t.data["columns"] else None,
            table=name))


def _seed_verdicts(r: Results, name: str, into: list | None = None) -> None:
    t = _Table(r, name, ("part", "condition", "A", "B", "metric", "decoder", "seeds A", "seeds B", "A %", "B %",
                         "difference (points)", "difference CI low", "difference CI high", "ratio A/B",
                         "ratio CI low", "ratio CI high", "verdict"))
    for i, row in enumerate(t.rows):
        metric = {"WER %": "wer", "CER %": "cer"}[row["metric"]]
        decoder = _DECODER[row["decoder"]]
        meta = {"split": "test", "mode": "silent", "decoder": decoder, "vocabulary": row["condition"],
                "metric": metric, "part": row["part"]}
        key = ("seed difference", row["part"], metric, row["A"], row["B"], row["condition"], decoder)
        rkey = ("seed ratio",) + key[1:]
        (r.seed_verdicts if into is None else into).append(SeedVerdict(
            part=row["part"], vocabulary=row["condition"], a=row["A"], b=row["B"], metric=metric, decoder=decoder,
            a_value=t.cell(i, "A %", "pct", None, meta), b_value=t.cell(i, "B %", "pct", None, meta),
            difference=Rate(t.cell(i, "difference (points)", "points", key, meta),
                            t.cell(i, "difference CI low", "points", key + ("low",), meta),
                            t.cell(i, "difference CI high", "points", key + ("high",), meta)),
            ratio=Rate(t.cell(i, "ratio A/B", "ratio", rkey, meta), t.cell(i, "ratio CI low", "ratio", rkey + ("low",), meta),
                       t.cell(i, "ratio CI high", "ratio", rkey + ("high",), meta)),
            verdict=Word(row["verdict"], Source(t.file, ("rows", i, "values", "verdict")), meta),
            seeds_a=t.cell(i, "seeds A", "int"), seeds_b=t.cell(i, "seeds B", "int"), table=name))


def _budget_rules(r: Results, name: str) -> None:
    t = _Table(r, name, ("part", "runs", "epoch ceilings", "patiences", "rule holds",
                         "stopped at the ceiling while improving"))
    for i, row in enumerate(t.rows):
        r.budget_rules.append(BudgetRule(
            part=row["part"], runs=t.cell(i, "runs", "count"),
            ceiling=t.cell(i, "epoch ceilings", "int") if _number(row["epoch ceilings"]) else None,
            patience=t.cell(i, "patiences", "int") if _number(row["patiences"]) else None,
            holds=Word(row["rule holds"], Source(t.file, ("rows", i, "values", "rule holds"))),
            improving=t.cell(i, "stopped at the ceiling while improving", "count"), table=name))


def _streaming_settings(r: Results) -> None:
    name = "07_streaming"
    t = _Table(r, name, ("setting", "streaming", "chunk (frames)", "look-ahead (frames)", "algorithmic latency ms",
                         "seeds", "decoder", "WER %", "WER % sd", "WER % CI low", "WER % CI high",
                         "ratio to full context", "ratio CI low", "ratio CI high", "relative cost %",
                         "difference (points)", "difference CI low", "difference CI high",
                         "verdict against full context"))
    for i, row in enumerate(t.rows):
        if t.cell(i, "WER %", "pct") is None:
            continue
        decoder = _DECODER[row["decoder"]]
        meta = {"split": "test", "mode": "silent", "decoder": decoder, "vocabulary": "closed", "model": "myostream",
                "setting": row["setting"], "part": "streaming"}
        key = ("seed mean", "streaming", "myostream", "closed", row["setting"], decoder)
        rkey = ("streaming ratio", row["setting"], decoder)
        dkey = ("streaming difference", row["setting"], decoder)
        ratio = t.cell(i, "ratio to full context", "ratio", rkey, meta)
        diff = t.cell(i, "difference (points)", "points", dkey, meta)
        r.streaming_settings.append(StreamingSetting(
            setting=t.cell(i, "setting", "text"), streaming=row["streaming"] == "yes",
            chunk=t.cell(i, "chunk (frames)", "int"), lookahead=t.cell(i, "look-ahead (frames)", "int"),
            algorithmic_ms=t.cell(i, "algorithmic latency ms", "ms", None, meta), seeds=t.cell(i, "seeds", "int"),
            wer=t.rate(i, "WER %", "pct", key + ("wer",), meta), wer_sd=t.cell(i, "WER % sd", "sd", None, meta),
            ratio=None if ratio is None else Rate(ratio, t.cell(i, "ratio CI low", "ratio", rkey + ("low",), meta),
                                                  t.cell(i, "ratio CI high", "ratio", rkey + ("high",), meta)),
            relative_cost=t.cell(i, "relative cost %", "pct", None, meta),
            difference=None if diff is None else Rate(diff, t.cell(i, "difference CI low", "points", dkey + ("low",), meta),
                                                      t.cell(i, "difference CI high", "points", dkey + ("high",), meta)),
            verdict=Word(row["verdict against full context"],
                         Source(t.file, ("rows", i, "values", "verdict against full context")), meta)))


def _streaming_rule(r: Results) -> None:
    t = _Table(r, "07_streaming_selection", ("max relative cost %", "max algorithmic latency ms", "outcome",
                                             "chosen setting", "chosen algorithmic latency ms",
                                             "chosen relative cost %"))
    if not t.rows:
        return
    r.streaming_rule = StreamingRule(
        max_cost=t.cell(0, "max relative cost %", "pct0"), max_ms=t.cell(0, "max algorithmic latency ms", "ms0"),
        outcome=Word(t.rows[0]["outcome"], Source(t.file, ("rows", 0, "values", "outcome"))),
        chosen=t.cell(0, "chosen setting", "text"), chosen_ms=t.cell(0, "chosen algorithmic latency ms", "ms"),
        chosen_cost=t.cell(0, "chosen relative cost %", "pct"))


# the columns of the ablation table its reader needs (the ablation runner writes each of them)
ABLATION_COLUMNS = ("variant", "switched off", "seeds", "WER % mean", "WER % std", "WER %", "WER % CI low",
                    "WER % CI high", "CER %", "epochs trained", "runs")


def _ablation_vocabulary(r: Results) -> str:
    rows = r.tables.get("06_ablations", {}).get("rows", [])
    first = str(rows[0]["values"].get("runs", "")).split(",")[0].strip() if rows else ""
    return r.runs[first].vocabulary if first in r.runs else ""


def _ablations(r: Results) -> None:
    t = _Table(r, "06_ablations", ABLATION_COLUMNS)
    for i, row in enumerate(t.rows):
        runs = tuple(x.strip() for x in str(row["runs"]).split(","))
        vocabulary = r.runs[runs[0]].vocabulary if runs[0] in r.runs else ""
        meta = {"split": "test", "mode": "silent", "decoder": "greedy", "vocabulary": vocabulary,
                "model": "myostream", "variant": row["variant"]}
        key = ("ablation", row["variant"], "test", "silent", "greedy")
        delta_col = next((c for c in t.data["columns"] if c.startswith("ΔWER")), None)
        diff = None
        if delta_col and _number(row.get("difference CI low")):
            dkey = ("difference", "wer", row["variant"], "full model", "test", "silent", "greedy")
            diff = Rate(t.cell(i, delta_col, "points", dkey, meta), t.cell(i, "difference CI low", "points",
                                                                              dkey + ("low",), meta),
                        t.cell(i, "difference CI high", "points", dkey + ("high",), meta))
        verdict_col = "verdict vs full model"
        verdict = (Word(row[verdict_col], Source(t.file, ("rows", i, "values", verdict_col)), meta)
                   if row.get(verdict_col) else None)
        seeds = tuple(int(s) for s in str(row["seeds"]).split(",") if s.strip())
        params = [r.runs[x].parameters for x in runs if x in r.runs]
        r.ablations.append(Ablation(
            variant=row["variant"], switched_off="" if row["switched off"] == "(none)" else row["switched off"],
            seeds=seeds, wer=t.rate(i, "WER %", "pct", key + ("wer",), meta),
            wer_sd=t.cell(i, "WER % std", "sd", key + ("wer_sd",), meta),
            cer=t.rate(i, "CER %", "pct", key + ("cer",), meta), difference=diff, verdict=verdict,
            epochs=tuple(int(e) for e in str(row["epochs trained"]).split(",") if e.strip()), runs=runs,
            parameters=params[0] if params else None))


def _latency(r: Results) -> None:
    t = _Table(r, "07_latency", ("model", "config", "evaluated on", "parameters", "latency p50 ms", "latency p95 ms",
                                 "RTF p50", "RTF p95", "WER % (greedy)", "CER % (greedy)"))
    seen: set[str] = set()
    for i, row in enumerate(t.rows):
        run = _run_from_manifest_ref(t.manifests(i)[0])
        if run in seen:
            # notebook 07 times a run twice when the ablations' full model is the headline run (the smoke
            # profile): two measurements of one quantity; the document reports the first
            continue
        seen.add(run)
        info = r.runs.get(run)
        model = info.model if info else model_of(family_of(row["config"]))
        vocabulary = info.vocabulary if info else ""
        streaming = bool(info and info.data.get("model", {}).get("streaming_mask", False))
        meta = {"run": run, "model": model, "vocabulary": vocabulary, "threads": 1}
        wmeta = {**meta, "split": LATENCY_SPLIT, "decoder": LATENCY_DECODER, "mode": row["evaluated on"]}
        lkey = ("latency07", run)
        r.latency.append(Latency(
            label=row["model"], run=run, model=model, vocabulary=vocabulary, streaming_mask=streaming,
            mode=row["evaluated on"], parameters=t.cell(i, "parameters", "count", ("parameters", run), meta),
            p50_ms=t.cell(i, "latency p50 ms", "ms", lkey + ("p50",), meta),
            p95_ms=t.cell(i, "latency p95 ms", "ms", lkey + ("p95",), meta),
            rtf_p50=t.cell(i, "RTF p50", "rtf", lkey + ("rtf50",), meta),
            rtf_p95=t.cell(i, "RTF p95", "rtf", lkey + ("rtf95",), meta),
            chunk_ms=t.cell(i, "chunk ms", "ms", ("chunk_ms", run), meta) if "chunk ms" in t.data["columns"] else None,
            chunk_p95_ms=t.cell(i, "chunk compute p95 ms", "ms", lkey + ("chunk95",), meta)
            if "chunk compute p95 ms" in t.data["columns"] else None,
            algorithmic_ms=t.cell(i, "algorithmic latency ms", "ms", ("algorithmic_ms", run), meta)
            if "algorithmic latency ms" in t.data["columns"] else None,
            total_ms=t.cell(i, "total response latency ms", "ms", lkey + ("total",), meta)
            if "total response latency ms" in t.data["columns"] else None,
            wer=t.cell(i, "WER % (greedy)", "pct", _score_key("wer", run, LATENCY_SPLIT, row["evaluated on"],
                                                              LATENCY_DECODER), wmeta),
            cer=t.cell(i, "CER % (greedy)", "pct", _score_key("cer", run, LATENCY_SPLIT, row["evaluated on"],
                                                              LATENCY_DECODER), wmeta)))


def _corpus(r: Results) -> None:
    t = _Table(r, "01_corpus_overview", ("condition", "split", "mode", "utterances", "sessions", "duration_min",
                                         "words_per_utterance", "vocabulary"))
    for i, row in enumerate(t.rows):
        meta = {"vocabulary": row["condition"], "split": row["split"], "mode": row["mode"]}
        key = ("corpus", row["condition"], row["split"], row["mode"])
        r.corpus.append(CorpusPart(
            vocabulary=row["condition"], split=row["split"], mode=row["mode"],
            utterances=t.cell(i, "utterances", "count", key + ("utterances",), meta),
            sessions=t.cell(i, "sessions", "int", key + ("sessions",), meta),
            minutes=t.cell(i, "duration_min", "min", key + ("minutes",), meta),
            words=t.cell(i, "words_per_utterance", "dec1", key + ("words",), meta),
            vocabulary_size=t.cell(i, "vocabulary", "count", key + ("vocabulary",), meta)))


def _live(r: Results) -> None:
    t = _Table(r, "08_live_decoding", ("utterance", "reference", "streamed hypothesis", "WER %", "word errors",
                                       "reference words", "chunks", "chunk compute p95 ms"))
    runs = {_run_from_manifest_ref(t.manifests(i)[0]) for i in range(len(t.rows))}
    r.live_run = sorted(runs)[0] if runs else None
    for i, row in enumerate(t.rows):
        meta = {"split": "test", "mode": "silent", "decoder": "greedy", "run": r.live_run}
        r.live.append(LiveUtterance(
            utterance=row["utterance"], reference=row["reference"], hypothesis=row["streamed hypothesis"],
            wer=t.cell(i, "WER %", "pct", None, meta), word_errors=t.cell(i, "word errors", "count", None, meta),
            reference_words=t.cell(i, "reference words", "count", None, meta),
            chunks=t.cell(i, "chunks", "count", None, meta),
            chunk_p95_ms=t.cell(i, "chunk compute p95 ms", "ms", ("live_chunk95", row["utterance"]), meta)))


def _replay(r: Results) -> None:
    t = _Table(r, "08_replay_check", ("utterance", "recorded_samples", "replayed_samples", "max_abs_difference_uv"))
    for i, row in enumerate(t.rows):
        r.replay.append(ReplayCheck(
            utterance=row["utterance"], recorded_samples=t.cell(i, "recorded_samples", "count"),
            replayed_samples=t.cell(i, "replayed_samples", "count"),
            max_abs_difference_uv=t.cell(i, "max_abs_difference_uv", "uv")))


def default_feature_config() -> dict:
    """The feature pipeline's settings as the code defines them (when no run manifest records any)."""
    from semg_study.features import FeatureConfig

    return FeatureConfig().to_dict()


def default_feature_value(*path: str):
    obj = default_feature_config()
    for part in path:
        obj = obj[part]
    return obj


def _feature_facts(r: Results) -> None:
    """The feature pipeline's settings, from the first run manifest that records them (else the code's)."""
    found = None
    for info in r.runs.values():
        fc = info.raw.get("feature_config") or {}
        if isinstance(fc.get("preprocess"), dict):
            found = (fc, lambda path, m=info.manifest: Source(m, ("feature_config",) + tuple(path)))
            break
    if found is None:
        found = (default_feature_config(),
                 lambda path: Source("call:semg_study.report.thesis.records", ("default_feature_value",) + tuple(path)))
    fc, src = found
    kinds = {"mains_hz": "hz", "notch_q": "real", "highpass_hz": "hz", "highpass_order": "int",
             "source_rate": "hz", "raw_rate": "hz", "feature_rate": "hz", "raw_samples_per_frame": "int",
             "feature_samples_per_frame": "int", "n_channels": "int", "raw_scale": "real", "raw_clip": "real"}
    pre = fc["preprocess"]
    for key, kind in kinds.items():
        if key in pre:
            r.facts[f"fc.{key}"] = r.q(pre[key], kind, src(("preprocess", key)))
    harmonics = pre.get("notch_harmonics") or []
    if harmonics:
        r.facts["fc.notches"] = r.q(len(harmonics), "int", derived("len", src(("preprocess", "notch_harmonics"))))
        r.facts["fc.top_notch"] = r.q(max(harmonics) * pre["mains_hz"], "hz", derived(
            "product", derived("max_of", src(("preprocess", "notch_harmonics"))), src(("preprocess", "mains_hz"))))
    for key, kind in (("n_mels", "int"), ("sample_rate", "hz"), ("hop_length", "int"), ("n_fft", "int")):
        if key in (fc.get("mel") or {}):
            r.facts[f"mel.{key}"] = r.q(fc["mel"][key], kind, src(("mel", key)))
    if "fc.raw_rate" in r.facts and "fc.raw_samples_per_frame" in r.facts:
        a, b = r.facts["fc.raw_rate"], r.facts["fc.raw_samples_per_frame"]
        r.facts["fc.frame_rate"] = r.q(a.value / b.value, "hz", derived("ratio", a.source, b.source))


def _worst(r: Results) -> None:
    t = _Table(r, "05_worst_utterances", ("utterance", "reference words", "substitutions", "deletions", "insertions",
                                          "WER %", "reference", "hypothesis"))
    runs = {_run_from_manifest_ref(t.manifests(i)[0]) for i in range(len(t.rows))}
    r.worst_run = sorted(runs)[0] if runs else None
    info = r.runs.get(r.worst_run or "")
    # notebook 05 decodes its worst utterances with the beam search (its caption says so; checked)
    meta = {"split": "test", "mode": "silent", "decoder": "beam", "run": r.worst_run,
            "vocabulary": info.vocabulary if info else ""}
    for i, row in enumerate(t.rows):
        r.worst.append(WorstUtterance(
            utterance=row["utterance"], reference_words=t.cell(i, "reference words", "count", None, meta),
            substitutions=t.cell(i, "substitutions", "count", None, meta),
            deletions=t.cell(i, "deletions", "count", None, meta), insertions=t.cell(i, "insertions", "count", None, meta),
            wer=t.cell(i, "WER %", "pct", None, meta), reference=row["reference"], hypothesis=row["hypothesis"]))


def _facts(r: Results) -> None:
    """Single facts of notebooks 01 and 02: named by the row the runner wrote them under."""
    _feature_facts(r)
    f = r.facts
    if "01_spectral_summary" in r.tables:
        t = _Table(r, "01_spectral_summary", ("signal", "band_20_450_share", "mains_60hz_peak_db"))
        for i, row in enumerate(t.rows):
            f[f"mains_db.{row['signal']}"] = t.cell(i, "mains_60hz_peak_db", "db")
            f[f"band_share.{row['signal']}"] = t.cell(i, "band_20_450_share", "pct", scale=100.0)
            f["spectral_utterances"] = t.cell(i, "utterances", "count")
    if "01_silent_vs_voiced" in r.tables:
        t = _Table(r, "01_silent_vs_voiced", ("mode", "utterances", "rms_uv_mean"))
        for i, row in enumerate(t.rows):
            f[f"rms.{row['mode']}"] = t.cell(i, "rms_uv_mean", "uv", meta={"mode": row["mode"]})
            f[f"rms_utterances.{row['mode']}"] = t.cell(i, "utterances", "count", meta={"mode": row["mode"]})
        if "rms.silent" in f and "rms.voiced" in f:
            s, v = f["rms.silent"], f["rms.voiced"]
            f["rms.ratio"] = r.q(v.value / s.value, "factor", derived("ratio", v.source, s.source))
    if "02_embedding_phonemes" in r.tables:
        t = _Table(r, "02_embedding_phonemes", ("phoneme", "frames", "share %", "5-NN recall %"))
        shares, speech_shares, sil = [], [], None
        for i, row in enumerate(t.rows):
            if str(row["phoneme"]).startswith("("):
                f["knn_recall"] = t.cell(i, "5-NN recall %", "pct")
                f["knn_frames"] = t.cell(i, "frames", "count")
            else:
                shares.append(Source(t.file, ("rows", i, "values", "share %")))
                if row["phoneme"] == "sil":
                    sil = i
                else:
                    speech_shares.append(shares[-1])
        if sil is not None and "knn_recall" in f and speech_shares:
            # silence is the largest class and the easiest to find: the recall of the other frames, and their
            # chance (the listed phonemes' shares among the frames that are not silence), say what is phonetic
            sil_recall, sil_frames = t.cell(sil, "5-NN recall %", "pct"), t.cell(sil, "frames", "count")
            sil_share = t.cell(sil, "share %", "pct")
            all_recall, all_frames = f["knn_recall"], f["knn_frames"]
            speech = _rest_recall(all_recall.value, all_frames.value, sil_recall.value, sil_frames.value)
            f["knn_sil"] = {"recall": sil_recall, "frames": sil_frames, "share": sil_share}
            f["knn_speech_frames"] = r.q(all_frames.value - sil_frames.value, "count",
                                         derived("difference", all_frames.source, sil_frames.source))
            f["knn_speech_recall"] = r.q(speech, "pct", derived("rest_recall", all_recall.source, all_frames.source,
                                                                sil_recall.source, sil_frames.source))
            values = [s.read(r.root) for s in speech_shares]
            f["knn_speech_chance"] = r.q(_chance_without(sil_share.value, *values), "pct",
                                         derived("chance_without", sil_share.source, *speech_shares))
        if shares:
            # a neighbour drawn at random has phoneme i with probability p_i: chance recall is sum(p_i^2)
            values = [s.read(r.root) for s in shares]
            chance = _chance_recall(*values)
            f["knn_chance"] = r.q(chance, "pct", derived("chance_recall", *shares))
            f["phonemes_shown"] = r.q(len(values), "int", derived("count", *shares))


def _rest_recall(all_recall, all_frames, part_recall, part_frames):
    """The recall (%) of the frames outside one class, from the recall over all frames and that class's."""
    return (all_recall * all_frames - part_recall * part_frames) / (all_frames - part_frames)


def _chance_without(removed_share, *shares):
    """Chance recall (%) among the frames outside a removed class: the listed shares renormalised to them."""
    rest = 100.0 - removed_share
    return sum((v / rest) ** 2 for v in shares) * 100


def _chance_recall(*shares):
    """Chance recall (%) over all frames: each phoneme's share squared, summed."""
    return _chance_without(0.0, *shares)


from semg_study.report.thesis.values import DERIVED as _DERIVED  # noqa: E402

_DERIVED["chance_recall"] = _chance_recall
_DERIVED["rest_recall"] = _rest_recall
_DERIVED["chance_without"] = _chance_without


def _benchmark_files(root: Path, suffix: str) -> list[Path]:
    folder = root / "benchmarks"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*{suffix}") if p.name[:4].isdigit())


def _benchmark(r: Results) -> None:
    files = [p for p in _benchmark_files(r.root, ".json") if not p.name.endswith("-response-latency.json")
             and (_read_json(p) or {}).get("kind") == "semg-study-benchmark"
             and (r.profile is None or (_read_json(p) or {}).get("profile") == r.profile)]
    if not files:
        return
    path = files[-1]
    b = _read_json(path)
    rel = path.relative_to(r.root).as_posix()
    r.benchmark, r.benchmark_file = b, rel
    findings = b.get("findings", {})
    split, decoder = findings.get("split", "test"), "beam"
    # the benchmark's error rates of the study's runs: the same quantities as the study tables' (one value)
    for name, entry in findings.items():
        if not isinstance(entry, dict) or "run" not in entry or "wer" not in entry:
            continue
        run, mode = entry["run"], entry.get("mode", "silent")
        mode_key = "voiced" if name.startswith("ds2audio") else mode
        for metric in ("wer", "cer"):
            key = _score_key(metric, run, entry.get("split", split), mode_key, entry.get("decoder", decoder))
            src = Source(rel, ("findings", name, metric), 100.0)
            r.q(entry[metric] * 100.0, "pct", src, key)
            if isinstance(entry.get(f"{metric}_ci"), list):
                for j, end in enumerate(("low", "high")):
                    r.q(entry[f"{metric}_ci"][j] * 100.0, "pct", Source(rel, ("findings", name, f"{metric}_ci", j), 100.0),
                        key + ("ci", end))
    # parameters of the runs the benchmark compared
    for fam, entry in b.get("models", {}).items():
        run = Path(str(entry.get("run", ""))).name
        if run and _number(entry.get("parameters")):
            r.q(entry["parameters"], "count", Source(rel, ("models", fam, "parameters")), ("parameters", run))
    # streaming against full context (closed vocabulary, the benchmark's own variant run)
    s = b.get("streaming") or {}
    meta = {"split": s.get("split"), "mode": s.get("mode"), "vocabulary": s.get("condition"), "threads": s.get("threads")}
    for field_, kind in (("chunk_ms", "ms"), ("chunk_p50_ms", "ms"), ("chunk_p95_ms", "ms"), ("algorithmic_ms", "ms"),
                         ("total_response_ms", "ms"), ("threads", "int"), ("chunk_frames", "int"),
                         ("lookahead_frames", "int"), ("utterances", "count")):
        if _number(s.get(field_)):
            key = {"chunk_ms": ("chunk_ms",), "algorithmic_ms": ("algorithmic_ms",)}.get(field_)
            run = Path(str(s.get("run", ""))).name
            r.streaming[field_] = r.q(s[field_], kind, Source(rel, ("streaming", field_)),
                                      None if key is None else key + (run,), meta)
    stream_run = Path(str(s.get("run", ""))).name
    full_run = Path(str(s.get("full_context_run", ""))).name
    for field_, decoder_ in (("streaming_wer", "beam"), ("full_context_wer", "beam"), ("streaming_wer_greedy", "greedy"),
                             ("full_context_wer_greedy", "greedy"), ("streaming_cer", "beam"),
                             ("full_context_cer", "beam")):
        if _number(s.get(field_)):
            run = stream_run if field_.startswith("streaming") else full_run
            metric = "cer" if "_cer" in field_ else "wer"
            key = _score_key(metric, run, s.get("split"), s.get("mode"), decoder_) if run else None
            r.streaming[field_] = r.q(s[field_] * 100, "pct", Source(rel, ("streaming", field_), 100.0), key,
                                      {**meta, "decoder": decoder_})
    for field_, decoder_ in (("wer_relative_change", "beam"), ("wer_relative_change_greedy", "greedy")):
        if _number(s.get(field_)):
            r.streaming[field_] = r.q(s[field_] * 100, "relchange", Source(rel, ("streaming", field_), 100.0), None,
                                      {**meta, "decoder": decoder_})
    cmp = findings.get("streaming_vs_full_context") or {}
    if isinstance(cmp.get("wer"), dict):
        w = cmp["wer"]
        dmeta = {**meta, "decoder": "beam", "metric": "wer"}
        r.streaming["difference"] = Rate(
            r.q(w["difference"] * 100, "points", Source(rel, ("findings", "streaming_vs_full_context", "wer", "difference"),
                                                        100.0), None, dmeta),
            r.q(w["difference_ci"][0] * 100, "points", Source(rel, ("findings", "streaming_vs_full_context", "wer",
                                                                    "difference_ci", 0), 100.0), None, dmeta),
            r.q(w["difference_ci"][1] * 100, "points", Source(rel, ("findings", "streaming_vs_full_context", "wer",
                                                                    "difference_ci", 1), 100.0), None, dmeta))
        r.streaming["verdict"] = Word(w["verdict"], Source(rel, ("findings", "streaming_vs_full_context", "wer",
                                                                 "verdict")), dmeta)
    if s.get("full_context_run"):
        r.streaming["full_context_run"] = r.q(Path(s["full_context_run"]).name, "text",
                                              Source(rel, ("streaming", "full_context_run")))
    for i, t in enumerate(b.get("targets", [])):
        _target(r, rel, ("targets", i), t, "benchmark")
    # the LM weight grid and rule
    lw = b.get("lm_weights") or {}
    if lw:
        r.facts["lm_rule"] = r.q(lw.get("rule", ""), "text", Source(rel, ("lm_weights", "rule")))


def _target(r: Results, rel: str, path: tuple, t: dict, report: str) -> None:
    if not _number(t.get("value")) or not _number(t.get("threshold")):
        return
    kind = _target_kind(t)
    scale = 100.0 if kind in ("pct", "relchange") else 1.0
    meta = {"target": t["name"]}
    r.targets.append(Target(
        name=t["name"], description=r.q(target_prose(t.get("description", "")), "text",
                                        derived("target_prose", Source(rel, path + ("description",)))),
        value=r.q(t["value"] * scale, kind, Source(rel, path + ("value",), scale), ("target", t["name"]), meta),
        threshold=r.q(t["threshold"] * scale, _whole(kind, t["threshold"] * scale),
                      Source(rel, path + ("threshold",), scale), None, meta),
        comparison=t.get("comparison", ""),
        met=Word("met" if t.get("met") else "missed", Source(rel, path + ("met",)), meta), report=report))


def target_prose(description) -> str:
    """A target's description as the document prints it: no Markdown backticks, and the reproduction called by
    its name in the text rather than its config name."""
    return str(description).replace("`", "").replace("gaddy2022", "reproduction")


DERIVED["target_prose"] = target_prose


def _whole(kind: str, value: float) -> str:
    """A target's threshold stated in whole units is printed so (300 ms, 10 %)."""
    if abs(value - round(value)) < 1e-9:
        return {"ms": "ms0", "pct": "pct0", "relchange": "pct0"}.get(kind, kind)
    return kind


def _target_kind(t: dict) -> str:
    q = str(t.get("quantity", ""))
    if q.endswith((".wer", ".cer")):
        return "pct"
    if q.endswith("relative_change"):
        return "relchange"
    if "ratio" in q or q.startswith("ratios."):
        return "ratio3"
    if q.endswith(("_ms", ".p50_ms", ".p95_ms")):
        return "ms"
    if q.endswith("wall_s"):
        return "s"
    if q.endswith("_mb"):
        return "mb"
    return "real"


def _response(r: Results) -> None:
    files = _benchmark_files(r.root, "-response-latency.json")
    if not files:
        return
    path = files[-1]
    d = _read_json(path)
    if not isinstance(d, dict):
        return
    rel = path.relative_to(r.root).as_posix()
    r.response, r.response_file = d, rel
    for i, t in enumerate(d.get("targets", [])):
        _target(r, rel, ("targets", i), t, "response")


def _headline(r: Results) -> None:
    """The comparison over seeds as ``make bench`` reports it (``benchmarks/headline_report.py``): its targets."""
    files = [p for p in _benchmark_files(r.root, "-headline.json")
             if (_read_json(p) or {}).get("kind") == "semg-study-headline"
             and (r.profile is None or (_read_json(p) or {}).get("profile") == r.profile)]
    if not files:
        return
    path = files[-1]
    d = _read_json(path)
    rel = path.relative_to(r.root).as_posix()
    r.headline, r.headline_file = d, rel
    for i, t in enumerate(d.get("targets", [])):
        _target(r, rel, ("targets", i), t, "headline")


def _size_points(r: Results) -> None:
    name = "07_sizes"
    t = _Table(r, name, ("model", "condition", "setting", "parameters", "seeds", "decoder", "WER %", "WER % sd",
                         "WER % CI low", "WER % CI high", "response latency p50 ms"))
    for i, row in enumerate(t.rows):
        if t.cell(i, "WER %", "pct") is None:
            continue
        decoder = _DECODER[row["decoder"]]
        meta = {"split": "test", "mode": "silent", "decoder": decoder, "vocabulary": row["condition"],
                "model": row["model"], "setting": row["setting"], "part": "sizes"}
        key = ("seed mean", "sizes", row["model"], row["condition"], row["setting"], decoder)
        r.size_points.append(SizePoint(
            model=row["model"], setting=t.cell(i, "setting", "text"),
            parameters=t.cell(i, "parameters", "count", ("parameters", row["model"], row["condition"], row["setting"])),
            seeds=t.cell(i, "seeds", "int"), wer=t.rate(i, "WER %", "pct", key + ("wer",), meta),
            wer_sd=t.cell(i, "WER % sd", "sd", None, meta),
            # the latency's own decoder (the table's "response timed with"), not the WER's
            response_ms=t.cell(i, "response latency p50 ms", "ms", None,
                               {**meta, "decoder": _DECODER.get(str(row.get("response timed with")), decoder)})))


def _size_runs(r: Results) -> None:
    t = _Table(r, "07_size_runs", ("model", "condition", "setting", "seed", "epochs", "best epoch", "patience",
                                   "WER % beam + LM"))
    for i, row in enumerate(t.rows):
        wer = t.cell(i, "WER % beam + LM", "pct", None,
                     {"split": "test", "mode": "silent", "decoder": "beam", "vocabulary": row["condition"],
                      "model": row["model"], "setting": row["setting"], "part": "sizes"})
        epochs, best = t.cell(i, "epochs", "int"), t.cell(i, "best epoch", "int")
        if wer is None or epochs is None or best is None:
            continue
        r.size_runs.append(SizeRun(model=row["model"], setting=str(row["setting"]), seed=t.cell(i, "seed", "int"),
                                   epochs=epochs, best_epoch=best, patience=t.cell(i, "patience", "int"), wer=wer))


# "myostream: d_model=16" -> "d_model=16": the size a finding's row names, after its model
DERIVED["measured_setting"] = lambda cell: str(cell).partition(": ")[2]


def _size_findings(r: Results) -> None:
    name = "07_size_findings"
    t = _Table(r, name, ("axis", "at", "measured", "difference (points)", "difference CI low", "difference CI high",
                         "verdict", "reason"))
    for i, row in enumerate(t.rows):
        model, _, setting = str(row["measured"]).partition(": ")
        meta = {"split": "test", "mode": "silent", "decoder": "beam", "vocabulary": "closed", "metric": "wer",
                "part": "sizes"}
        key = ("size difference", row["axis"], model, setting)
        diff = t.cell(i, "difference (points)", "points", key, meta)
        r.size_findings.append(SizeFinding(
            axis=row["axis"], at=t.cell(i, "at", "count" if row["axis"] == "parameters" else "ms"), model=model,
            setting=Q(setting, "text", derived("measured_setting", Source(t.file, ("rows", i, "values", "measured")))),
            difference=None if diff is None else Rate(diff, t.cell(i, "difference CI low", "points", key + ("low",), meta),
                                                      t.cell(i, "difference CI high", "points", key + ("high",), meta)),
            verdict=Word(row["verdict"], Source(t.file, ("rows", i, "values", "verdict")), meta),
            outside=bool(row.get("reason")) and "outside" in str(row["reason"])))
