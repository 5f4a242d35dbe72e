"""The computed narrative, the report's table formatting and portable provenance."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from semg_study import provenance
from semg_study.report import checks, narrative, portability, tables

REPO = Path(__file__).resolve().parents[1]


def _manifest(tmp_path, name="myostream-tiny-1"):
    run = tmp_path / "runs" / name
    run.mkdir(parents=True, exist_ok=True)
    (run / "manifest.json").write_text(json.dumps({"git": {"commit": "abc", "dirty": False}, "seed": 0,
                                                   "data_root": str(REPO / "data" / "synthetic-smoke")}))
    return run / "manifest.json"


def _table(out, name, rows, tmp_path, synthetic=True):
    return tables.save_table(rows, name, out / "tables", caption=name, profile="smoke", config="tiny",
                             manifests=[_manifest(tmp_path)], synthetic=synthetic)


# ----------------------------------------------------------------------------- narrative
def chapter_findings(slot: str):
    """The findings of notebook ``slot``'s chapter folder (``semg_study/chapters/<chapter>/findings.py``)."""
    import importlib

    from semg_study.chapters import CHAPTER_OF_SLOT

    return importlib.import_module(f"semg_study.chapters.{CHAPTER_OF_SLOT[slot]}.findings").FINDINGS


def _score_row(model: str, config: str, condition: str, mode: str, decoder: str, wer: float, cer: float,
               **ci) -> dict:
    """A row of an EMG results table as its runner writes it (every column its reader needs)."""
    return {"model": model, "config": config, "condition": condition, "evaluated on": mode, "decoder": decoder,
            "seed": 0, "WER %": wer, "CER %": cer, "utterances": 20, "run": f"{config}-x", **ci}


def test_findings_use_confidence_intervals_when_the_table_has_them(tmp_path):
    out = tmp_path / "reports"
    beam = "beam + word 3-gram LM"
    _table(out, "04_emg_baselines", [
        _score_row("gaddy2022", "gaddy2022-smoke", "open", "silent", beam, 60.0, 30.0,
                   **{"WER % CI low": 55.0, "WER % CI high": 65.0}),
        _score_row("gaddy2022", "gaddy2022-smoke", "open", "silent", "greedy", 70.0, 35.0),
        _score_row("ds2emg", "ds2emg-smoke", "open", "silent", beam, 80.0, 50.0),
        _score_row("ds2emg", "ds2emg-smoke", "open", "voiced", beam, 70.0, 40.0)], tmp_path)
    text = narrative.what_this_shows(out, chapter_findings("04"))
    assert "gaddy2022 60.0% (95% CI 55.0% to 65.0%) (CER 30.0%) with beam search + LM, 70.0% greedy" in text
    assert "ds2emg 80.0% (CER 50.0%) with beam search + LM" in text  # no interval: the plain number
    assert text.index("gaddy2022") < text.index("ds2emg")  # best first
    assert "lower CER in 1 of 1 comparisons" in text  # the same run and decoder, silent against voiced
    assert "**Limitation:** Every" not in text  # 60% is not noise
    assert narrative.SYNTHETIC_NOTE in text


def test_comparison_verdicts_are_narrated(tmp_path):
    out = tmp_path / "reports"
    _table(out, "05_comparisons", [
        {"comparison": "MyoStream vs gaddy2022", "metric": "WER %", "difference (points)": -4.2,
         "difference CI low": -7.0, "difference CI high": -1.5, "verdict": "better", "source": "trained now"},
        {"comparison": "MyoStream vs ds2emg", "metric": "CER %", "difference (points)": 0.8,
         "difference CI low": -2.0, "difference CI high": 3.1, "verdict": "no significant difference"}], tmp_path)
    found = narrative.findings(narrative.tables_by_name(out), chapter_findings("05"))
    texts = [f.text for f in found]
    assert ("MyoStream vs gaddy2022, WER: difference -4.2 points (95% CI -7.0 points to -1.5 points); better, "
            "and the interval excludes zero [trained now].") in texts
    assert any("no significant difference: the interval includes zero" in t for t in texts)
    assert [f.headline for f in found] == [True, False] and [f.caveat for f in found] == [False, True]


