"""Small pieces the models share: input lengths from a batch, length masks."""
from __future__ import annotations

import torch


def input_lengths(batch: dict, key: str) -> torch.Tensor:
    """Valid lengths (B,) of ``batch[key]`` along time.

    The collate function stores them as ``<key>_lengths``; a batch built by hand
    without lengths is taken to be unpadded.
    """
    x = batch[key]
    # collate names them emg_raw_lengths and frame_lengths (emg_features / audio_features)
    names = [f"{key}_lengths"] + (["frame_lengths"] if key in ("emg_features", "audio_features") else [])
    for name in names:
        if name in batch:
            return torch.as_tensor(batch[name], device=x.device).long()
    return torch.full((x.shape[0],), x.shape[1], dtype=torch.long, device=x.device)


def padding_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, T) bool, True at padded positions."""
    return torch.arange(max_len, device=lengths.device)[None, :] >= lengths[:, None]


def session_indices(batch: dict, batch_size: int, device) -> torch.Tensor:
    s = batch.get("session_index")
    if s is None:  # index 0 is the data layer's "unknown session"
        return torch.zeros(batch_size, dtype=torch.long, device=device)
    return torch.as_tensor(s, device=device).long().reshape(batch_size)
