"""What the dissertation reads besides the figure captions and table sidecars: a notebook's slot from an
output's name, a PNG's aspect ratio, the study run's commit, and the models' printout and sizes built
from the code (on the meta device: no memory, no weights)."""
from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any


def slot_of(name: str) -> str:
    m = re.match(r"(\d\d)_", name)
    return m.group(1) if m else "99"


def png_aspect(path: Path) -> float | None:
    """Width / height from a PNG's header (no image library needed)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        width, height = struct.unpack(">II", head[16:24])
        return width / height if height else None
    except OSError:
        return None


def commit_text(study_run: Any) -> str:
    git = study_run.get("git") if isinstance(study_run, dict) else None
    if not isinstance(git, dict) or not git.get("commit"):
        return "an unrecorded commit"
    state = {True: "with uncommitted changes (dirty tree)", False: "clean tree"}.get(git.get("dirty"), "tree state unknown")
    return f"commit {str(git['commit'])[:12]} ({state})"


def deepspeech2_printout(n_feats: int = 128, n_class: int = 29) -> tuple[str, int]:
    """The Appendix C model as the code builds it (meta device: no memory, no weights)."""
    import torch

    from semg_study.models.deepspeech2 import DeepSpeech2

    with torch.device("meta"):
        model = DeepSpeech2(n_feats=n_feats, n_class=n_class)
    return str(model), sum(p.numel() for p in model.parameters())


def model_sizes(profile: str | None) -> list[list[str]]:
    """Parameters of each model's paper-size config and of the run's profile (built on the meta device)."""
    import torch

    from semg_study.models.registry import build_model, count_parameters
    from semg_study.recipes import available_configs, load_config

    configs = set(available_configs())
    rows = []
    for model, label in (("ds2audio_full", "DeepSpeech2 (Appendix C), audio"), ("ds2emg", "DeepSpeech2, EMG features"),
                         ("gaddy2022", "Gaddy (2022) reproduction"), ("myostream", "MyoStream")):
        cells = [label]
        for size in ("paper", profile or "quick"):
            name = f"{model}-{size}"
            if name not in configs:
                cells.append("")
                continue
            cfg = load_config(name)
            with torch.device("meta"):
                cells.append(f"{count_parameters(build_model(cfg.model.name, **cfg.model.kwargs)):,}")
        rows.append(cells)
    return rows