def test_noise_and_missed_targets_are_said(tmp_path):
    out = tmp_path / "reports"
    # Table 3.1 as its runner writes it (percentages; the original quoted in its own column)
    _table(out, "03_table31", [{"model": "ASR-LJSpeech", "config": "ds2audio_ljspeech-smoke", "seed": 0,
                                "WER % (greedy)": 100.0, "CER % (greedy)": 80.0, "WER % (beam + LM)": 102.0,
                                "CER % (beam + LM)": 81.0, "test utterances": 10,
                                "WER % original (dissertation, defective code)": 33.0, "run": "ds2audio_ljspeech-x",
                                "epochs trained": 3}], tmp_path)
    _table(out, "07_latency", [{"model": "MyoStream", "config": "myostream-smoke", "evaluated on": "silent",
                                "parameters": 1000, "latency p50 ms": 12.0, "latency p95 ms": 14.0, "RTF p50": 1.2,
                                "RTF p95": 1.4, "chunk ms": 90.0, "chunk compute p95 ms": 120.0,
                                "algorithmic latency ms": 400.0, "total response latency ms": 520.0,
                                "WER % (greedy)": 90.0, "CER % (greedy)": 60.0}], tmp_path)
    t31 = narrative.what_this_shows(out, chapter_findings("03"))
    # the beam search + LM row is reported, the original is quoted, 100% or more is called noise
    assert "ASR-LJSpeech 102.0% (the dissertation's defective code reported 33.0%)" in t31
    assert "differences between them are noise" in t31
    latency = narrative.what_this_shows(out, chapter_findings("07"))
    assert "slower than real time: the target is missed" in latency
    assert "over the 300 ms target" in latency and "it cannot keep up" in latency


def _ablation_row(variant: str, off: str, mean: float, sd: float, seeds: str = "0, 1", **rest) -> dict:
    """A row of the ablation table as its runner writes it (every column its reader needs)."""
    return {"variant": variant, "switched off": off, "seeds": seeds, "WER % mean": mean, "WER % std": sd,
            "WER %": rest.pop("wer", mean), "WER % CI low": rest.pop("low", None), "WER % CI high": rest.pop("high", None),
            "CER %": mean / 2, "epochs trained": ", ".join("10" for _ in seeds.split(",")), "runs": "", **rest}


def test_ablation_effects_inside_the_seed_spread_claim_nothing(tmp_path):
    out = tmp_path / "reports"
    _table(out, "06_ablations", [
        _ablation_row("full model", "(none)", 40.0, 1.0, **{"ΔWER vs full model (points)": 0.0}),
        _ablation_row("without conv_module", "conv_module", 50.0, 2.0, **{"ΔWER vs full model (points)": 10.0}),
        _ablation_row("without augmentation", "augmentation", 40.5, 3.0, **{"ΔWER vs full model (points)": 0.5})],
        tmp_path)
    found = narrative.record_findings(out, chapter_findings("06"))[0]
    effect = next(f for f in found if "without conv_module" in f.text)
    noise = next(f for f in found if "without augmentation" in f.text)
    assert "+10.0 points" in effect.text and effect.headline and not effect.caveat
    assert "no effect can be claimed" in noise.text and noise.caveat


