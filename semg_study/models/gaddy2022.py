"""A reproduction of the dataset authors' 2022 direct EMG-to-text model (Gaddy, 2022).

Raw EMG (B, 8n, 8) at 689.06 Hz -> three residual conv blocks, each stride 2
(conv3-BN-ReLU-conv3-BN with a 1x1 conv + BN on the residual path), 8 -> 768
channels, so 8 raw samples become one 86.13 Hz frame -> Linear(768, 768) ->
six post-LayerNorm transformer encoder layers (d_model 768, 8 heads, feed-forward
3072, ReLU, dropout 0.2) whose attention logits get a learned relative position
term per head (Shaw et al.: q . E[k - q], distances clipped at 100) ->
Linear(768, n_class). About 53.2M parameters at paper size. Training-time
augmentation shifts the raw EMG left by a random 0-7 samples. Written from the
published description; the authors' code is not copied.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from semg_study.models.common import input_lengths, padding_mask
from semg_study.models.registry import register_model
from semg_study.text import PHONEME_SYMBOLS, VOCAB


class ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv1d(in_ch, out_ch, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm1d(out_ch)
        self.conv2 = nn.Conv1d(out_ch, out_ch, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(out_ch)
        self.residual = nn.Sequential(nn.Conv1d(in_ch, out_ch, 1, stride=stride), nn.BatchNorm1d(out_ch))

    def forward(self, x):  # (B, C, T)
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + self.residual(x))


class RelativeSelfAttention(nn.Module):
    """Multi-head self-attention with learned per-head relative position embeddings."""

    def __init__(self, d_model: int, n_heads: int, dropout: float, max_distance: int):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.max_distance = max_distance
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        # One embedding per head and clipped distance -max..max.
        self.relative = nn.Parameter(torch.randn(n_heads, 2 * max_distance + 1, self.head_dim) / math.sqrt(self.head_dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, pad_mask):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q = q / math.sqrt(self.head_dim)
        logits = q @ k.transpose(-1, -2)  # (B, H, T, T)
        # q . E[d] for every clipped distance d, then pick d = key - query.
        rel_scores = torch.einsum("bhqd,hrd->bhqr", q, self.relative)  # (B, H, T, 2D+1)
        pos = torch.arange(t, device=x.device)
        rel_index = (pos[None, :] - pos[:, None]).clamp(-self.max_distance, self.max_distance) + self.max_distance
        logits = logits + rel_scores.gather(-1, rel_index.expand(b, self.n_heads, t, t))
        logits = logits.masked_fill(pad_mask[:, None, None, :], float("-inf"))
        attn = self.dropout(logits.softmax(-1))
        y = (attn @ v).transpose(1, 2).reshape(b, t, -1)
        return self.out(y)


class EncoderLayer(nn.Module):
    """Post-LayerNorm transformer layer (as in the original Transformer and the 2022 model)."""

    def __init__(self, d_model, n_heads, d_ff, dropout, max_distance):
        super().__init__()
        self.attention = RelativeSelfAttention(d_model, n_heads, dropout, max_distance)
        self.norm1 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, pad_mask):
        x = self.norm1(x + self.dropout(self.attention(x, pad_mask)))
        return self.norm2(x + self.dropout(self.ff(x)))


@register_model("gaddy2022")
class Gaddy2022(nn.Module):
    input_key = "emg_raw"

    def __init__(self, n_channels: int = 8, d_model: int = 768, n_layers: int = 6, n_heads: int = 8,
                 d_ff: int = 3072, dropout: float = 0.2, max_distance: int = 100, n_class: int = len(VOCAB),
                 n_phonemes: int = 0, max_shift: int = 7, raw_rate: float = 22050 / 256 * 8):
        super().__init__()
        self.max_shift = max_shift
        self.input_per_output = 8
        self.output_frame_rate = raw_rate / 8
        self.conv_blocks = nn.Sequential(ResBlock(n_channels, d_model, 2), ResBlock(d_model, d_model, 2),
                                         ResBlock(d_model, d_model, 2))
        self.input_projection = nn.Linear(d_model, d_model)
        self.layers = nn.ModuleList(EncoderLayer(d_model, n_heads, d_ff, dropout, max_distance) for _ in range(n_layers))
        self.classifier = nn.Linear(d_model, n_class)
        # The 2022 model optionally predicted phonemes too; off (0) by default.
        self.phoneme_classifier = nn.Linear(d_model, n_phonemes) if n_phonemes else None

    def forward(self, batch: dict) -> dict:
        x = batch[self.input_key]  # (B, 8n, 8)
        lengths = input_lengths(batch, self.input_key)
        if self.training and self.max_shift > 0:
            # Shift left by 0-7 samples: drop the first s samples, pad the end.
            shift = int(torch.randint(0, self.max_shift + 1, ()))
            if shift:
                x = F.pad(x[:, shift:], (0, 0, 0, shift))
        x = self.conv_blocks(x.transpose(1, 2)).transpose(1, 2)  # (B, n, d)
        out_lengths = lengths.div(8, rounding_mode="floor").clamp(min=1, max=x.shape[1])
        x = self.input_projection(x)
        mask = padding_mask(out_lengths, x.shape[1])
        for layer in self.layers:
            x = layer(x, mask)
        out = {"log_probs": self.classifier(x).log_softmax(-1), "lengths": out_lengths}
        if self.phoneme_classifier is not None:
            out["phoneme_log_probs"] = self.phoneme_classifier(x).log_softmax(-1)
        return out
