"""What several chapters share: names of things, the phrases of metadata, values of a score, a
scores table whose caption is generated from the metadata of the rows it shows."""
from __future__ import annotations

from typing import Any

from semg_study.report.thesis.records import Results, Score
from semg_study.report.thesis.values import Q, Rate, Source, Word, code, derived

# what the text calls each model (words only: the reproduction is cited where it is named)
MODEL_NAMES = {"myostream": "MyoStream", "gaddy2022": "the reproduction", "ds2emg": "DeepSpeech2 on EMG features",
               "ds2audio": "DeepSpeech2 on audio"}
TABLE_NAMES = {"myostream": "MyoStream", "gaddy2022": "Reproduction", "ds2emg": "DeepSpeech2 (EMG features)",
               "ds2audio": "DeepSpeech2 (audio)"}
SPLITS = {"test": "test split", "dev": "dev split"}
MODES = {"silent": "silent EMG", "voiced": "voiced EMG", "voiced audio": "voiced audio"}
DECODERS = {"greedy": "greedy decoding", "beam": "beam search with the language model"}
VOCABULARIES = {"closed": "closed vocabulary", "open": "open vocabulary", "ljspeech": "LJSpeech-layout corpus"}


def phrase(kind: str, value: str) -> str:
    return {"split": SPLITS, "mode": MODES, "decoder": DECODERS, "vocabulary": VOCABULARIES}[kind].get(value, value)


def join(items: list[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def run_values(r: Results, run: str) -> dict[str, Any]:
    info = r.runs.get(run)
    if info is None:
        return {}
    return {"params": info.parameters, "epochs": info.epochs, "ceiling": info.max_epochs,
            "best_epoch": info.best_epoch, "patience": info.patience, "seed": info.seed,
            "stopped_early": info.stopped_early, "wall": info.train_wall_s, "sessions": info.sessions,
            "train_utterances": info.train_utterances}


def score_values(r: Results, s: Score | None) -> dict[str, Any] | None:
    """A score's named values: ``wer``, ``cer`` (with intervals), ``utterances``, and its run's."""
    if s is None:
        return None
    out: dict[str, Any] = {"wer": s.wer, "cer": s.cer, "utterances": s.utterances, "score": s}
    out.update(run_values(r, s.run))
    return out


def comparison_values(c) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"difference": c.difference, "ratio": c.ratio, "verdict": c.verdict, "a": c.a_value, "b": c.b_value,
            "seeds_a": c.seeds_a, "seeds_b": c.seeds_b}


def sign_word(a: Q, b: Q, meta: dict | None = None) -> Word:
    """``lower`` / ``higher`` / ``equal``: how ``a`` stands to ``b`` (re-read by the check)."""
    src = derived("sign", a.canonical().source, b.canonical().source)
    value = a.canonical().value - b.canonical().value
    return Word("lower" if value < 0 else "higher" if value > 0 else "equal", src, dict(meta or {}))


def difference(r: Results, a: Q, b: Q, kind: str = "points", meta: dict | None = None) -> Q:
    """``a - b``: a computed value whose source is the two values' sources."""
    qa, qb = a.canonical(), b.canonical()
    return r.q(qa.value - qb.value, kind, derived("difference", qa.source, qb.source), None,
               dict(meta or qa.meta))


def count(r: Results, n: int, what: str, *sources: Source) -> Q:
    """A count of things the records hold (models, components, runs): traced to what it counts."""
    return r.q(n, "int", derived("count", *sources) if sources else Source("structure", (n,)), None, {})


def scores_table(ctx, name: str, scores: list[Score], ns: dict, what: str, columns: str = "wer_cer") -> list:
    """A table of scores, one row per model and vocabulary, greedy and beam side by side; its caption
    names the split, mode and decoders of exactly the rows it shows."""
    if not scores:
        return []
    keyed: dict[tuple, dict[str, Score]] = {}
    for s in scores:
        keyed.setdefault((s.model, s.vocabulary, s.mode, s.label), {})[s.decoder] = s
    decoders = [d for d in ("greedy", "beam") if any(d in v for v in keyed.values())]
    head = ["model", "vocabulary", "evaluated on"]
    for d in decoders:
        tag = "greedy" if d == "greedy" else "beam + LM"
        head += [f"WER % ({tag}) [CI]", f"CER % ({tag}) [CI]"]
    rows = []
    for (model, vocabulary, mode, label), by in keyed.items():
        row: list[Any] = [TABLE_NAMES.get(model, label), vocabulary, phrase("mode", mode)]
        for d in decoders:
            s = by.get(d)
            row += [s.wer if s else "", s.cer if s else ""]
        rows.append(row)
    splits = sorted({s.split for s in scores})
    modes = sorted({s.mode for s in scores})
    vocabularies = sorted({s.vocabulary for s in scores})
    caption = (f"{what}: corpus-level word and character error rates in % on the "
               f"{join([phrase('split', x) for x in splits])}, {join([phrase('mode', x) for x in modes])}, "
               f"{join([phrase('vocabulary', x) for x in vocabularies])}; "
               f"{join([phrase('decoder', d) for d in decoders])}. In brackets (CI): the {{ci_level}} interval of a "
               f"bootstrap over the utterances.")
    return [ctx.table(name, caption, {**ns, "ci_level": ci_level(ctx.r)}, head, rows)]


def ci_level(r: Results) -> Q:
    """The confidence level of every interval, from the code that computes them (95 %)."""
    return r.q(95.0, "pct0", Source("code:semg_study.evaluation.confidence", ("CONFIDENCE",), 100.0))


def code_value(r: Results, kind: str, module: str, *path: Any, scale: float = 1.0) -> Q:
    src = code(module, *path)
    if scale != 1.0:
        src = Source(src.file, src.path, scale)
    return r.q(src.read(r.root), kind, src)


def error_bar_figure(ctx, name: str, file: str, scores: list[Score], ns: dict, metric: str = "wer") -> list:
    """Bars of one error rate with their intervals, one panel per vocabulary; the caption names the split,
    mode and decoder of exactly the scores drawn (the check compares them)."""
    from semg_study.report.thesis.figures import error_rate_bars

    if not scores:
        return []
    groups = []
    for vocabulary in ("closed", "open", "ljspeech"):
        mine = [s for s in scores if s.vocabulary == vocabulary]
        if not mine:
            continue
        bars = []
        for s in mine:
            rate = getattr(s, metric)
            value = rate.value.canonical().value
            low = rate.low.canonical().value if rate.low is not None else None
            high = rate.high.canonical().value if rate.high is not None else None
            bars.append((TABLE_NAMES.get(s.model, s.label).replace(" (", "\n("), value, low, high))
        groups.append((phrase("vocabulary", vocabulary), bars))
    png, pdf = error_rate_bars(groups, ctx.out, file, f"test {metric.upper()} (%)")
    splits = sorted({s.split for s in scores})
    modes = sorted({s.mode for s in scores})
    decoders = sorted({s.decoder for s in scores})
    vocabularies = [g[0] for g in groups]
    caption = (f"{metric.upper()} on the {join([phrase('split', x) for x in splits])}, "
               f"{join([phrase('mode', x) for x in modes])}, {join([phrase('decoder', d) for d in decoders])}, "
               f"per model; panels: {join(vocabularies)}. Whiskers: the {{ci_level}} bootstrap interval over "
               f"utterances.")
    data = [getattr(s, metric).value for s in scores]
    return [ctx.figure(name, caption, {**ns, "ci_level": ci_level(ctx.r)}, png, pdf, data=data, width=0.9)]