def test_ablation_verdicts_come_from_the_seed_and_utterance_interval(tmp_path):
    out = tmp_path / "reports"
    _table(out, "06_ablations", [
        _ablation_row("full model", "(none)", 40.0, 1.0, seeds="0, 1, 2", low=35.0, high=45.0,
                      **{"ΔWER vs full model (points)": 0.0}),
        # larger than both seed spreads, but its interval includes zero: no effect
        _ablation_row("without conv_module", "conv_module", 45.0, 2.0, seeds="0, 1, 2",
                      **{"ΔWER vs full model (points)": 5.0, "difference CI low": -1.0, "difference CI high": 11.0}),
        _ablation_row("without augmentation", "augmentation", 43.0, 3.0, seeds="0, 1, 2",
                      **{"ΔWER vs full model (points)": 3.0, "difference CI low": 1.0, "difference CI high": 5.0})],
        tmp_path)
    found = narrative.record_findings(out, chapter_findings("06"))[0]
    assert "40.0% (95% CI 35.0% to 45.0%) ± 1.0 (std over seeds 0, 1, 2)" in found[0].text
    noise = next(f for f in found if "without conv_module" in f.text)
    effect = next(f for f in found if "without augmentation" in f.text)
    assert noise.caveat and "no effect can be claimed" in noise.text
    assert effect.headline and "+3.0 points (95% CI +1.0 points to +5.0 points)" in effect.text
    # the text follows the table: a verdict that changes changes the words
    text = narrative.what_this_shows(out, chapter_findings("06"))
    assert "without augmentation +3.0 points" in text


def test_a_renamed_table31_column_is_said_not_silently_read_otherwise(tmp_path):
    out = tmp_path / "reports"
    _table(out, "03_table31", [{"model": "ASR-LJSpeech", "config": "ds2audio_ljspeech-smoke", "seed": 0,
                                "WER % (beam + LM)": 40.0, "CER % (beam + LM)": 20.0, "test utterances": 10,
                                "run name": "ds2audio_ljspeech-x", "epochs trained": 3}], tmp_path)
    text = narrative.what_this_shows(out, chapter_findings("03"))
    assert "could not be read" in text and "'run'" in text and "reaches a test WER" not in text


def test_a_renamed_ablation_column_is_said_not_silently_read_otherwise(tmp_path):
    out = tmp_path / "reports"
    row = _ablation_row("full model", "(none)", 40.0, 1.0)
    row["WER (%)"] = row.pop("WER %")
    _table(out, "06_ablations", [row], tmp_path)
    found = narrative.record_findings(out, chapter_findings("06"))[0]
    assert len(found) == 1 and found[0].caveat and "'WER %'" in found[0].text


def test_live_demonstration_with_another_run_is_flagged(tmp_path):
    out = tmp_path / "reports"
    tables.save_table([_score_row("MyoStream", "myostream-smoke", "closed", "silent", "greedy", 50.0, 30.0,
                                  run="myostream-a")],
                      "05_myostream", out / "tables", caption="m", profile="smoke", config="c",
                      manifests=[_manifest(tmp_path, "myostream-a")])
    live = [{"utterance": u, "reference": "r s", "streamed hypothesis": h, "WER %": w, "word errors": e,
             "reference words": 2, "chunks": 4, "chunk compute p95 ms": 2.0}
            for u, h, w, e in (("u1", "", 100.0, 2), ("u2", "r s", 0.0, 0))]
    tables.save_table(live, "08_live_decoding", out / "tables", caption="l", profile="smoke", config="c",
                      manifests=[_manifest(tmp_path, "myostream-b")] * 2)
    tables.save_table([{"utterance": "u1", "text": "r s", "recorded_samples": 300, "replayed_samples": 300,
                        "max_abs_difference_uv": 1.5e-5}], "08_replay_check", out / "tables", caption="r",
                      profile="smoke", config="c", manifests=[_manifest(tmp_path, "myostream-b")])
    text = narrative.what_this_shows(out, chapter_findings("08"))
    assert "decoded with myostream-b, not the MyoStream run evaluated in notebook 05 (myostream-a)" in text
    # the streamed transcripts as the table names them: one of the two is empty
    assert "Live decoding of 2 replayed utterance(s) ran chunk by chunk; 1 gave an empty transcript" in text
    assert "gives back the same number of samples and differs from the recording by at most 1.5e-05 µV" in text


