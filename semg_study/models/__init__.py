"""Models of the study, all behind one registry (:mod:`semg_study.models.registry`)."""
from semg_study.models.registry import build_model, count_parameters, list_models, register_model

__all__ = ["build_model", "count_parameters", "list_models", "register_model"]
