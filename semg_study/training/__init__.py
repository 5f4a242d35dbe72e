"""Training: the loop, checkpoints, run manifests, cached runs, :func:`load_run` (configs: :mod:`semg_study.recipes`)."""
from semg_study.training.cache import train_cached
from semg_study.training.fingerprint import run_fingerprint
from semg_study.training.checkpoint import LoadedRun, load_run, load_weights
from semg_study.training.loop import train

__all__ = ["LoadedRun", "load_run", "load_weights", "run_fingerprint", "train", "train_cached"]
