"""Recipes: what every stage reads about a run before it runs.

The configs (:mod:`~semg_study.recipes.compose` composes the YAML families,
:mod:`~semg_study.recipes.config` validates them into dataclasses), which
utterances a config trains and is scored on (:mod:`~semg_study.recipes.selection`)
and the study's profiles (:mod:`~semg_study.recipes.profiles`). Training,
evaluation, the experiments and capture import these; nothing here imports them.
"""
from semg_study.recipes.compose import available_configs
from semg_study.recipes.config import Config, load_config

__all__ = ["Config", "available_configs", "load_config"]
