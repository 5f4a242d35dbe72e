"""One registry for every model of the study.

A model module registers its class with ``@register_model("name")``; configs
name the model and pass keyword arguments, and everything else (training,
``load_run``, ``semg-study models``) goes through :func:`build_model`.

The forward contract every registered model follows::

    forward(batch: dict) -> {"log_probs": (B, T, V) log-softmax over the CTC vocabulary,
                             "lengths": (B,) valid output frames,
                             ["phoneme_log_probs": (B, T, P)]}

plus the attributes ``input_key`` (which batch entry it reads: ``emg_raw``,
``emg_features`` or ``audio_features``), ``output_frame_rate`` (Hz) and
``input_per_output`` (input frames per output frame, used for chunked training).
"""
from __future__ import annotations

import importlib
from typing import Callable

from torch import nn

from semg_study.errors import ConfigError

_REGISTRY: dict[str, type[nn.Module]] = {}

# Modules that register models; imported lazily so `list_models` sees them all.
_MODEL_MODULES = (
    "semg_study.models.deepspeech2",
    "semg_study.models.gaddy2022",
    "semg_study.models.myostream",
)


def register_model(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    def decorator(cls: type[nn.Module]) -> type[nn.Module]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"model name {name!r} is already registered by {_REGISTRY[name].__name__}")
        _REGISTRY[name] = cls
        cls.registry_name = name
        return cls

    return decorator


def _load_all() -> None:
    for module in _MODEL_MODULES:
        importlib.import_module(module)


def list_models() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def model_class(name: str) -> type[nn.Module]:
    _load_all()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown model {name!r}; registered models: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def build_model(name: str, **config) -> nn.Module:
    """Instantiate the registered model ``name`` with keyword arguments ``config``."""
    cls = model_class(name)
    try:
        return cls(**config)
    except TypeError as exc:
        raise ConfigError(f"model {name!r}: bad arguments {sorted(config)}: {exc}") from exc


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