def test_a_notebook_without_tables_says_so(tmp_path):
    assert "nothing to report" in narrative.what_this_shows(tmp_path, chapter_findings("06"))


# ----------------------------------------------------------------------------- tables as the report shows them
def test_display_table_reads_well():
    sidecar = {"columns": ["rms_ch3", "duration_min", "WER (greedy)", "WER %", "WER % CI low", "WER % CI high",
                           "band_20_450_share", "n"],
               "rows": [{"values": {"rms_ch3": 12.3456, "duration_min": 7.7191, "WER (greedy)": 0.4125,
                                    "WER %": 41.25, "WER % CI low": 38.0, "WER % CI high": 44.9,
                                    "band_20_450_share": 0.9811, "n": 15}}]}
    columns, rows = tables.display_table(sidecar)
    assert columns == ["RMS ch 3 (µV)", "duration (min)", "WER % (greedy)", "WER % [95% CI]",
                       "power in 20-450 Hz %", "n"]
    assert rows == [["12.3", "7.72", "41.2", "41.2 [38.0, 44.9]", "98.1", "15"]]


# ----------------------------------------------------------------------------- provenance
def test_portable_text_names_no_folder_of_this_machine():
    repo = REPO
    tmp = tempfile.gettempdir()
    text = (f'"{repo}/data/synthetic-quick" {repo} {sys.prefix}/lib/python3.11/x.py {tmp}/semg-capture-1/a '
            f"{repo}/reports/executed/.01_x.ipynb")
    out = provenance.portable_text(text, repo)
    assert out.startswith('"data/synthetic-quick" . ')
    assert str(repo) not in out and f"{tmp}/" not in out and "<tmp>/semg-capture-1/a" in out
    assert provenance.portable_text(f"{tmp}/x", repo, keep_tmp=True) == f"{tmp}/x"


def test_make_portable_and_the_checks(tmp_path, monkeypatch):
    out = REPO / "build" / "test-provenance"  # inside the checkout (ignored)
    # as for reports/: a results folder that is not scratch (the checkout may itself be under /tmp in CI)
    monkeypatch.setattr(portability, "keeps_tmp", lambda folder: False)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    try:
        (out / "executed").mkdir(parents=True)
        (out / "executed" / "01.ipynb").write_text(json.dumps({"metadata": {"papermill": {
            "input_path": str(REPO / "notebooks" / "01.ipynb"),
            "output_path": f"{tempfile.gettempdir()}/tmpab12/01.ipynb"}}}))
        (out / "model.pt").write_bytes(str(REPO).encode())  # binary files are not read
        assert len(checks.absolute_paths(out)) == 2
        portability.make_portable(out)
        # the checkout's path is gone; the temporary folder is named, but still a temporary folder:
        # the check asks for folders named by their role
        assert checks.absolute_paths(out) == ["executed/01.ipynb: <tmp>/tmpab12"]
        assert json.loads((out / "executed" / "01.ipynb").read_text())["metadata"]["papermill"] == {
            "input_path": "notebooks/01.ipynb", "output_path": "<tmp>/tmpab12/01.ipynb"}
    finally:
        import shutil

        shutil.rmtree(out, ignore_errors=True)


