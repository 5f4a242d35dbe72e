"""``evaluate`` on a smoke-size MyoStream run trained on the synthetic smoke corpus."""
from __future__ import annotations

import json

import pytest

from semg_study.decoding.lm import ArpaModel, BOS, EOS, text_fingerprint
from semg_study.evaluation.metrics import score
from semg_study.text import normalize_text


@pytest.fixture(scope="session")
def smoke_run(smoke_corpus, tmp_path_factory):
    """A 2-epoch myostream-smoke run (train_cached reuses it across test modules)."""
    from semg_study.training import train_cached

    runs = tmp_path_factory.getbasetemp() / "evaluation-runs"
    return train_cached("myostream-smoke", [f"data_root={smoke_corpus}", "train.progress=false"],
                        runs_root=runs)


def _predictions(out_dir):
    return [json.loads(line) for line in (out_dir / "predictions.jsonl").read_text().splitlines()]


def _split_texts(corpus, split):
    return {u.id: u.text for mode in ("silent", "voiced") for u in corpus.utterances("open", split, mode)}


@pytest.mark.parametrize("decoder", ["greedy", "beam"])
def test_evaluate_writes_predictions_and_corpus_metrics(smoke_run, smoke_corpus, decoder):
    from semg_study.data import open_corpus
    from semg_study.evaluation.evaluate import evaluate_run

    metrics = evaluate_run(smoke_run, split="dev", decoder=decoder)
    out_dir = smoke_run / "eval" / f"dev-silent-{decoder}"
    assert metrics["out_dir"] == str(out_dir)
    on_disk = json.loads((out_dir / "metrics.json").read_text())
    assert on_disk["wer"] == metrics["wer"] and on_disk["data"] == "synthetic"
    assert on_disk["manifest"]["path"].endswith("manifest.json") and on_disk["manifest"]["sha256"]

    corpus = open_corpus(smoke_corpus)
    dev = corpus.utterances("open", "dev", "silent")
    rows = _predictions(out_dir)
    assert [r["id"] for r in rows] == [u.id for u in dev]
    assert [r["reference"] for r in rows] == [normalize_text(u.text) for u in dev]
    for r in rows:
        assert {"hypothesis", "substitutions", "deletions", "insertions", "hits", "wer"} <= set(r)
        assert r["hits"] + r["substitutions"] + r["deletions"] == r["words"]
    # The stored metrics are the corpus-level figures of the stored predictions.
    rescored = score([r["reference"] for r in rows], [r["hypothesis"] for r in rows], [r["id"] for r in rows])
    assert metrics["wer"] == pytest.approx(rescored.wer) and metrics["cer"] == pytest.approx(rescored.cer)
    assert metrics["counts"]["utterances"] == len(dev)

    # Read back for error analysis: the same per-utterance errors, and the worst alignments render.
    from semg_study.evaluation.output import read_evaluation
    from semg_study.evaluation.metrics import alignment_report

    stored, utterances = read_evaluation(out_dir)
    assert stored["wer"] == metrics["wer"]
    assert [u.as_dict() for u in utterances] == [u.as_dict() for u in rescored.utterances]
    assert alignment_report(utterances, k=1).startswith("[")

    if decoder == "greedy":
        assert metrics["lm"] is None and metrics["decoder"] == {"decoder": "greedy"}
        return
    # Beam: the LM came from the train split plus the corpus's held-out LM text (decode.lm_text
    # "train+corpus"), never from a dev/test transcript, and says so with a fingerprint.
    from semg_study.decoding.lm import build_lm_from_corpus, held_out_lm_text

    assert metrics["decoder"]["lexicon"] is True and metrics["decoder"]["lm_order"] == 3
    train = _split_texts(corpus, "train")
    held_path, held = held_out_lm_text(corpus, "open")
    assert held_path is not None and held, "the smoke corpus ships held-out LM text"
    lm_info = json.loads((smoke_run / "lm" / "3gram.json").read_text())
    assert set(lm_info["utterance_ids"]) == set(train) | {i for i, _ in held}
    answers = {normalize_text(t) for split in ("dev", "test") for t in _split_texts(corpus, split).values()}
    assert not answers & {t for _, t in held}
    held_out_ids = set(_split_texts(corpus, "dev")) | set(_split_texts(corpus, "test"))
    assert not held_out_ids & set(lm_info["utterance_ids"])
    assert metrics["lm"]["text_fingerprint"] == text_fingerprint(
        [train[i] for i in sorted(train)] + [t for _, t in held])

    # With training text only, no dev/test n-gram that training never saw reaches the LM.
    train_only = build_lm_from_corpus(corpus, smoke_run / "lm-train-only", 3, condition="open",
                                      mode=["silent", "voiced"], lm_text="train")

    def ngrams(text):
        toks = [BOS, *normalize_text(text).split(), EOS]
        return {tuple(toks[i:i + n]) for n in (1, 2, 3) for i in range(len(toks) - n + 1)}

    seen = set().union(*(ngrams(t) for t in train.values()))
    unseen = set().union(*(ngrams(t) for split in ("dev", "test")
                           for t in _split_texts(corpus, split).values())) - seen
    assert unseen, "the smoke corpus should have dev/test n-grams that training never saw"
    model = ArpaModel(train_only.arpa_path)
    assert not unseen & {g for level in model.log10_probs for g in level}
    # Every beam hypothesis is made of lexicon (training) words.
    lexicon = set((smoke_run / "lm" / "lexicon.txt").read_text().split())
    assert all(set(r["hypothesis"].split()) <= lexicon for r in rows)


