"""Run configurations: the composed YAML of ``semg_study/configs/`` turned into dataclasses.

A config has four sections: ``model`` (the registry name plus its keyword
arguments), ``data`` (which corpus and which utterances), ``train`` (the
optimisation) and ``decode`` (how evaluation decodes). How names become
sections (families, bases, size overlays) is :mod:`semg_study.recipes.compose`.
``key=value`` overrides use dotted keys (``train.epochs=3``,
``model.d_model=64``) or the short aliases every config accepts:
``data_root=PATH``, ``out=PATH``, ``seed=N``, ``device=cpu|cuda``. Values are
parsed as YAML (``3`` is an int, ``[a, b]`` a list). An unknown key is a
:class:`ConfigError` naming the key and the file (or the override) it came from.
"""
from __future__ import annotations

import copy
import dataclasses
import inspect
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from semg_study.errors import ConfigError
from semg_study.recipes.compose import compose_file, compose_named

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

ALIASES = {"data_root": "data.root", "out": "train.out", "seed": "train.seed", "device": "train.device"}


@dataclass
class ModelConfig:
    name: str
    kwargs: dict = field(default_factory=dict)


@dataclass
class DataConfig:
    root: str = "data/synthetic-quick"     # relative paths resolve against cwd, then the repo root
    layout: str = "dv"                     # dv (Digital Voicing) | ljspeech
    condition: str = "open"                # open | closed vocabulary
    train_modes: list = field(default_factory=lambda: ["silent", "voiced"])
    eval_mode: str = "silent"              # silent | voiced: the mode of the dev/test utterances scored
    testset: str | None = None             # None: the corpus root's testset_largedev.json, then testset.json, else the packaged large dev split
    features: dict = field(default_factory=dict)   # FeatureConfig.from_dict overrides
    max_train_utterances: int | None = None         # cap (smoke runs, overfitting tests)


@dataclass
class TrainConfig:
    epochs: int = 10
    lr: float = 1e-3
    weight_decay: float = 0.01
    schedule: str = "constant"             # constant | warmup_halving (gaddy2022) | onecycle (DS2)
    warmup_batches: int = 0
    halve_at_epochs: list = field(default_factory=list)
    batch_samples: int = 0                 # > 0: batches filled up to this many input samples
    batch_size: int = 8                    # used when batch_samples == 0
    grad_accumulation: int = 1
    chunk_frames: int = 0                  # > 0: train on fixed chunks of this many output frames
    grad_clip: float = 0.0
    seed: int = 0
    device: str = "cpu"                    # cpu | cuda
    amp: bool = True                       # mixed precision when on CUDA
    threads: int = 0                       # torch CPU threads (0: leave as is)
    out: str = "runs"
    best_metric: str = "cer"               # dev greedy cer | wer | loss
    # Early stopping: stop when best_metric has not improved for this many epochs (0: run
    # every epoch). ``epochs`` is then a ceiling, not the budget: runs train until dev stops improving.
    patience: int = 0
    progress: bool = True


@dataclass
class DecodeConfig:
    method: str = "greedy"                 # greedy | beam
    beam_size: int = 50
    alpha: float = 1.0                     # LM weight
    beta: float = 1.0                      # word insertion bonus
    lm_order: int = 3
    # Text the n-gram LM is estimated from: "train" (the training transcripts only) or
    # "train+corpus" (plus the corpus's held-out LM text, ROOT/lm_text/<condition>_vocab.txt,
    # sentences that are never a recorded utterance; without that folder, training text only).
    lm_text: str = "train+corpus"


@dataclass
class Config:
    model: ModelConfig
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    name: str = ""

    def to_dict(self) -> dict:
        """The resolved config in the YAML shape (model kwargs flattened beside ``name``)."""
        return {"name": self.name, "model": {"name": self.model.name, **self.model.kwargs},
                "data": asdict(self.data), "train": asdict(self.train), "decode": asdict(self.decode)}


