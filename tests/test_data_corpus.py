"""The Digital Voicing / LJSpeech loaders and the split rules, on the layout fixture."""
from __future__ import annotations

import json
import os
from collections import Counter

import numpy as np
import pytest

from layout_fixture import make_layout_fixture
from semg_study import io
from semg_study.data import open_corpus, packaged_testset
from semg_study.data.testsets import closed_split_sizes, split_closed_sentences
from semg_study.errors import DataError


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    return make_layout_fixture(tmp_path_factory.mktemp("layout"))


@pytest.fixture(scope="module")
def corpus(layout):
    return open_corpus(layout.root)


def make_ljspeech(root, n=12, rate=22050):
    rng = np.random.default_rng(1)
    lines = []
    for i in range(n):
        uid = f"LJ001-{i:04d}"
        io.save_audio(root / "wavs" / f"{uid}.wav", (0.1 * rng.normal(size=rate // 2)).astype(np.float32), rate)
        lines.append(f"{uid}|Printing, in {i} cases.|Printing, in case number {i}.")
    io.write_text(root / "metadata.csv", "\n".join(lines) + "\n")
    return root


def test_counts_per_condition_split_mode(corpus, layout):
    got = {k: len(corpus.utterances(*k)) for k in layout.counts}
    assert got == layout.counts


def test_skips_are_counted_by_rule(corpus, layout):
    assert corpus.skipped == layout.skipped
    assert "nonparallel_data/4-21/3" in corpus.skipped_ids["no_letter_in_text"]
    every = corpus.all_utterances()
    assert all(u.sentence_index != -1 for u in every)


def test_session_and_fields_recorded(corpus, layout):
    assert corpus.sessions == layout.sessions
    u = corpus.utterances("open", "train", "silent")[0]
    assert u.session.endswith("_silent") and u.mode == "silent" and u.parallel and u.condition == "open"
    assert u.emg_path.exists() and u.info_path.exists()
    assert json.loads(u.info_path.read_text())["text"] == u.text
    nonpar = [x for x in corpus.utterances("open", "train", "voiced") if x.session == "4-21"]
    assert nonpar and not any(x.parallel for x in nonpar)


def test_root_may_be_emg_data_itself(corpus, layout):
    other = open_corpus(layout.emg_data)
    assert other.counts() == corpus.counts()
    assert other.testset_path == layout.testset


def test_sorted_deterministically(corpus, layout):
    a = corpus.utterances("open", "train")
    assert a == sorted(a)
    assert [u.id for u in a] == [u.id for u in open_corpus(layout.root).utterances("open", "train")]


def test_load_gives_float32_emg_audio_and_clean_fallback(corpus, layout):
    session, index = layout.raw_audio_only
    utts = {(u.session, u.index): u for u in corpus.all_utterances()}
    raw_only = utts[(session, index)]
    assert raw_only.audio_path.name == f"{index}_audio.flac"
    other = utts[(session, 1)]
    assert other.audio_path.name == "1_audio_clean.flac"
    data = other.load()
    assert data.emg.dtype == np.float32 and data.emg.shape[1] == 8
    assert data.audio.dtype == np.float32 and data.audio_rate == 16000
    assert len(data.audio) == 16 * len(data.emg)
    assert data.info["sentence_index"] == other.sentence_index


def test_silent_borrows_alignment_of_voiced_partner(corpus):
    utts = {(u.session, u.index): u for u in corpus.all_utterances()}
    voiced, silent = utts[("5-4", 1)], utts[("5-4_silent", 1)]
    assert voiced.key == silent.key
    v, s = voiced.load(), silent.load()
    assert v.phoneme_alignment and not v.alignment_borrowed
    assert s.phoneme_alignment == v.phoneme_alignment and s.alignment_borrowed
    assert [p for _, _, p in v.phoneme_alignment] == ["sil", "n", "ow", "w", "ah", "n", "sil"]
    assert utts[("5-4", 4)].load().phoneme_alignment is None


def test_load_context_gives_neighbours(corpus):
    utts = {(u.session, u.index): u for u in corpus.all_utterances()}
    before, after = utts[("5-4", 1)].load_context()
    assert before.shape == np.load(utts[("5-4", 1)].path.parent / "0_emg.npy").shape  # the reference clip
    assert after.shape == utts[("5-4", 2)].load().emg.shape
    last = max(u.index for u in corpus.all_utterances() if u.session == "5-5")
    assert utts[("5-5", last)].load_context()[1] is None


# -- split rules -------------------------------------------------------------------------

def test_defect6_no_dev_or_test_sentence_in_training_in_either_mode(corpus, layout):
    held_out = set(layout.dev_keys) | set(layout.test_keys)
    train = corpus.utterances("open", "train")
    assert {u.mode for u in train} == {"silent", "voiced"}
    assert not [u.id for u in train if u.key in held_out]
    # and the held-out sentences really exist in both modes of the corpus
    for mode in ("silent", "voiced"):
        assert {u.key for u in corpus.utterances("open", "dev", mode)} == set(layout.dev_keys)
        assert {u.key for u in corpus.utterances("open", "test", mode)} == set(layout.test_keys)


def test_dev_test_come_only_from_silent_sessions(corpus):
    for split in ("dev", "test"):
        default = corpus.utterances("open", split)
        assert default and all(u.mode == "silent" and u.folder == "silent_parallel_data" for u in default)
        assert all(u.mode == "voiced" for u in corpus.utterances("open", split, "voiced"))


def test_closed_split_is_by_sentence_seeded_and_deterministic(corpus, layout):
    splits = {}
    for split in ("train", "dev", "test"):
        for mode in ("silent", "voiced"):
            for u in corpus.utterances("closed", split, mode):
                splits.setdefault(u.key, set()).add(split)
    assert all(len(s) == 1 for s in splits.values())  # both modes of a sentence in one split
    assert len(splits) == layout.closed_sentences
    keys = list(splits)
    a, b = split_closed_sentences(keys), split_closed_sentences(reversed(keys))
    assert a == b == {k: next(iter(v)) for k, v in splits.items()}
    assert split_closed_sentences(keys, seed=1) != a
    assert Counter(a.values()) == {"dev": 1, "test": 4, "train": 5}


def test_closed_split_sizes_documented_rule():
    assert closed_split_sizes(500) == (30, 100)
    assert closed_split_sizes(260) == (30, 100)
    assert closed_split_sizes(130) == (15, 50)
    assert closed_split_sizes(10) == (1, 4)


def test_testset_choice(layout, tmp_path):
    # explicit file overrides ROOT/testset.json
    alt = tmp_path / "alt.json"
    io.write_json(alt, {"dev": [["books/War_of_the_Worlds.txt", 10]], "test": []})
    c = open_corpus(layout.root, testset=alt)
    assert [u.sentence_index for u in c.utterances("open", "dev")] == [10]
    assert 11 in {u.sentence_index for u in c.utterances("open", "train", "silent")}
    # the packaged testset is the default without ROOT/testset.json
    bare = make_layout_fixture(tmp_path / "bare", with_testset=False)
    assert open_corpus(bare.root).testset_path == packaged_testset()
    assert open_corpus(bare.root, testset="testset_origdev.json").testset_path == packaged_testset(
        "testset_origdev.json")
    with pytest.raises(DataError, match="testset file not found"):
        open_corpus(layout.root, testset=tmp_path / "nope.json")


def test_packaged_testsets_have_the_documented_sizes():
    for name, n_dev in (("testset_largedev.json", 200), ("testset_origdev.json", 30)):
        data = json.loads(packaged_testset(name).read_text())
        assert len(data["dev"]) == n_dev and len(data["test"]) == 100


def test_emg_only_session_is_loaded_without_audio(tmp_path):
    fx = make_layout_fixture(tmp_path, emg_only_session=True)
    c = open_corpus(fx.root)
    cap = [u for u in c.utterances("open", "train", "voiced") if u.session == fx.emg_only_session]
    assert len(cap) == 2 and all(u.audio_path is None for u in cap)
    d = cap[0].load()
    assert d.audio is None and d.emg.shape[1] == 8
    assert len(c.utterances("open", "train", "voiced")) == fx.counts[("open", "train", "voiced")]


def test_not_a_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not a Digital Voicing layout"):
        open_corpus(tmp_path)


# -- LJSpeech ----------------------------------------------------------------------------

def test_ljspeech_layout_is_detected_and_split(tmp_path):
    root = make_ljspeech(tmp_path / "lj", n=40)
    c = open_corpus(root)
    assert c.kind == "ljspeech"
    dev, test, train = (c.utterances("open", s) for s in ("dev", "test", "train"))
    assert (len(dev), len(test), len(train)) == (2, 2, 36)
    assert not {u.id for u in dev} & {u.id for u in train}
    assert [u.id for u in dev] == [u.id for u in open_corpus(root).utterances("open", "dev")]
    u = train[0]
    assert u.session == "ljspeech" and u.mode == "voiced" and "case number" in u.text
    d = u.load()
    assert d.emg is None and d.audio_rate == 22050 and d.audio.dtype == np.float32
    assert c.utterances("closed", "train") == []


def test_ljspeech_missing_wav_is_named(tmp_path):
    root = make_ljspeech(tmp_path / "lj", n=4)
    os.remove(root / "wavs" / "LJ001-0002.wav")
    with pytest.raises(DataError) as err:
        open_corpus(root)
    assert err.value.path.endswith("LJ001-0002.wav")


# -- fingerprint -------------------------------------------------------------------------

def test_fingerprint_changes_with_files_and_params(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMG_STUDY_CACHE", str(tmp_path / "cache"))
    fx = make_layout_fixture(tmp_path / "fp")
    c = open_corpus(fx.root)
    base = c.fingerprint(n_mels=80)
    assert c.fingerprint(n_mels=80) == base
    assert c.fingerprint(n_mels=128) != base
    assert not list(fx.root.rglob("*digest*"))  # nothing written into the dataset
    # same size, different content: the fingerprint must change
    emg = fx.emg_data / "nonparallel_data" / "4-21" / "1_emg.npy"
    arr = np.load(emg)
    arr[0, 0] += 1.0
    io.save_npy(emg, arr)
    assert open_corpus(fx.root).fingerprint(n_mels=80) != base


def test_alignments_folder_may_live_elsewhere(tmp_path):
    fx = make_layout_fixture(tmp_path / "d")
    moved = tmp_path / "repo_alignments"
    (fx.root / "text_alignments").rename(moved)
    plain = open_corpus(fx.root)
    assert all(u.alignment_path is None for u in plain.all_utterances())
    c = open_corpus(fx.root, alignments=moved)
    aligned = {u.id for u in c.all_utterances() if u.alignment_path is not None}
    assert {"voiced_parallel_data/5-4/1", "silent_parallel_data/5-4_silent/1"} <= aligned
    with pytest.raises(DataError, match="alignments folder not found"):
        open_corpus(fx.root, alignments=tmp_path / "nowhere")


def test_fingerprint_ignores_unfinished_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMG_STUDY_CACHE", str(tmp_path / "cache"))
    fx = make_layout_fixture(tmp_path / "fp")
    base = open_corpus(fx.root).fingerprint()
    io.write_bytes(fx.emg_data / "nonparallel_data" / "4-21" / ".9_emg.npy.abc.tmp", b"half written")
    assert open_corpus(fx.root).fingerprint() == base


def test_file_digest_is_of_content_by_any_path_and_nothing_persists(tmp_path, monkeypatch):
    import os

    from semg_study.data.fingerprint import ContentDigests, file_sha256

    monkeypatch.setenv("SEMG_STUDY_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "a.bin"
    f.write_bytes(b"one")
    digests = ContentDigests()
    assert digests.digest("a.bin") == digests.digest(f) == digests.digest(str(f)) == file_sha256(f)
    first = digests.digest(f)
    # a same-size rewrite with the old modification time put back (what ``cp -p`` or ``rsync -t``
    # leave) is still noticed: the inode's change time moves, and a new process re-reads the bytes
    st = f.stat()
    f.write_bytes(b"two")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert digests.digest(f) == file_sha256(f) != first
    assert ContentDigests().digest(f) == file_sha256(f)
    assert not (tmp_path / "cache").exists()  # no digest is stored between processes


def test_corpus_root_largedev_split_wins_and_leaks_nothing(tmp_path, capsys):
    """The published layout keeps its split in ROOT/testset_largedev.json: it beats ROOT/testset.json
    and the packaged copy, and neither mode of its dev/test sentences is trained on."""
    from semg_study.data.cli_info import corpus_summary
    from semg_study.data.testsets import testset_difference

    fx = make_layout_fixture(tmp_path / "published")
    own = {"dev": [["books/War_of_the_Worlds.txt", 10]], "test": [["books/War_of_the_Worlds.txt", 20]]}
    io.write_json(fx.root / "testset_largedev.json", own)
    corpus = open_corpus(fx.root)
    assert corpus.testset_path == fx.root / "testset_largedev.json"
    held_out = {tuple(k) for k in own["dev"] + own["test"]}
    for mode in ("silent", "voiced"):
        assert not {u.key for u in corpus.utterances("open", "train", mode)} & held_out
        assert {u.sentence_index for u in corpus.utterances("open", "dev", mode)} == {10}
        assert {u.sentence_index for u in corpus.utterances("open", "test", mode)} == {20}
    # emg_data/ itself as the root finds the file in its parent too
    assert open_corpus(fx.emg_data).testset_path == fx.root / "testset_largedev.json"
    # named by info (text and JSON), with the warning that it is not the packaged split
    assert testset_difference(corpus.testset_path).startswith("the corpus's own split differs")
    assert testset_difference(packaged_testset()) is None
    summary = corpus_summary(corpus)
    assert summary["testset"] == str(fx.root / "testset_largedev.json") and summary["testset_warning"]
    assert corpus_summary(corpus, chosen_testset="x.json")["testset_warning"] is None
    from semg_study.cli import main

    main(["info", str(fx.root)])
    out = capsys.readouterr().out
    assert f"testset {fx.root / 'testset_largedev.json'}" in out and "WARNING" in out
    # without it, ROOT/testset.json is next
    (fx.root / "testset_largedev.json").unlink()
    assert open_corpus(fx.root).testset_path == fx.root / "testset.json"


def test_a_copy_of_the_packaged_split_in_the_corpus_root_is_no_warning(tmp_path):
    from semg_study.data.testsets import testset_difference

    fx = make_layout_fixture(tmp_path / "copy")
    (fx.root / "testset_largedev.json").write_bytes(packaged_testset().read_bytes())
    assert open_corpus(fx.root).testset_path == fx.root / "testset_largedev.json"
    assert testset_difference(fx.root / "testset_largedev.json") is None


def test_one_reader_of_the_synthetic_label(tmp_path):
    """``is_synthetic``: the nearest corpus.json decides, else a recording's or session's true "synthetic"."""
    from semg_study.data.synthetic_label import is_synthetic, labelled_synthetic

    root = tmp_path / "corpus"
    deep = root / "emg_data" / "closed_vocab" / "silent" / "s1"
    deep.mkdir(parents=True)
    recording = deep / "0_emg.npy"
    recording.write_bytes(b"")
    assert not is_synthetic(root) and not labelled_synthetic(root)
    (root / "corpus.json").write_text(json.dumps({"label": "synthetic"}))
    assert is_synthetic(root) and labelled_synthetic(root)
    assert not is_synthetic(recording)  # the corpus.json lies 5 folders up
    assert is_synthetic(recording, levels=5) and not is_synthetic(recording, levels=4)
    (deep / "corpus.json").write_text(json.dumps({"label": "real"}))
    assert not is_synthetic(recording, levels=5)  # the nearest one decides
    assert is_synthetic(tmp_path, [None, {"synthetic": True}]) and not is_synthetic(tmp_path, [{"synthetic": False}])
    assert is_synthetic(tmp_path, [{"synthetic": {"participant": "S1"}}])  # the synthetic corpus's info
    (root / "corpus.json").write_text("[1, 2]")
    assert not is_synthetic(root)  # not a JSON object: says nothing