def test_evaluate_uses_the_runs_features_and_normaliser(smoke_run, smoke_corpus):
    from semg_study.data import open_corpus
    from semg_study.evaluation.evaluate import eval_dataset
    from semg_study.training import load_run

    loaded = load_run(smoke_run)
    corpus = open_corpus(smoke_corpus)
    dataset = eval_dataset(loaded, corpus, corpus.utterances("open", "dev", "silent"))
    assert dataset.feature_config == loaded.feature_config
    assert dataset.normalizer is loaded.normalizer
    train_sessions = {u.session for m in ("silent", "voiced") for u in corpus.utterances("open", "train", m)}
    assert set(dataset.sessions) - {"<unknown>"} == train_sessions

    # The stored greedy hypotheses are the model's own single-utterance outputs, decoded.
    import torch

    from semg_study.data.dataset import collate
    from semg_study.decoding.greedy import greedy_decode
    from semg_study.evaluation.evaluate import evaluate_run

    evaluate_run(smoke_run, decoder="greedy")
    rows = _predictions(smoke_run / "eval" / "dev-silent-greedy")
    with torch.inference_mode():
        expected = []
        for i in range(len(dataset)):
            out = loaded.model(collate([dataset[i]]))
            expected += greedy_decode(out["log_probs"], out["lengths"])
    assert [r["hypothesis"] for r in rows] == [normalize_text(h) for h in expected]


def test_evaluate_cli_json_lexicon_free_and_lm_reuse(smoke_run, capsys):
    from semg_study.cli import main

    assert main(["evaluate", str(smoke_run), "--decoder", "beam", "--lexicon-free", "--split", "test",
                 "--mode", "voiced", "--beam-size", "4", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["split"] == "test" and printed["mode"] == "voiced"
    assert printed["decoder"]["lexicon"] is False and printed["decoder"]["beam"] == 4
    assert (smoke_run / "eval" / "test-voiced-beam-lexfree" / "predictions.jsonl").is_file()
    arpa = smoke_run / "lm" / "3gram.arpa"
    stamp = arpa.stat().st_mtime_ns
    assert main(["evaluate", str(smoke_run), "--decoder", "beam", "--beam-size", "4"]) == 0
    summary = capsys.readouterr().out
    assert "WER" in summary and "[synthetic data]" in summary
    assert arpa.stat().st_mtime_ns == stamp  # same training texts: the cached LM is reused
    with pytest.raises(SystemExit):  # the CLI scores dev or test only
        main(["evaluate", str(smoke_run), "--split", "train"])


def test_another_testset_rebuilds_the_lm_without_its_sentences(smoke_run, smoke_corpus, tmp_path):
    import shutil

    from semg_study.data import open_corpus
    from semg_study.evaluation.evaluate import evaluate_run

    run = tmp_path / "run"
    shutil.copytree(smoke_run, run, ignore=shutil.ignore_patterns("eval", "bench"))
    first = evaluate_run(run, decoder="beam", beam_size=4)
    # Move two former training sentences into dev: the cached LM must not be reused.
    default = open_corpus(smoke_corpus)
    moved = sorted({(u.book, u.sentence_index) for u in default.utterances("open", "train", "silent")})[:2]
    testset = tmp_path / "moved.json"
    testset.write_text(json.dumps({"dev": [list(k) for k in moved], "test": []}))
    second = evaluate_run(run, decoder="beam", beam_size=4, testset=testset)
    # another split file is other data: its outputs and LM are keyed by that data's fingerprint
    key = f"data-{second['data_fingerprint'][:12]}"
    assert second["data_fingerprint"] != first["data_fingerprint"]
    assert (run / "eval" / "dev-silent-beam" / "metrics.json").is_file()
    assert (run / "eval" / f"dev-silent-beam-{key}" / "metrics.json").is_file()
    assert second["lm"]["text_fingerprint"] != first["lm"]["text_fingerprint"]
    assert json.loads((run / "lm" / "3gram.json").read_text())["text_fingerprint"] == first["lm"]["text_fingerprint"]
    corpus = open_corpus(smoke_corpus, testset=testset)
    new_dev = {u.id for m in ("silent", "voiced") for u in corpus.utterances("open", "dev", m)}
    assert len(new_dev) >= 2
    lm_ids = set(json.loads((run / f"lm-{key}" / "3gram.json").read_text())["utterance_ids"])
    assert not new_dev & lm_ids
    assert {i for i in lm_ids if not i.startswith("lm_text:")} == set(_split_texts(corpus, "train"))
