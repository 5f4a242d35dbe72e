"""The dissertation: authored chapters with computed values, and the consistency check that fails the build.

The slow tests build the document from a copy of the committed ``reports/`` (its tables, benchmark, manifests
and figures) and require the check to pass; the fast ones exercise the check, the values and the template
language on small documents.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from semg_study.report.document import Document, Figure, Heading, Para, Table
from semg_study.report.thesis.check import check_document
from semg_study.report.thesis.template import Renderer, TemplateError, parse
from semg_study.report.thesis.values import (NBSP, Ledger, Q, Rate, Registry, Source, Word, format_value, plural,
                                             strip_marks)

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO / "reports"


def _copy_reports(tmp_path: Path) -> Path:
    """The committed results, without the executed notebooks and packed models (not read by the document)."""
    out = tmp_path / "reports"
    out.mkdir()
    for name in ("tables", "benchmarks", "manifests", "figures"):
        if (REPORTS / name).is_dir():
            shutil.copytree(REPORTS / name, out / name)
    for name in ("study_run.json",):
        if (REPORTS / name).is_file():
            shutil.copy2(REPORTS / name, out / name)
    return out


def _table_file(root: Path, name: str, rows: list[dict]) -> Path:
    folder = root / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"name": name, "caption": name, "columns": list(rows[0]),
                                "rows": [{"values": r, "manifests": []} for r in rows]}))
    return path


# ----------------------------------------------------------------------------- values and formatting
def test_one_rounding_rule_per_kind_with_true_minus_and_no_break_spaces():
    assert format_value("pct", 28.3333) == f"28.3{NBSP}%"
    assert format_value("pct", 28.3333, "bare") == "28.3"
    assert format_value("points", -6.0) == f"\u22126.0{NBSP}points"
    assert format_value("points", 6.04) == f"+6.0{NBSP}points"
    assert format_value("points", -6.0, "abs") == f"6.0{NBSP}points"
    assert format_value("points", -0.01) == f"0.0{NBSP}points"  # never "-0.0"
    assert format_value("count", 30727) == "30,727" and format_value("count", 500) == "500"
    assert format_value("hz", 689.0625) == f"689.06{NBSP}Hz" and format_value("hz", 1000.0) == f"1000{NBSP}Hz"
    assert format_value("int", 3, "words") == "three"
    assert plural(1, "insertion") == "insertion" and plural(35, "insertion") == "insertions"
    assert plural(2, "epoch") == "epochs" and plural(20, "hypothesis") == "hypotheses"


def test_a_quantity_read_from_two_places_prints_its_most_precise_value_and_conflicts_are_found():
    reg = Registry()
    table = reg.add(Q(49.95, "pct", Source("tables/t.json", ("rows", 0)), key=("cer", "run"), decimals=2))
    bench = reg.add(Q(49.94981, "pct", Source("benchmarks/b.json", ("cer",)), key=("cer", "run"), decimals=None))
    assert table.text() == bench.text() == f"49.9{NBSP}%"  # the table's 49.95 would print 50.0
    assert reg.conflicts() == []
    reg.add(Q(51.0, "pct", Source("tables/u.json", ("rows", 0)), key=("cer", "run"), decimals=1))
    assert reg.conflicts() and "disagree" in reg.conflicts()[0]


# ----------------------------------------------------------------------------- the template language
def test_templates_choose_words_from_the_verdict_and_agree_numbers_with_nouns():
    ledger = Ledger()
    ns = {"v": Word("better", Source("structure", ("better",))),
          "d": Q(-6.0, "points", Source("structure", (-6.0,))),
          "n": Q(1, "int", Source("structure", (1,)))}
    text = Renderer(ns, ledger).text("MyoStream is {v|better=ahead by {d:abs}|worse=behind|no significant difference=level}"
                                     " with {n:noun(insertion)}.")
    assert strip_marks(text) == f"MyoStream is ahead by 6.0{NBSP}points with 1{NBSP}insertion."
    with pytest.raises(TemplateError):
        Renderer(ns, ledger).text("{missing}")
    with pytest.raises(TemplateError):
        Renderer({"v": Word("worse", Source("structure", ()))}, ledger).text("{v|better=ahead}")


def test_template_conditionals_headings_blocks_and_bullets():
    lines = parse("# Title\n\n[[if a]]\nshown\n[[else]]\nhidden\n[[end]]\n[[if not b]]\nno b\n[[end]]\n"
                  "[[table]]\n- one\n- two\n", {"a": True, "b": None})
    assert [(x.kind, x.text) for x in lines] == [("heading1", "Title"), ("para", "shown no b"), ("block", "table"),
                                                 ("bullet", "one"), ("bullet", "two")]


# ----------------------------------------------------------------------------- the check
def _doc(*blocks) -> Document:
    doc = Document()
    for b in blocks:
        doc.add(b)
    return doc


def test_check_traces_every_number_to_its_source_at_the_same_rounding(tmp_path):
    path = _table_file(tmp_path, "05_x", [{"WER %": 28.33}])
    ledger, reg = Ledger(), Registry()
    q = reg.add(Q(28.33, "pct", Source("tables/05_x.json", ("rows", 0, "values", "WER %")),
                  meta={"split": "test"}, decimals=2))
    doc = _doc(Para(f"The test WER is {ledger.value(q)}."), Para("Typed: 42 % of the words."))
    problems = check_document(doc, ledger, reg, tmp_path)
    assert problems == ["block 1 (Para): 'Typed: 42 % of the words.': the number '42' is not traced to a source"]
    # the source changes after the text was built: the trace fails
    data = json.loads(path.read_text())
    data["rows"][0]["values"]["WER %"] = 30.0
    path.write_text(json.dumps(data))
    assert any("gives 30.0" in p for p in check_document(_doc(doc.blocks[0]), ledger, reg, tmp_path))


def test_check_finds_labels_that_contradict_their_numbers_and_incomplete_captions(tmp_path):
    ledger, reg = Ledger(), Registry()
    test_beam = reg.add(Q(28.3, "pct", Source("structure", (28.3,)),
                          meta={"split": "test", "decoder": "beam", "vocabulary": "closed", "mode": "silent"}))
    doc = _doc(Para(f"On the dev split the WER is {ledger.value(test_beam)}."),
               Para(f"With greedy decoding on the open vocabulary it is {ledger.value(test_beam)}."),
               Table("WER on the test split, closed vocabulary.", ["WER"], [[ledger.value(test_beam)]], label="Table 1.1"))
    problems = check_document(doc, ledger, reg, tmp_path)
    assert any("names split dev but its numbers are test" in p for p in problems)
    assert any("names decoder greedy" in p for p in problems) and any("names vocabulary open" in p for p in problems)
    assert any("Table 1.1 caption: does not name the decoder beam" in p for p in problems)
    assert any("Table 1.1 caption: does not name the mode silent" in p for p in problems)
    fig = Figure("Figure 1.1", "Test WER, open vocabulary.", "figures/x.png", data=[test_beam])
    assert any("Figure 1.1 caption: names vocabulary open" in p for p in check_document(_doc(fig), ledger, reg, tmp_path))


def test_check_finds_plurals_placeholders_backticks_and_typed_verdicts(tmp_path):
    ledger, reg = Ledger(), Registry()
    one = reg.add(Q(1, "int", Source("structure", (1,))))
    three = reg.add(Q(3, "int", Source("structure", (3,))))
    diff = reg.add(Q(-6.0, "points", Source("structure", (-6.0,))))
    doc = _doc(Para(f"There is {ledger.value(one)} insertions."), Para(f"Trained with {ledger.value(three)} seed."),
               Para("A caption with `make bench` and {i}."),
               Para(f"MyoStream is better: {ledger.value(diff)}."))
    problems = check_document(doc, ledger, reg, tmp_path)
    assert any("(one, plural noun)" in p for p in problems)
    assert any("(several, singular noun)" in p for p in problems)
    assert any("backtick" in p for p in problems) and any("brace" in p for p in problems)
    assert any("verdict word typed" in p for p in problems)


def test_a_verdict_word_is_read_again_from_its_result(tmp_path):
    path = _table_file(tmp_path, "05_c", [{"verdict": "better"}])
    ledger, reg = Ledger(), Registry()
    word = Word("better", Source("tables/05_c.json", ("rows", 0, "values", "verdict")))
    doc = _doc(Para("MyoStream is " + Renderer({"v": word}, ledger).text("{v|better=ahead|worse=behind}") + "."))
    assert check_document(doc, ledger, reg, tmp_path) == []
    path.write_text(path.read_text().replace("better", "worse"))
    assert any("words for 'better' printed" in p for p in check_document(doc, ledger, reg, tmp_path))


# ----------------------------------------------------------------------------- the PDF's layout rules


def test_typst_ties_numbers_to_their_units_interval_ends_and_references():
    from semg_study.report.document import ListOf
    from semg_study.report.render_typst import tie, to_typst

    assert tie("a 10 % bound, 5 s of EMG, 7.1 points, 142.9 ms, 1007.4 MB, 250 Hz") == (
        f"a 10{NBSP}% bound, 5{NBSP}s of EMG, 7.1{NBSP}points, 142.9{NBSP}ms, 1007.4{NBSP}MB, 250{NBSP}Hz")
    assert tie("[\u22123.1, +2.0] and [55.1, 71.3]") == f"[\u22123.1,{NBSP}+2.0] and [55.1,{NBSP}71.3]"
    assert tie("Table 16.2 and Chapters 8 and 9, Appendix D") == f"Table{NBSP}16.2 and Chapters{NBSP}8 and 9, Appendix{NBSP}D"
    # words that only start like a unit, and numbers followed by other words, keep their spaces
    assert tie("3 seeds, 2 hours, 5 sizes, 10 minutes") == "3 seeds, 2 hours, 5 sizes, 10 minutes"
    doc = Document()
    doc.add(ListOf("figures", [("Figure 12.2", "the 10 % cost bound")]))
    doc.add(Para("within 10 %"))
    doc.add(Table("WER within 10 %", ["target", "threshold"], [["latency", "(within 10 %)"]], label="Table 1.1"))
    typ = to_typst(doc)
    assert "10 %" not in typ and typ.count(f"10{NBSP}%") == 4


def test_typst_body_text_is_justified_and_only_lists_tables_and_centred_lines_are_ragged():
    from semg_study.report.document import ListOf
    from semg_study.report.render_typst import to_typst

    doc = Document()
    doc.add(Heading(1, "A title long enough to wrap over two lines of the title page"))
    doc.add(Para("Generated by semg-study from commit abc.", emphasis=True))
    doc.add(ListOf("figures", [("Figure 1.1", "A figure.")]))
    doc.add(Para("Body text."))
    doc.add(Table("A table.", ["a", "b"], [["1", "2"]], label="Table 1.1"))
    parts = to_typst(doc).split("\n\n")
    assert "#set par(justify: true)" in parts[0]
    # no part of the body switches justification off for what follows it: only inside its own block
    assert not [p for p in parts[1:] if p.startswith("#set par")]
    title, generated, listing = parts[1:4]
    assert title.startswith("#align(center)[#set par(justify: false)")
    assert generated.startswith("#align(center)[#set par(justify: false)")
    assert listing.startswith("#block(width: 100%)[#set par(justify: false)")


def test_typst_tables_share_one_text_size_and_no_column_is_narrower_than_its_longest_word(tmp_path):
    import typst

    from semg_study.report.render_typst import TABLE_TEXT_PT, to_typst
    from semg_study.report.thesis.layout import overfull_tables

    doc = Document()
    doc.add(Table("Narrow weight for a wide cell.", ["variant", "sd", "CER % [CI]"],
                  [["full model", f"7.1{NBSP}points", f"22.0 [18.1,{NBSP}26.0]"]], label="Table 1.1",
                  widths=[5, 0.1, 1]))
    doc.add(Table("Eight columns.", [f"c{i}" for i in range(8)], [[f"v{i}" for i in range(8)]], label="Table 1.2"))
    doc.add(Table("Too wide at any width.", ["a", "b"], [["x" * 90, "y" * 90]]))
    typ = to_typst(doc)
    preamble, *body = typ.split("\n\n")
    assert f"#let table-size = {TABLE_TEXT_PT:g}pt" in preamble and not [p for p in body if "set text(size" in p]
    (tmp_path / "t.typ").write_text(typ)
    typst.compile(str(tmp_path / "t.typ"), output=str(tmp_path / "t.pdf"), root=str(tmp_path),
                  ignore_system_fonts=True)
    # only the table whose words cannot fit side by side runs wider than the text (into the margin)
    assert overfull_tables(tmp_path / "t.typ", tmp_path) == [["a", "b"]]


# ----------------------------------------------------------------------------- the built document
@pytest.mark.slow
def test_the_committed_reports_pass_the_consistency_check(tmp_path):
    from semg_study.chapters.dissertation.write import abstract_words, checked_document
    from semg_study.report.dissertation_text import ABSTRACT_WORDS

    out = _copy_reports(tmp_path)
    doc, problems = checked_document(out)
    assert problems == []
    assert 0 < abstract_words(doc) <= ABSTRACT_WORDS
    titles = [t for _, _, t in doc.chapters]
    expected = ["Abstract", "Acknowledgements", "Contents", "List of Figures", "List of Tables", "Introduction",
                "Literature Review", "Connectionist Temporal Classification and Decoding", "Models",
                "Training and Evaluation Protocol", "Results I: Audio Baselines", "Results II: EMG Baselines",
                "Results III: MyoStream", "Results IV: Ablations", "Results V: Latency",
                "Participants and Acquisition", "Open Release", "Discussion", "Objectives Scorecard", "Future Work",
                "Conclusion", "Project Initiation Document", "Ethics Review", "DeepSpeech2 ASR Model", "Provenance",
                "References"]
    positions = [next(i for i, t in enumerate(titles) if t.startswith(e)) for e in expected]
    assert positions == sorted(positions)
    from semg_study.report.document import Bullets, Heading

    text = "\n".join(strip_marks(t) for b in doc.blocks
                     for t in (b.items if isinstance(b, Bullets) else [getattr(b, "text", "")])
                     if isinstance(b, (Para, Bullets, Heading)))
    for phrase in ("AlterEgo", "dysphonia", "Eavesdropping", "Limitations and threats to validity", "Contributions",
                   "Proposed directions for research", "What the generator does not model"):
        assert phrase in text, phrase
    # the original dissertation's real-data numbers have a table of their own, never a column beside the study's
    captions = [strip_marks(b.caption) for b in doc.blocks if isinstance(b, Table)]
    assert any("real data" in c and "quoted, not a result of this study" in c for c in captions)
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert not any("original" in " ".join(b.columns).lower() for b in tables
                   if any(c.startswith("WER % (") for c in b.columns))


@pytest.mark.slow
def test_the_text_follows_a_changed_result_and_a_contradiction_stops_the_build(tmp_path):
    from semg_study.chapters.dissertation.write import checked_document, write_report
    from semg_study.report.thesis.check import ConsistencyError

    out = _copy_reports(tmp_path)
    # MyoStream's closed-vocabulary test WER with the LM, in the study table and in the benchmark
    side = json.loads((out / "tables" / "05_myostream.json").read_text())
    row = next(r for r in side["rows"] if r["values"]["condition"] == "closed" and "beam" in r["values"]["decoder"])
    row["values"]["WER %"] = 30.55
    (out / "tables" / "05_myostream.json").write_text(json.dumps(side))
    doc, problems = checked_document(out)
    assert any(p.startswith("one value: wer/") for p in problems)  # the benchmark still says 28.3
    from semg_study.report.thesis.records import load_results

    bench_path = out / load_results(out).benchmark_file
    bench = json.loads(bench_path.read_text())
    bench["findings"]["myostream_closed"]["wer"] = 0.3055
    bench["streaming"]["streaming_wer"] = 0.3055
    bench_path.write_text(json.dumps(bench))
    comparisons = json.loads((out / "tables" / "05_comparisons.json").read_text())
    for r in comparisons["rows"]:
        if r["values"]["run A"] == row["values"]["run"] and r["values"]["metric"] == "WER %":
            r["values"]["A %"] = 30.55
    (out / "tables" / "05_comparisons.json").write_text(json.dumps(comparisons))
    doc, problems = checked_document(out)
    assert not [p for p in problems if p.startswith("one value")]
    text = "\n".join(strip_marks(b.text) for b in doc.blocks if isinstance(b, Para))
    assert f"test WER of 30.6{NBSP}%" in text
    # a chapter that types a number: nothing is written
    from semg_study.chapters.dissertation import introduction

    original = introduction.TEXT
    try:
        introduction.TEXT = original.replace("## Motivation", "## Motivation\n\nA typed claim: 42 % of users agree.")
        with pytest.raises(ConsistencyError) as err:
            write_report(out, pdf=False)
        assert "'42' is not traced" in str(err.value)
        assert not (out / "dissertation.md").exists()
    finally:
        introduction.TEXT = original


@pytest.mark.slow
def test_an_empty_results_folder_says_the_results_are_not_yet_in(tmp_path):
    from semg_study.chapters.dissertation.write import checked_document

    doc, problems = checked_document(tmp_path)
    assert problems == []
    text = "\n".join(strip_marks(b.text) for b in doc.blocks if isinstance(b, Para))
    assert "not yet in" in text and "No run has been trained yet" in text
    assert "WER of" not in text  # no result printed when there is none


@pytest.mark.slow
def test_the_pdf_of_the_committed_reports_has_no_sparse_page(tmp_path):
    from semg_study.chapters.dissertation.write import write_report
    from semg_study.report.thesis.layout import overfull_tables, sparse_pages

    out = _copy_reports(tmp_path)
    info = write_report(out)
    assert info["pdf"].read_bytes()[:5] == b"%PDF-" and info["pages"] > 40
    typ = (out / "dissertation.typ").read_text()
    assert "placement: auto" not in typ  # no float can land above its chapter's heading
    assert sparse_pages(out / "dissertation.typ", out) == []
    assert overfull_tables(out / "dissertation.typ", out) == []  # no table runs into the margin
    md = (out / "dissertation.md").read_text()
    import re

    assert "\ue000" not in md and "`" not in re.sub(r"```.*?```", "", md, flags=re.S)


def _size_tables(out: Path, verdict_at_largest: str) -> None:
    """07_sizes and 07_size_findings as notebook 07 writes them (columns of headline.size_table/finding_table)."""
    def table(name, rows):
        columns = list(rows[0])
        (out / "tables" / f"{name}.json").write_text(json.dumps({
            "name": name, "caption": f"{name} (synthetic data).", "profile": "quick", "synthetic": True,
            "notebook": "07_inference_latency", "columns": columns,
            "rows": [{"values": r, "manifests": []} for r in rows]}))

    def point(model, setting, params, wer, sd, ms):
        return {"part": "sizes", "model": model, "condition": "closed", "setting": setting, "parameters": params,
                "seeds": 3, "decoder": "beam + LM", "WER %": wer, "WER % sd": sd, "WER % CI low": wer - 5,
                "WER % CI high": wer + 5, "response latency p50 ms": ms, "response latency p95 ms": ms + 1,
                "response timed with": "greedy", "interval": "bootstrap over seeds and utterances (percentile)"}

    table("07_sizes", [point("myostream", "d_model=16", 11079, 40.0, 4.0, 146.1),
                       point("myostream", "d_model=96, n_layers=3", 327019, 30.0, 2.0, 147.4),
                       point("gaddy2022", "d_model=24, d_ff=48", 27350, 90.0, 9.0, 22.6),
                       point("gaddy2022", "d_model=96, d_ff=192", 344294, 35.0, 3.0, 31.9)])

    def finding(axis, at, measured, diff, verdict, reason=None):
        return {"axis": axis, "at": at, "measured": measured, "interpolated": None, "MyoStream WER %": None,
                "reproduction WER %": None, "difference (points)": diff,
                "difference CI low": None if diff is None else diff - 4,
                "difference CI high": None if diff is None else diff + 4, "verdict": verdict, "reason": reason}

    outside = "outside the other model's measured range (no extrapolation)"
    table("07_size_findings", [
        finding("parameters", 11079.0, "myostream: d_model=16", None, "not determinable", outside),
        finding("parameters", 27350.0, "gaddy2022: d_model=24, d_ff=48", -48.5, "better"),
        finding("parameters", 327019.0, "myostream: d_model=96, n_layers=3",
                -6.0 if verdict_at_largest == "better" else 6.0, verdict_at_largest),
        finding("latency", 146.1, "myostream: d_model=16", None, "not determinable", outside),
        finding("latency", 22.6, "gaddy2022: d_model=24, d_ff=48", None, "not determinable", outside)])


@pytest.mark.slow
def test_the_size_section_follows_the_findings_at_equal_parameters(tmp_path):
    from semg_study.chapters.dissertation.write import checked_document

    out = _copy_reports(tmp_path)
    texts = {}
    for verdict in ("better", "worse"):
        _size_tables(out, verdict)
        doc, problems = checked_document(out)
        assert problems == []
        texts[verdict] = "\n".join(strip_marks(b.text) for b in doc.blocks if isinstance(b, Para))
        assert "At other sizes" in "\n".join(strip_marks(b.text) for b in doc.blocks if isinstance(b, Heading))
        assert f"from 11,079{NBSP}parameters to 344,294{NBSP}parameters (31 times)" in texts[verdict]
        assert "the two curves do not overlap" in texts[verdict]  # 146-147 ms against 22-32 ms
    assert "It is less accurate at 327,019 parameters" in texts["worse"]
    assert "does not hold at every size" in texts["worse"]
    assert "ranking does not hold everywhere" in texts["worse"]  # the discussion follows the same finding
    assert "It is less accurate" not in texts["better"] and "more accurate model at every size compared" in texts["better"]


def test_a_model_keeps_its_colour_in_every_figure_and_panel():
    from semg_study.report.thesis.figures import OTHER_COLOUR, model_colour

    # bar labels wrap before a parenthesis; the wrapped and the one-line label are the same model
    assert model_colour("DeepSpeech2\n(EMG features)") == model_colour("DeepSpeech2 (EMG features)")
    names = ["MyoStream", "Reproduction", "DeepSpeech2 (EMG features)", "DeepSpeech2 (audio)"]
    colours = [model_colour(n) for n in names]
    assert len(set(colours)) == len(names) and OTHER_COLOUR not in colours
    assert model_colour("an unknown model") == OTHER_COLOUR


def test_list_entries_are_the_captions_first_clause_never_a_bare_label():
    from semg_study.report.thesis.build import short_caption

    # a short label before a colon keeps its clause; parentheses are never cut inside
    assert short_caption("The EMG baselines: error rates in % on the test split, silent EMG; greedy.") == \
        "The EMG baselines: error rates in % on the test split."
    assert short_caption("Architecture of each run, from its manifest (model section; empty: unused). More.") == \
        "Architecture of each run, from its manifest (model section; empty: unused)."
    assert short_caption("WER of each model on the test split; panels: closed, open.") == \
        "WER of each model on the test split."


def test_a_block_of_measured_values_is_labelled_synthetic_and_a_literature_table_is_not():
    from semg_study.report.thesis.build import _measured
    from semg_study.report.thesis.values import Q, Rate, Source, derived

    measured = Q(28.3, "pct", Source("tables/05_myostream.json", ("rows", 0, "values", "WER %")))
    quoted = Q(12.2, "pct", Source("code:semg_study.report.literature", ("PUBLISHED",)))
    assert _measured(measured) and _measured(Rate(measured)) and not _measured(quoted)
    # a value computed from a measured one is measured too
    assert _measured(Q(0.5, "ratio", derived("ratio", measured.source, quoted.source)))
    assert not _measured("a name in a cell")


@pytest.mark.slow
def test_runs_still_to_train_are_named_only_while_some_are_missing(tmp_path):
    from semg_study.chapters.dissertation.write import checked_document

    out = _copy_reports(tmp_path)

    def text() -> str:
        doc, _ = checked_document(out)
        return "\n".join(strip_marks(getattr(b, "text", "")) for b in doc.blocks if isinstance(b, Para))

    complete = text()
    assert "still to train" not in complete and f"0{NBSP}runs" not in complete
    # one open-vocabulary seed of DeepSpeech2 on EMG features not yet trained
    path = out / "tables" / "05_seeds.json"
    table = json.loads(path.read_text())
    row = next(r for r in table["rows"] if (r["values"]["part"], r["values"]["model"]) == ("open", "ds2emg")
               and "beam" in r["values"]["decoder"])
    row["values"]["seeds"] = 2
    path.write_text(json.dumps(table))
    assert f"1{NBSP}run still to train" in text()
