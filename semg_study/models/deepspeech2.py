"""DeepSpeech2 as in the dissertation's Appendix C (the public "SpeechRecognitionModel").

Layer for layer: Conv2d(1, 32, 3, stride 2, padding 1) over (features x time);
three residual CNN blocks (LayerNorm over the feature axis, GELU, dropout,
Conv2d 3x3, twice, plus the skip); Linear(32 * n_feats/2, rnn_dim); five
bidirectional GRU layers (LayerNorm, GELU, GRU, dropout), the first reading
rnn_dim features, the others 2*rnn_dim; classifier Linear(2*rnn_dim, rnn_dim) -
GELU - Dropout - Linear(rnn_dim, n_class).

With n_feats=128, rnn_dim=512 and 29 outputs this is the appendix model's
23,705,373 parameters. One deliberate difference from the tutorial: every GRU
here is batch-first (the tutorial set ``batch_first`` only on the first layer,
so the later layers recurred over the batch axis); the parameter count is the same.

Training-time SpecAugment (one frequency mask up to ``freq_mask`` bins and one
time mask up to ``time_mask`` frames per utterance) lives in the model so that
train and evaluation share one feature pipeline.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from semg_study.models.common import input_lengths
from semg_study.models.registry import register_model
from semg_study.text import VOCAB


class CNNLayerNorm(nn.Module):
    """LayerNorm over the feature axis of a (B, C, features, time) map."""

    def __init__(self, n_feats: int):
        super().__init__()
        self.layer_norm = nn.LayerNorm(n_feats)

    def forward(self, x):
        return self.layer_norm(x.transpose(2, 3)).transpose(2, 3)


class ResidualCNN(nn.Module):
    def __init__(self, channels: int, n_feats: int, dropout: float):
        super().__init__()
        self.norm1 = CNNLayerNorm(n_feats)
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=1, padding=1)
        self.norm2 = CNNLayerNorm(n_feats)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        residual = x
        x = self.conv1(self.dropout(F.gelu(self.norm1(x))))
        x = self.conv2(self.dropout(F.gelu(self.norm2(x))))
        return x + residual


class BidirectionalGRU(nn.Module):
    def __init__(self, input_dim: int, hidden: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(input_dim)
        self.gru = nn.GRU(input_dim, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, lengths):
        x = F.gelu(self.norm(x))
        # Packing keeps the backward direction from reading padding first.
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.dropout(out)


@register_model("deepspeech2")
class DeepSpeech2(nn.Module):
    def __init__(self, input_key: str = "audio_features", n_feats: int = 128, n_class: int = len(VOCAB),
                 cnn_channels: int = 32, n_cnn_layers: int = 3, rnn_dim: int = 512, n_rnn_layers: int = 5,
                 dropout: float = 0.1, input_frame_rate: float = 22050 / 256,
                 freq_mask: int = 0, time_mask: int = 0):
        super().__init__()
        if input_key not in ("audio_features", "emg_features"):
            raise ValueError(f"deepspeech2 reads audio_features or emg_features, not {input_key!r}")
        self.input_key = input_key
        self.n_feats = n_feats
        self.freq_mask, self.time_mask = freq_mask, time_mask
        self.input_per_output = 2
        self.output_frame_rate = input_frame_rate / 2
        half = (n_feats + 1) // 2
        self.cnn = nn.Conv2d(1, cnn_channels, 3, stride=2, padding=1)
        self.rescnn_layers = nn.ModuleList(ResidualCNN(cnn_channels, half, dropout) for _ in range(n_cnn_layers))
        self.fully_connected = nn.Linear(cnn_channels * half, rnn_dim)
        self.birnn_layers = nn.ModuleList(
            BidirectionalGRU(rnn_dim if i == 0 else 2 * rnn_dim, rnn_dim, dropout) for i in range(n_rnn_layers))
        self.classifier = nn.Sequential(
            nn.Linear(2 * rnn_dim, rnn_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(rnn_dim, n_class))

    def spec_augment(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """One frequency and one time mask per utterance (training only)."""
        x = x.clone()
        for b in range(x.shape[0]):
            if self.freq_mask > 0:
                width = int(torch.randint(0, self.freq_mask + 1, ()))
                start = int(torch.randint(0, max(1, x.shape[2] - width), ()))
                x[b, :, start:start + width] = 0
            if self.time_mask > 0:
                width = min(int(torch.randint(0, self.time_mask + 1, ())), int(lengths[b]))
                start = int(torch.randint(0, max(1, int(lengths[b]) - width), ()))
                x[b, start:start + width, :] = 0
        return x

    def forward(self, batch: dict) -> dict:
        x = batch[self.input_key]  # (B, T, n_feats)
        lengths = input_lengths(batch, self.input_key)
        if x.shape[-1] != self.n_feats:
            raise ValueError(f"deepspeech2 expects {self.n_feats} features, got {x.shape[-1]}")
        if self.training and (self.freq_mask or self.time_mask):
            x = self.spec_augment(x, lengths)
        x = self.cnn(x.transpose(1, 2).unsqueeze(1))  # (B, C, F/2, T/2)
        for layer in self.rescnn_layers:
            x = layer(x)
        b, c, f, t = x.shape
        x = self.fully_connected(x.reshape(b, c * f, t).transpose(1, 2))  # (B, T/2, rnn_dim)
        out_lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
        out_lengths = out_lengths.clamp(min=1, max=t)
        for layer in self.birnn_layers:
            x = layer(x, out_lengths)
        return {"log_probs": self.classifier(x).log_softmax(-1), "lengths": out_lengths}
