"""Which utterances of a corpus a config trains on, selects its checkpoint on, and is scored on.

Read by training (the datasets and the data fingerprint), evaluation (the
session indices of a run that did not record them) and the model release (the
training participants), so each stage asks the same rule. Part of the run
fingerprint's input code (``training.fingerprint.INPUT_CODE``): a change in what is
selected changes the training inputs.
"""
from __future__ import annotations

from semg_study.errors import ConfigError
from semg_study.recipes.config import Config, resolve_data_root


def select_utterances(corpus, cfg: Config, split: str, modes) -> list:
    """The config's condition in ``split``, each mode of ``modes`` in turn."""
    out = []
    for mode in modes:
        out += corpus.utterances(condition=cfg.data.condition, split=split, mode=mode)
    return out


def train_utterances(cfg: Config, corpus) -> list:
    """The utterances a config trains on (its modes' training lists, capped by ``max_train_utterances``)."""
    utts = select_utterances(corpus, cfg, "train", cfg.data.train_modes)
    if cfg.data.max_train_utterances:
        utts = utts[: cfg.data.max_train_utterances]
    return utts


def dev_utterances(cfg: Config, corpus) -> list:
    """The utterances that choose the checkpoint: dev, in the config's evaluation mode."""
    return select_utterances(corpus, cfg, "dev", [cfg.data.eval_mode])


def open_configured_corpus(cfg: Config):
    """(root, corpus) of ``data.root`` with ``data.testset``, refused when its layout is not ``data.layout``."""
    from semg_study.data import open_corpus

    root = resolve_data_root(cfg.data.root)
    corpus = open_corpus(root, testset=cfg.data.testset)
    expected = "ljspeech" if cfg.data.layout == "ljspeech" else "digital_voicing"
    if corpus.kind != expected:
        raise ConfigError(f"{root}: data.layout={cfg.data.layout} but this is a {corpus.kind} corpus")
    return root, corpus