_CHOICES = {
    ("data", "layout"): ("dv", "ljspeech"),
    ("data", "condition"): ("open", "closed"),
    ("data", "eval_mode"): ("silent", "voiced"),
    ("train", "schedule"): ("constant", "warmup_halving", "onecycle"),
    ("train", "device"): ("cpu", "cuda"),
    ("train", "best_metric"): ("cer", "wer", "loss"),
    ("decode", "method"): ("greedy", "beam"),
}
_SECTIONS = {"data": DataConfig, "train": TrainConfig, "decode": DecodeConfig}


def _model_signature(name: str) -> dict[str, inspect.Parameter]:
    """The model constructor's parameters (``self`` left out): the one place model arguments are read."""
    from semg_study.models.registry import model_class

    return {k: v for k, v in inspect.signature(model_class(name).__init__).parameters.items() if k != "self"}


def _model_parameters(name: str) -> set[str]:
    return set(_model_signature(name))


def model_defaults(name: str) -> dict[str, Any]:
    """Every model argument with a default, and that default (what a config leaves unset)."""
    return {k: p.default for k, p in _model_signature(name).items()
            if p.default is not inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD}


def _check_value(section: str, key: str, value: Any, source: str) -> Any:
    choices = _CHOICES.get((section, key))
    if choices is not None and value not in choices:
        raise ConfigError(f"{source}: {section}.{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _coerce(section: str, key: str, value: Any, cls, source: str) -> Any:
    """Check a value against the dataclass field's default type (ints may stand for floats)."""
    default = next(f for f in dataclasses.fields(cls) if f.name == key)
    sample = default.default if default.default is not dataclasses.MISSING else default.default_factory()
    if sample is None or value is None:
        return value
    if isinstance(sample, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {section}.{key} must be true or false, got {value!r}")
    elif isinstance(sample, float):
        if isinstance(value, str):  # YAML 1.1 reads "1e-3" (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {section}.{key} must be a number, got {value!r}")
        value = float(value)
    elif isinstance(sample, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {section}.{key} must be an integer, got {value!r}")
    elif isinstance(sample, (list, dict, str)) and not isinstance(value, type(sample)):
        raise ConfigError(f"{source}: {section}.{key} must be a {type(sample).__name__}, got {value!r}")
    return _check_value(section, key, value, source)


def config_from_dict(raw: dict, source: str = "config", name: str = "",
                     origins: dict[tuple[str, str], str] | None = None) -> Config:
    """Validate ``raw``; an error names ``origins[(section, key)]`` (the file that set the key), else ``source``."""
    where = lambda section, key: (origins or {}).get((section, key), source)  # noqa: E731
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a config must be a mapping with sections model, data, train, decode")
    unknown = set(raw) - {"model", "data", "train", "decode", "name"}
    if unknown:
        raise ConfigError(f"{source}: unknown section {sorted(unknown)[0]!r} (sections: model, data, train, decode)")
    model_raw = dict(raw.get("model") or {})
    if "name" not in model_raw:
        raise ConfigError(f"{source}: model.name is missing")
    model_name = model_raw.pop("name")
    allowed = _model_parameters(model_name)
    for key in model_raw:
        if key not in allowed:
            raise ConfigError(f"{where('model', key)}: unknown key model.{key} for model {model_name!r}")
    sections = {}
    for section, cls in _SECTIONS.items():
        values = dict(raw.get(section) or {})
        known = {f.name for f in dataclasses.fields(cls)}
        for key in values:
            if key not in known:
                raise ConfigError(f"{where(section, key)}: unknown key {section}.{key}")
            values[key] = _coerce(section, key, values[key], cls, where(section, key))
        sections[section] = cls(**values)
    return Config(model=ModelConfig(model_name, model_raw), name=raw.get("name") or name, **sections)


def parse_override(item: str) -> tuple[str, Any]:
    """``key=value`` -> (dotted key, YAML-parsed value)."""
    if "=" not in item:
        raise ConfigError(f"override {item!r} is not of the form key=value")
    key, text = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"override {item!r} has an empty key")
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {item!r}: cannot parse the value: {exc}") from exc
    return ALIASES.get(key, key), value


def override_items(overrides: Iterable[str] | dict | None) -> list[tuple[str, Any]]:
    """(dotted key, value) of each override; strings are parsed, a dict's values taken as they are."""
    if not overrides:
        return []
    items = overrides.items() if isinstance(overrides, dict) else (parse_override(o) for o in overrides)
    return [(ALIASES.get(key, key), value) for key, value in items]


def run_overrides(data_root: str | Path, overrides: dict | None, testset: str | Path | None = None,
                  settings: dict | None = None) -> dict[str, Any]:
    """The overrides a planned run trains with, as data (``{dotted key: value}``, what
    :func:`load_config` and ``train_cached`` take, never written out and parsed back): ``data_root``,
    then ``settings`` (the notebooks' ``seed`` and ``device``), ``train.progress`` off,
    ``data.testset`` when ``testset`` is given, then the plan's ``overrides`` (a key already there
    keeps its place). The notebooks' runs and the benchmark's both build their overrides here: the
    config they make decides a run's fingerprint, so the two must never drift apart.
    """
    items: dict[str, Any] = {"data_root": str(data_root), **(settings or {}), "train.progress": False}
    if testset is not None:
        items["data.testset"] = str(testset)
    items.update(overrides or {})
    return items


def apply_overrides(raw: dict, overrides: Iterable[str] | dict | None) -> dict:
    raw = copy.deepcopy(raw)
    for key, value in override_items(overrides):
        parts = key.split(".")
        if len(parts) != 2 or parts[0] not in ("model", "data", "train", "decode"):
            raise ConfigError(f"unknown override key {key!r} (use section.key, e.g. train.epochs=3, "
                              f"or one of {', '.join(ALIASES)})")
        section, name = parts
        raw.setdefault(section, {})
        if raw[section] is None:
            raw[section] = {}
        raw[section][name] = value
    return raw


def _raw_config(name_or_path: str | Path | dict | Config) -> tuple[dict, dict[tuple[str, str], str], str, str]:
    """``(raw sections, origins, source, name)`` of a config given by name, path, dict or Config;
    ``origins[(section, key)]`` is the file (and size) that set the key."""
    if isinstance(name_or_path, Config):
        return name_or_path.to_dict(), {}, name_or_path.name or "config", name_or_path.name
    if isinstance(name_or_path, dict):
        return name_or_path, {}, "config", name_or_path.get("name", "")
    if Path(name_or_path).suffix in (".yaml", ".yml"):
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        composed, rest = compose_file(path)
        return {**composed.raw, **rest}, composed.origins, str(path), path.stem
    composed = compose_named(str(name_or_path))
    return composed.raw, composed.origins, str(name_or_path), str(name_or_path)


def _with_override_origins(origins: dict, items: list[tuple[str, Any]], source: str) -> dict:
    return {**origins, **{tuple(key.split(".", 1)): f"overrides of {source}" for key, _ in items if "." in key}}


def config_origins(name_or_path: str | Path | dict | Config,
                   overrides: Iterable[str] | dict | None = None) -> dict[tuple[str, str], str]:
    """Where each ``(section, key)`` of the config was set: a file (and size) or the overrides
    (``semg-study config`` prints them); keys left to a default are absent."""
    _, origins, source, _ = _raw_config(name_or_path)
    return _with_override_origins(origins, override_items(overrides), source)


def load_config(name_or_path: str | Path | dict | Config, overrides: Iterable[str] | dict | None = None) -> Config:
    """Load a config by name, path, dict or Config, then apply ``overrides``."""
    raw, origins, source, name = _raw_config(name_or_path)
    items = override_items(overrides)
    origins = _with_override_origins(origins, items, source)
    return config_from_dict(apply_overrides(raw, dict(items)), source=source, name=name, origins=origins)


def resolve_data_root(root: str | Path) -> Path:
    """An absolute root as is; a relative one against the cwd, then the repository root."""
    p = Path(root).expanduser()
    if p.is_absolute():
        return p
    for base in (Path.cwd(), REPO_ROOT):
        if (base / p).exists():
            return (base / p).resolve()
    raise ConfigError(f"data.root {str(root)!r} exists neither under {Path.cwd()} nor under {REPO_ROOT}; "
                      f"make it with `semg-study synth --out {root}` or pass data_root=PATH")
