"""Config names -> raw config mappings, composed from the YAML files of ``semg_study/configs/``.

A **family** file ``configs/<family>.yaml`` gives one config per size,
``<family>-<size>`` (``myostream-quick``). Its keys:

* ``base``: one name or a list of names of other families (``configs/`` or
  ``configs/base/``), composed first, in order; this file is merged over them;
* ``model``, ``data``, ``train``, ``decode``: what every size of the family shares;
* ``sizes``: ``{size: overlay}``, each overlay the same four sections, plus an
  optional ``base: <size>`` that starts it from another size of the same family
  (``medium: {base: paper, ...}``).

``<family>-<size>`` is, in merge order: the base families' ``<family'>-<size>``
(their shared sections and that size), this family's shared sections, then its
overlay of ``size``. A family has the sizes it or any of its bases declares.
Files in ``configs/base/`` are bases only: they give no config names.

Merging: mappings merge key by key; everything else (lists included) is
replaced. Unknown keys are errors naming the file (and the size) they are in.
A YAML file given by path is one config; it may name configs (``base:
myostream-quick``) it is merged over.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from semg_study.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
BASE_DIR = CONFIG_DIR / "base"
SECTIONS = ("model", "data", "train", "decode")
_FAMILY_KEYS = ("base", "sizes") + SECTIONS
_OVERLAY_KEYS = ("base",) + SECTIONS


class Composed:
    """A raw config (the four sections) and, per ``(section, key)``, where its value was set."""

    def __init__(self) -> None:
        self.raw: dict = {}
        self.origins: dict[tuple[str, str], str] = {}

    def merge(self, fragment: dict, where: str) -> None:
        """Merge the four sections of ``fragment`` (its other keys, ``base`` and ``sizes``, are the caller's)."""
        for section, values in fragment.items():
            if section not in SECTIONS or values is None:
                continue
            if not isinstance(values, dict):
                raise ConfigError(f"{where}: section {section} must be a mapping, got {values!r}")
            self.raw[section] = deep_merge(self.raw.get(section) or {}, values)
            for key in values:
                self.origins[(section, key)] = where

    def over(self, other: "Composed") -> None:
        """Merge everything of ``other`` over this one, keeping ``other``'s origins."""
        for section, values in other.raw.items():
            self.raw[section] = deep_merge(self.raw.get(section) or {}, values)
        self.origins.update(other.origins)


def deep_merge(under: dict, over: dict) -> dict:
    """``over`` merged into a copy of ``under``: mappings key by key, anything else replaced."""
    merged = copy.deepcopy(under)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_yaml(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config file must be a mapping")
    return raw


def _names(value, where: str) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: base must be a name or a list of names, got {value!r}")
    return names


def family_path(family: str) -> Path | None:
    for folder in (CONFIG_DIR, BASE_DIR):
        path = folder / f"{family}.yaml"
        if path.is_file():
            return path
    return None


def _read_family(family: str, chain: tuple[str, ...] = ()) -> tuple[Path, dict]:
    if family in chain:
        raise ConfigError(f"config family {family!r} is its own base ({' -> '.join(chain + (family,))})")
    path = family_path(family)
    if path is None:
        raise ConfigError(f"{family_path(chain[-1])}: unknown base family {family!r}" if chain
                          else f"unknown config family {family!r}")
    raw = read_yaml(path)
    for key in raw:
        if key not in _FAMILY_KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (a family has {', '.join(_FAMILY_KEYS)})")
    sizes = raw.get("sizes") or {}
    if not isinstance(sizes, dict):
        raise ConfigError(f"{path}: sizes must be a mapping of size -> overlay")
    for size, overlay in sizes.items():
        if not isinstance(overlay, dict):
            raise ConfigError(f"{path}: sizes.{size} must be a mapping")
        for key in overlay:
            if key not in _OVERLAY_KEYS:
                raise ConfigError(f"{path} (sizes.{size}): unknown key {key!r} "
                                  f"(a size has {', '.join(_OVERLAY_KEYS)})")
    return path, raw


def family_sizes(family: str, chain: tuple[str, ...] = ()) -> set[str]:
    """Every size ``family`` or one of its bases declares."""
    path, raw = _read_family(family, chain)
    sizes = set(raw.get("sizes") or {})
    for base in _names(raw.get("base", []), str(path)):
        sizes |= family_sizes(base, chain + (family,))
    return sizes


def compose(family: str, size: str, chain: tuple[str, ...] = ()) -> Composed:
    """The raw sections of ``<family>-<size>`` and where each key came from."""
    path, raw = _read_family(family, chain)
    overlay = (raw.get("sizes") or {}).get(size) or {}
    out = Composed()
    if "base" in overlay:  # this size starts from another size of the same family
        start = overlay["base"]
        if not isinstance(start, str) or start == size:
            raise ConfigError(f"{path} (sizes.{size}): base must name another size, got {start!r}")
        out.over(compose(family, start, chain))
    else:
        for base in _names(raw.get("base", []), str(path)):
            out.over(compose(base, size, chain + (family,)))
        out.merge(raw, str(path))
    out.merge(overlay, f"{path} (sizes.{size})")
    return out


def available_configs() -> list[str]:
    """Every config name: ``<family>-<size>`` for each family file of ``configs/`` and its sizes."""
    return sorted(f"{p.stem}-{size}" for p in CONFIG_DIR.glob("*.yaml") for size in family_sizes(p.stem))


def split_name(name: str) -> tuple[str, str] | None:
    """``ds2audio_closed-quick`` -> (``ds2audio_closed``, ``quick``) when that config exists, else None."""
    family, sep, size = name.rpartition("-")
    if not sep or not (CONFIG_DIR / f"{family}.yaml").is_file():
        return None
    return (family, size) if size in family_sizes(family) else None


def compose_named(name: str) -> Composed:
    parts = split_name(name)
    if parts is None:
        raise ConfigError(f"unknown config {name!r}; available: {', '.join(available_configs())}")
    return compose(*parts)


def compose_file(path: Path) -> tuple[Composed, dict]:
    """A config file given by path: its named base configs, then its own sections; and its other keys."""
    raw = read_yaml(path)
    out = Composed()
    for base in _names(raw.get("base", []), str(path)):
        out.over(compose_named(base))
    out.merge(raw, str(path))
    rest = {k: v for k, v in raw.items() if k not in _OVERLAY_KEYS}
    return out, rest
