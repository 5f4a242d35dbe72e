"""Training: configs, the loop, checkpoints, run manifests, cached runs, :func:`load_run`."""
from semg_study.training.cache import run_fingerprint, train_cached
from semg_study.training.checkpoint import LoadedRun, load_run, load_weights
from semg_study.training.config import Config, available_configs, load_config
from semg_study.training.loop import train

__all__ = ["Config", "LoadedRun", "available_configs", "load_config", "load_run", "load_weights",
           "run_fingerprint", "train", "train_cached"]
