"""``semg-study config NAME [key=value ...]``: the configuration a run will use, and where each value came from.

Every key of the resolved config is printed with its origin: the YAML file (and
size) that set it, the command line's overrides, the dataclass default in
``recipes/config.py``, or, for a model argument no file sets, the default of the
model's constructor. What is printed is what :func:`~semg_study.recipes.config.load_config`
returns, the same object training reads, so there is no second reading of the files.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from semg_study.recipes.config import REPO_ROOT, Config, config_origins, load_config, model_defaults

# Model arguments that training fills from the data when no file sets them
# (semg_study.training.loop.model_kwargs): their constructor default is not what a run uses.
FROM_THE_DATA = {"raw_rate": "the feature pipeline's raw EMG rate", "input_frame_rate": "the features' frame rate",
                 "n_sessions": "the number of training sessions, plus one row for an unseen session"}


def _shown_path(origin: str) -> str:
    """An origin with the repository's prefix removed (``semg_study/configs/myostream.yaml (sizes.quick)``)."""
    prefix = str(REPO_ROOT) + "/"
    return origin.replace(prefix, "")


def resolved_entries(name: str, overrides: list[str] | None = None) -> tuple[Config, list[dict[str, Any]]]:
    """The resolved config of ``name`` with ``overrides``, and one entry per key:
    ``{"key": "train.epochs", "value": 60, "origin": "semg_study/configs/base/common.yaml"}``."""
    cfg = load_config(name, overrides)
    origins = config_origins(name, overrides)
    resolved = cfg.to_dict()
    entries = []
    set_by_files = set(resolved["model"]) - {"name"}
    model_name = resolved["model"]["name"]
    constructor = model_defaults(model_name)
    for section in ("model", "data", "train", "decode"):
        values = dict(resolved[section])
        if section == "model":
            values.pop("name")
            # arguments the files leave to the model: shown with the constructor's default
            for key, default in constructor.items():
                values.setdefault(key, default)
        for key in sorted(values):
            if (section, key) in origins:
                origin = _shown_path(origins[(section, key)])
            elif section == "model" and key in FROM_THE_DATA:
                origin = f"set from the data when training: {FROM_THE_DATA[key]} (constructor default shown)"
            elif section == "model" and key not in set_by_files:
                origin = f"default of the {model_name} model's constructor"
            else:
                origin = "default (semg_study/recipes/config.py)"
            entries.append({"key": f"{section}.{key}", "value": values[key], "origin": origin})
    return cfg, entries


def profile_entries(profile: str) -> list[dict[str, Any]]:
    """A profile's knobs (``semg_study/configs/study/profiles.yaml``), one entry per leaf key:
    ``{"key": "plan.epochs.ablation", "value": 20, "origin": "semg_study/configs/study/profiles.yaml (quick)"}``."""
    from semg_study.recipes.profiles import PROFILES, PROFILES_FILE, check_profile

    origin = f"{_shown_path(str(PROFILES_FILE))} ({check_profile(profile)})"
    entries = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key in value:
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        else:
            entries.append({"key": prefix, "value": value, "origin": origin})

    walk("", PROFILES[profile])
    return entries


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", nargs="?",
                        help="a config name (e.g. myostream-quick; `semg-study models` lists them) or a YAML file")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="overrides as training takes them (train.epochs=80, model.d_model=64, ...)")
    parser.add_argument("--json", action="store_true", help="print JSON (key, value, origin per key)")
    parser.add_argument("--profile", metavar="PROFILE",
                        help="print a profile's knobs instead (smoke, quick, full: the plan's seeds and epoch "
                             "ceilings per chapter, the comparison over seeds, the benchmark's)")


def _print(title: str, entries: list[dict[str, Any]]) -> None:
    print(title)
    # a long value (a list of sizes) does not push every comment off the screen
    width = min(60, max(len(f"{e['key']} = {json.dumps(e['value'], default=str)}") for e in entries))
    for e in entries:
        text = f"{e['key']} = {json.dumps(e['value'], default=str)}"
        print(f"{text:<{width}}  # {e['origin']}")


def run(args: argparse.Namespace) -> int:
    from semg_study.errors import ConfigError

    if args.profile:
        entries = profile_entries(args.profile)
        if args.json:
            print(json.dumps({"profile": args.profile, "entries": entries}, indent=2, default=str))
        else:
            _print(f"# profile {args.profile}: the study's knobs (key = value  # where it was set)", entries)
        return 0
    if not args.name:
        raise ConfigError("name a config (e.g. myostream-quick) or give --profile NAME")
    cfg, entries = resolved_entries(args.name, args.overrides)
    if args.json:
        print(json.dumps({"config": cfg.name, "entries": entries}, indent=2, default=str))
        return 0
    _print(f"# {cfg.name}: the resolved configuration (key = value  # where it was set)", entries)
    if Path(args.name).suffix not in (".yaml", ".yml"):
        print("# the study's notebooks and `make bench` may add their plan's overrides (the epoch ceilings of "
              "the first ablations and the single-run open-vocabulary runs, the comparison's budget rule): "
              "`semg-study config --profile quick` prints them")
    return 0