def test_uncommitted_cited_manifests_are_found(tmp_path):
    out = tmp_path / "reports"
    _table(out, "04_x", [{"a": 1}], tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    problems = checks.uncommitted_manifests(out)
    assert problems == ["manifests/runs/myostream-tiny-1.json: not committed"]
    subprocess.run(["git", "-C", str(tmp_path), "add", "reports"], check=True)
    assert checks.uncommitted_manifests(out) == []
    # archived copies are already portable
    copy = json.loads((out / "manifests" / "runs" / "myostream-tiny-1.json").read_text())
    assert copy["data_root"] == "data/synthetic-smoke"


def test_committed_reports_are_portable_and_cite_committed_manifests(tmp_path):
    """The committed reports/ (as the last commit holds them, whatever a study run since has rewritten): no
    absolute path of a machine, every cited manifest committed."""
    reports = REPO / "reports"
    if checks.tracked_files(reports) is None:
        pytest.skip("not a git checkout")
    committed = checks.committed_copy(reports, tmp_path)
    assert committed is not None and (committed / "tables").is_dir()
    everything = {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()}
    problems = checks.absolute_paths(committed, repo=REPO) + checks.uncommitted_manifests(committed, everything)
    assert not problems, f"{len(problems)} provenance problem(s) in reports/, e.g.: " + "; ".join(problems[:5])


# ----------------------------------------------------------------------------- seaborn figures
@pytest.mark.slow
def test_statistical_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from semg_study.report import statplots

    ablations = {"rows": [{"values": {"variant": "full model", "WER % per seed": "50.0, 52.0"}},
                          {"values": {"variant": "without x", "WER % per seed": "60.0, 58.0"}}]}
    assert statplots.ablation_differences(ablations) == [
        {"variant": "without x", "seed": 0, "difference (points)": 10.0},
        {"variant": "without x", "seed": 1, "difference (points)": 6.0}]
    fig = statplots.plot_differences(ablations)
    assert "synthetic data" in fig.axes[0].get_title()
    plt.close(fig)
    comparisons = {"rows": [{"values": {"comparison": "a vs b", "metric": "WER %", "difference (points)": -2.0,
                                        "difference CI low": -3.0, "difference CI high": -1.0, "verdict": "better"}}]}
    plt.close(statplots.plot_differences(comparisons, synthetic=False))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("\n".join(json.dumps({"id": f"u{i}", "reference": "a b c d", "hypothesis": h})
                                     for i, h in enumerate(["a b c d", "a b c", "a"])))
    rows = statplots.utterance_errors({"greedy": {"predictions": str(predictions)}})
    assert [r["WER %"] for r in rows] == [0.0, 25.0, 75.0]
    plt.close(statplots.plot_utterance_errors({"greedy": {"predictions": str(predictions)}}))

    def drawn(fig) -> list:  # where every jittered dot landed
        points = [c.get_offsets().tolist() for ax in fig.axes for c in ax.collections]
        plt.close(fig)
        return points

    # the dots' jitter is seeded: the same data draw the same figure on every run (reports are compared)
    import numpy as np

    np.random.seed(123)
    first = drawn(statplots.plot_utterance_errors({"greedy": {"predictions": str(predictions)}}))
    np.random.seed(456)
    assert drawn(statplots.plot_utterance_errors({"greedy": {"predictions": str(predictions)}})) == first
    assert drawn(statplots.plot_differences(ablations)) == drawn(statplots.plot_differences(ablations))


def test_the_seed_comparison_is_said_from_its_tables_and_follows_a_changed_verdict(tmp_path):

    from semg_study.report.narrative import record_findings

    reports = Path(__file__).resolve().parents[1] / "reports"
    shutil.copytree(reports / "tables", tmp_path / "tables")
    path = tmp_path / "tables" / "05_seed_comparisons.json"
    table = json.loads(path.read_text())
    row = next(r["values"] for r in table["rows"] if r["values"]["B"] == "gaddy2022" and r["values"]["metric"] == "WER %")
    said = [f.text for f in record_findings(tmp_path, chapter_findings("05"))[1] if "against gaddy2022" in f.text]
    assert said and said[0].endswith(f"{row['verdict']}.")
    row["verdict"] = "no significant difference" if row["verdict"] != "no significant difference" else "better"
    path.write_text(json.dumps(table))
    said = [f.text for f in record_findings(tmp_path, chapter_findings("05"))[1] if "against gaddy2022" in f.text]
    assert said[0].endswith(f"{row['verdict']}.")
    assert record_findings(tmp_path, chapter_findings("02")) == ([], [])  # a chapter that reads no records says nothing from them
