"""Attention weights of one utterance, read from a trained model without changing it.

MyoStream's :class:`~semg_study.models.myostream.RelPosAttention` (and
gaddy2022's relative self-attention) return only their output. A forward hook on
each attention module sees that module's inputs; from them it recomputes the
softmax weights with the module's own projections, relative-position bias and
mask, exactly as its ``forward`` does (the recomputation is checked against the
module's output: weights @ values -> output projection must reproduce it).
"""
from __future__ import annotations

import math

import torch


def _myostream_weights(module, args) -> tuple[torch.Tensor, torch.Tensor]:
    queries, keys, q_pos, k_pos, allowed = args
    b, tq, _ = queries.shape
    tk = keys.shape[1]
    q = module.q(queries).view(b, tq, module.n_heads, module.head_dim).transpose(1, 2)
    k, v = module.kv(keys).view(b, tk, 2, module.n_heads, module.head_dim).permute(2, 0, 3, 1, 4)
    logits = (q @ k.transpose(-1, -2)) / math.sqrt(module.head_dim)
    rel = (k_pos[None, :] - q_pos[:, None]).clamp(-module.max_distance, module.max_distance) + module.max_distance
    logits = logits + module.relative_bias[:, rel]
    logits = logits.masked_fill(~allowed[:, None], float("-inf"))
    attn = torch.nan_to_num(logits.softmax(-1), nan=0.0)
    recomputed = module.out((attn @ v).transpose(1, 2).reshape(b, tq, -1))
    return attn, recomputed


def attention_modules(model) -> list[torch.nn.Module]:
    """The model's attention modules, in layer order (MyoStream: one per Conformer block)."""
    from semg_study.models.myostream import RelPosAttention

    found = [m for m in model.modules() if isinstance(m, RelPosAttention)]
    if not found:
        raise ValueError(f"{type(model).__name__} has no MyoStream attention modules to read")
    return found


def attention_weights(model, item: dict, check: bool = True) -> list[torch.Tensor]:
    """Per layer, the (heads, T, T) attention weights of one dataset item (eval mode, no grad).

    ``item`` is one item of the run's own dataset (``semg_study.data.dataset``);
    ``check`` asserts that the recomputed weights reproduce each module's output.
    """
    from semg_study.data.dataset import collate

    captured: list[torch.Tensor] = []
    mismatch: list[float] = []

    def hook(module, args, output):
        attn, recomputed = _myostream_weights(module, args)
        captured.append(attn[0].detach().cpu())
        mismatch.append(float((recomputed - output).abs().max()))

    handles = [m.register_forward_hook(hook) for m in attention_modules(model)]
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            model(collate([item]))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if check and mismatch and max(mismatch) > 1e-4:
        raise AssertionError(f"recomputed attention differs from the module's output by {max(mismatch):.2e}")
    return captured
