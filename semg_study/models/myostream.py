"""MyoStream: a streaming, electrode-aware Conformer for silent-speech sEMG.

The proposed model of the study (see ``README.md`` beside this file for the
motivation). Raw EMG (B, 8n, 8) at 689.06 Hz in, CTC log-probabilities at
86.13 Hz out (8 raw samples per frame), built so that it can decode a live
stream chunk by chunk with exactly the result of a full-sequence pass:

* every convolution is causal (left padding only), so conv layers never look ahead;
* attention uses :func:`streaming_mask`: chunks of ``chunk`` frames, ``left_chunks``
  chunks of left context, and ``lookahead`` frames of right context in the
  *first* layer only (later layers see up to the end of their chunk), so the
  look-ahead does not compound with depth and the algorithmic latency is
  ``chunk + lookahead`` frames.

Each component can be switched off for the ablation study: ``electrode_frontend``,
``conv_module``, ``streaming_mask`` (off = full-context attention, not streamable),
``phoneme_aux_loss``, ``session_adaptation``, ``augmentation``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from semg_study.errors import StudyError
from semg_study.models.common import input_lengths, padding_mask, session_indices
from semg_study.models.registry import register_model
from semg_study.text import PHONEME_SYMBOLS, VOCAB

RAW_RATE = 22050 / 256 * 8  # 689.06 Hz


def streaming_mask(T: int, chunk: int, left: int, lookahead: int, device=None) -> torch.Tensor:
    """(T, T) bool, True where query frame q may attend to key frame k.

    Frames are grouped in chunks of ``chunk``; a query in chunk i sees every key
    in chunks i-left .. i and the first ``lookahead`` frames after chunk i, and
    nothing later. ``left < 0`` means unbounded left context.
    """
    if chunk < 1 or lookahead < 0:
        raise ValueError(f"streaming_mask needs chunk >= 1 and lookahead >= 0, got {chunk}, {lookahead}")
    pos = torch.arange(T, device=device)
    q_chunk = (pos // chunk)[:, None]
    k_chunk = (pos // chunk)[None, :]
    visible_end = (q_chunk + 1) * chunk + lookahead  # exclusive
    allowed = pos[None, :] < visible_end
    if left >= 0:
        allowed &= k_chunk >= q_chunk - left
    return allowed


def _conv_out_len(length: torch.Tensor, stride: int) -> torch.Tensor:
    """Frames a causal conv of this stride yields from ``length`` samples."""
    return torch.div(length - 1, stride, rounding_mode="floor") + 1


class CausalConv1d(nn.Conv1d):
    """Conv1d padded on the left only; ``forward(x, cache)`` also streams.

    Full sequence: ``cache=None`` pads with k-1 zeros. Streaming: ``cache`` holds
    the not-yet-consumed tail of the padded input; output frame t needs input
    ``t*stride``, and is emitted as soon as that sample arrives, so the chunked
    outputs concatenate to the full-sequence output.
    """

    def forward(self, x, cache=None):
        k, s = self.kernel_size[0], self.stride[0]
        if cache is None:
            cache = x.new_zeros(x.shape[0], x.shape[1], k - 1)
        z = torch.cat([cache, x], dim=-1)
        n_out = (z.shape[-1] - k) // s + 1 if z.shape[-1] >= k else 0
        if n_out <= 0:
            return x.new_zeros(x.shape[0], self.out_channels, 0), z
        y = super().forward(z[..., : (n_out - 1) * s + k])
        return y, z[..., n_out * s:]


class ElectrodeFrontEnd(nn.Module):
    """Per-electrode temporal stem, electrode embeddings, learned channel mixing.

    The stem is depthwise over the 8 sites (groups=8: each electrode has its own
    filters, no mixing yet), then each site's features get that site's learned
    embedding before a nonlinearity, and a linear layer mixes the sites.
    """

    def __init__(self, n_channels, per_channel, kernel, strides, d_model):
        super().__init__()
        self.n_channels, self.per_channel = n_channels, per_channel
        width = n_channels * per_channel
        self.convs = nn.ModuleList(
            CausalConv1d(n_channels if i == 0 else width, width, kernel, stride=s, groups=n_channels)
            for i, s in enumerate(strides))
        self.electrode_embedding = nn.Parameter(torch.randn(n_channels, per_channel) * 0.1)
        self.mix = nn.Linear(width, d_model)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x, caches=None):  # x (B, C, T)
        new_caches = []
        for i, conv in enumerate(self.convs):
            x, c = conv(x, None if caches is None else caches[i])
            new_caches.append(c)
            if i < len(self.convs) - 1:
                x = F.gelu(x)
        b, _, t = x.shape
        x = x.view(b, self.n_channels, self.per_channel, t).permute(0, 3, 1, 2)  # (B, T, sites, feats)
        x = F.gelu(x + self.electrode_embedding)
        return self.norm(self.mix(x.reshape(b, t, self.n_channels * self.per_channel))), new_caches


class EnvelopeFrontEnd(nn.Module):
    """Per-electrode learned filterbank -> power -> causal smoothing and decimation -> log.

    Surface EMG is noise whose *power* follows muscle activation: the hand-crafted
    EMG features (RMS, band powers) and the envelope every sEMG pipeline computes
    say so. This stem learns that computation end to end instead of asking a
    stack of strided convs to discover rectification and smoothing: ``n_filters``
    causal filters per electrode (depthwise, so sites stay separate), the square,
    a causal moving average of ``2 * stride`` samples taken every ``stride``
    samples (learnable, initialised flat), and the log. Electrode embeddings and
    a linear channel-mixing layer follow, as in :class:`ElectrodeFrontEnd`.
    """

    def __init__(self, n_channels, n_filters, kernel, stride, d_model):
        super().__init__()
        self.n_channels, self.per_channel = n_channels, n_filters
        width = n_channels * n_filters
        self.filterbank = CausalConv1d(n_channels, width, kernel, groups=n_channels)
        self.smooth = CausalConv1d(width, width, 2 * stride, stride=stride, groups=width, bias=False)
        nn.init.constant_(self.smooth.weight, 1.0 / (2 * stride))
        # Per-feature normalisation with batch statistics (frame-local at inference, so stream-safe);
        # a per-frame LayerNorm here would remove the overall activation level, which is the signal.
        self.feature_norm = nn.BatchNorm1d(width)
        self.electrode_embedding = nn.Parameter(torch.randn(n_channels, n_filters) * 0.1)
        self.mix = nn.Linear(width, d_model)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x, caches=None):  # x (B, C, T)
        y, c0 = self.filterbank(x, None if caches is None else caches[0])
        p, c1 = self.smooth(y * y, None if caches is None else caches[1])
        # abs: the learnable smoothing weights may leave the positive orthant.
        f = self.feature_norm(torch.log(p.abs() + 1e-4)).transpose(1, 2)  # (B, T, width)
        b, t, _ = f.shape
        f = F.gelu(f.view(b, t, self.n_channels, self.per_channel) + self.electrode_embedding)
        return self.norm(self.mix(f.reshape(b, t, self.n_channels * self.per_channel))), [c0, c1]


class PlainFrontEnd(nn.Module):
    """Ablation: ordinary causal convs treating the 8 channels as input features."""

    def __init__(self, n_channels, width, kernel, strides, d_model):
        super().__init__()
        self.convs = nn.ModuleList(
            CausalConv1d(n_channels if i == 0 else width, width, kernel, stride=s) for i, s in enumerate(strides))
        self.mix = nn.Linear(width, d_model)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x, caches=None):
        new_caches = []
        for i, conv in enumerate(self.convs):
            x, c = conv(x, None if caches is None else caches[i])
            new_caches.append(c)
            x = F.gelu(x)
        return self.norm(self.mix(x.transpose(1, 2))), new_caches


class FeedForward(nn.Sequential):
    def __init__(self, d_model, mult, dropout):
        super().__init__(nn.LayerNorm(d_model), nn.Linear(d_model, mult * d_model), nn.SiLU(), nn.Dropout(dropout),
                         nn.Linear(mult * d_model, d_model), nn.Dropout(dropout))


class RelPosAttention(nn.Module):
    """Multi-head attention with a learned per-head bias for each clipped relative distance."""

    def __init__(self, d_model, n_heads, attention_dropout, max_distance):
        super().__init__()
        self.n_heads, self.head_dim, self.max_distance = n_heads, d_model // n_heads, max_distance
        self.attention_dropout = attention_dropout
        self.q = nn.Linear(d_model, d_model)
        self.kv = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.relative_bias = nn.Parameter(torch.zeros(n_heads, 2 * max_distance + 1))

    def forward(self, queries, keys, q_pos, k_pos, allowed):
        """queries (B, Tq, d), keys (B, Tk, d); positions are absolute frame indices; allowed (B|1, Tq, Tk)."""
        b, tq, _ = queries.shape
        tk = keys.shape[1]
        q = self.q(queries).view(b, tq, self.n_heads, self.head_dim).transpose(1, 2)
        k, v = self.kv(keys).view(b, tk, 2, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        rel = (k_pos[None, :] - q_pos[:, None]).clamp(-self.max_distance, self.max_distance) + self.max_distance
        # Relative-position bias plus the mask as one additive term. Hidden keys get the
        # dtype's lowest value rather than -inf, so a padded query row with no visible key
        # stays finite (it is never used); exp() of it is exactly 0 next to any visible key.
        hidden = torch.zeros(allowed.shape, dtype=q.dtype, device=q.device).masked_fill(
            ~allowed, torch.finfo(q.dtype).min)
        bias = self.relative_bias[:, rel].to(q.dtype)[None] + hidden[:, None]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias,
                                           dropout_p=self.attention_dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(b, tq, -1))


class CausalConvModule(nn.Module):
    """Conformer convolution module with a causal depthwise conv and LayerNorm (frame-local, stream-safe)."""

    def __init__(self, d_model, kernel, dropout):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.pointwise_in = nn.Linear(d_model, 2 * d_model)
        self.depthwise = CausalConv1d(d_model, d_model, kernel, groups=d_model)
        self.depth_norm = nn.LayerNorm(d_model)
        self.pointwise_out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, cache=None):
        y = F.glu(self.pointwise_in(self.norm(x)), dim=-1)
        y, cache = self.depthwise(y.transpose(1, 2), cache)
        y = F.silu(self.depth_norm(y.transpose(1, 2)))
        return self.dropout(self.pointwise_out(y)), cache


class ConformerBlock(nn.Module):
    def __init__(self, d_model, n_heads, ff_mult, conv_kernel, dropout, max_distance, conv_module,
                 attention_dropout=0.0):
        super().__init__()
        self.ff1 = FeedForward(d_model, ff_mult, dropout)
        self.attn_norm = nn.LayerNorm(d_model)
        self.attention = RelPosAttention(d_model, n_heads, attention_dropout, max_distance)
        self.conv = CausalConvModule(d_model, conv_kernel, dropout) if conv_module else None
        self.ff2 = FeedForward(d_model, ff_mult, dropout)
        self.out_norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def attention_input(self, x):
        """Per-frame part before attention: macaron FF then the attention LayerNorm."""
        h = x + 0.5 * self.ff1(x)
        return h, self.attn_norm(h)

    def finish(self, h, attended, conv_cache=None):
        h = h + self.dropout(attended)
        if self.conv is not None:
            c, conv_cache = self.conv(h, conv_cache)
            h = h + c
        h = h + 0.5 * self.ff2(h)
        return self.out_norm(h), conv_cache


@dataclass
class StreamState:
    """Everything carried between :meth:`MyoStream.stream_step` calls."""

    session: torch.Tensor
    stem_caches: list | None = None
    frames: torch.Tensor | None = None      # front-end frames not yet encoded (B, F, d)
    frames_start: int = 0                   # absolute index of frames[:, 0]
    attn_context: list = field(default_factory=list)   # per layer: (B, <=left*chunk, d) attention inputs
    conv_caches: list = field(default_factory=list)
    next_frame: int = 0                     # first frame of the next chunk to encode
    samples_seen: int = 0


@register_model("myostream")
class MyoStream(nn.Module):
    input_key = "emg_raw"

    def __init__(self, n_channels: int = 8, d_model: int = 144, n_layers: int = 4, n_heads: int = 4,
                 ff_mult: int = 4, conv_kernel: int = 15, dropout: float = 0.1, attention_dropout: float = 0.0,
                 per_channel: int = 16,
                 stem_kernel: int = 5, strides: tuple = (2, 2, 2), chunk: int = 8, left_chunks: int = 8,
                 lookahead: int = 4, max_distance: int = 64, n_class: int = len(VOCAB),
                 n_phonemes: int = len(PHONEME_SYMBOLS), phoneme_loss_weight: float = 0.3,
                 n_sessions: int = 33, session_dropout: float = 0.1,
                 max_shift: int = 7, gain_std: float = 0.15, channel_dropout: float = 0.05,
                 time_masks: int = 2, time_mask_samples: int = 80, raw_rate: float = RAW_RATE,
                 electrode_frontend: bool = True, conv_module: bool = True, streaming_mask: bool = True,
                 phoneme_aux_loss: bool = True, session_adaptation: bool = True, augmentation: bool = True,
                 envelope_frontend: bool = False, envelope_kernel: int = 15, frame_phoneme_weight: float = 0.0):
        super().__init__()
        self.n_channels = n_channels
        self.chunk, self.left_chunks, self.lookahead = chunk, left_chunks, lookahead
        self.use_streaming_mask = streaming_mask
        self.input_per_output = math.prod(strides)
        self.strides = tuple(strides)
        self.output_frame_rate = raw_rate / self.input_per_output
        self.augmentation = augmentation
        self.max_shift, self.gain_std, self.channel_dropout = max_shift, gain_std, channel_dropout
        self.time_masks, self.time_mask_samples = time_masks, time_mask_samples
        self.phoneme_loss_weight = phoneme_loss_weight if phoneme_aux_loss else 0.0

        self.n_sessions = n_sessions
        self.session_dropout = session_dropout
        if session_adaptation:
            # Entry 0 is the "unknown session" (the data layer's session_index 0), used for
            # new recordings at live inference; sessions seen in training are 1 .. n_sessions-1.
            self.session_weight = nn.Parameter(torch.eye(n_channels).repeat(n_sessions, 1, 1))
            self.session_bias = nn.Parameter(torch.zeros(n_sessions, n_channels))
        else:
            self.session_weight = self.session_bias = None

        if electrode_frontend and envelope_frontend:
            self.frontend = EnvelopeFrontEnd(n_channels, per_channel, envelope_kernel, self.input_per_output,
                                             d_model)
        elif electrode_frontend:
            self.frontend = ElectrodeFrontEnd(n_channels, per_channel, stem_kernel, strides, d_model)
        else:
            self.frontend = PlainFrontEnd(n_channels, n_channels * per_channel, stem_kernel, strides, d_model)
        self.blocks = nn.ModuleList(
            ConformerBlock(d_model, n_heads, ff_mult, conv_kernel, dropout, max_distance, conv_module,
                           attention_dropout)
            for _ in range(n_layers))
        self.classifier = nn.Linear(d_model, n_class)
        # The auxiliary phoneme head reads the middle of the encoder (intermediate CTC).
        self.phoneme_layer = max(1, n_layers // 2)
        # The phoneme CTC head exists only when its loss is used (a weight of 0 leaves the
        # frame-level head below as the only phoneme supervision).
        self.phoneme_classifier = nn.Linear(d_model, n_phonemes) if self.phoneme_loss_weight > 0 else None
        # Frame-level phoneme targets from forced alignments (voiced audio; silent utterances
        # borrow their voiced partner's, stretched): dense supervision that gets the encoder
        # past CTC's all-blank plateau quickly. A separate head, since CTC heads learn to be
        # peaky and mostly blank while this one labels every frame.
        self.frame_phoneme_weight = frame_phoneme_weight if phoneme_aux_loss else 0.0
        self.frame_phoneme_classifier = (nn.Linear(d_model, n_phonemes) if self.frame_phoneme_weight > 0
                                         else None)
        # feature frames (8 raw samples each) per output frame: how to subsample frame labels
        self.frame_label_step = max(1, self.input_per_output // 8)

    # ----------------------------------------------------------------- pieces
    @property
    def algorithmic_latency_ms(self) -> float:
        """Chunk plus look-ahead, in ms at the output frame rate (streaming mask on)."""
        if not self.use_streaming_mask:
            return float("inf")
        return 1000.0 * (self.chunk + self.lookahead) / self.output_frame_rate

    def session_entry(self, session: torch.Tensor) -> torch.Tensor:
        """Map session indices to table rows; unknown (0), negative or unseen -> row 0."""
        known = (session > 0) & (session < self.n_sessions)
        return torch.where(known, session, torch.zeros_like(session))

    def adapt(self, x: torch.Tensor, session: torch.Tensor) -> torch.Tensor:
        if self.session_weight is None:
            return x
        entry = self.session_entry(session)
        if self.training and self.session_dropout > 0:
            # Train the unknown entry too, as the average session.
            drop = torch.rand(entry.shape, device=x.device) < self.session_dropout
            entry = torch.where(drop, torch.zeros_like(entry), entry)
        return torch.einsum("btc,bdc->btd", x, self.session_weight[entry]) + self.session_bias[entry][:, None, :]

    def augment(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """EMG augmentation (training only; draws from torch's seeded RNG)."""
        b, t, c = x.shape
        if self.max_shift > 0:
            shift = int(torch.randint(0, self.max_shift + 1, ()))
            if shift:
                x = F.pad(x[:, shift:], (0, 0, 0, shift))
        if self.gain_std > 0:
            x = x * torch.exp(torch.randn(b, 1, c, device=x.device) * self.gain_std)
        if self.channel_dropout > 0:
            keep = (torch.rand(b, 1, c, device=x.device) >= self.channel_dropout).to(x.dtype)
            x = x * keep
        if self.time_masks > 0 and self.time_mask_samples > 0:
            x = x.clone()
            for i in range(b):
                n = int(lengths[i])
                for _ in range(self.time_masks):
                    width = int(torch.randint(0, self.time_mask_samples + 1, ()))
                    start = int(torch.randint(0, max(1, n - width), ()))
                    x[i, start:start + width] = 0
        return x

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        for s in self.strides:
            lengths = _conv_out_len(lengths, s)
        return lengths

    def layer_mask(self, layer: int, T: int, device) -> torch.Tensor:
        if not self.use_streaming_mask:
            return torch.ones(T, T, dtype=torch.bool, device=device)
        return streaming_mask(T, self.chunk, self.left_chunks, self.lookahead if layer == 0 else 0, device)

    # ---------------------------------------------------------------- forward
    def forward(self, batch: dict) -> dict:
        x = batch[self.input_key]  # (B, 8n, 8)
        lengths = input_lengths(batch, self.input_key)
        b = x.shape[0]
        if self.training and self.augmentation:
            x = self.augment(x, lengths)
        x = self.adapt(x, session_indices(batch, b, x.device))
        h, _ = self.frontend(x.transpose(1, 2))
        T = h.shape[1]
        out_lengths = self.output_lengths(lengths).clamp(min=1, max=T)
        pad = padding_mask(out_lengths, T)
        pos = torch.arange(T, device=h.device)
        out = {"lengths": out_lengths}
        for i, block in enumerate(self.blocks):
            allowed = self.layer_mask(i, T, h.device)[None] & ~pad[:, None, :]
            h_ff, a = block.attention_input(h)
            h, _ = block.finish(h_ff, block.attention(a, a, pos, pos, allowed))
            if i + 1 == self.phoneme_layer:
                if self.phoneme_classifier is not None:
                    out["phoneme_log_probs"] = self.phoneme_classifier(h).log_softmax(-1)
                if self.frame_phoneme_classifier is not None and self.training:
                    out["frame_phoneme_logits"] = self.frame_phoneme_classifier(h)
        out["log_probs"] = self.classifier(h).log_softmax(-1)
        return out

    # -------------------------------------------------------------- streaming
    def init_stream_state(self, batch_size: int = 1, session_index: int | None = None) -> StreamState:
        if not self.use_streaming_mask:
            raise StudyError("this MyoStream was trained with streaming_mask off (full context): it cannot stream")
        device = self.classifier.weight.device
        session = torch.full((batch_size,), 0 if session_index is None else session_index, dtype=torch.long,
                             device=device)
        return StreamState(session=session, attn_context=[None] * len(self.blocks),
                           conv_caches=[None] * len(self.blocks))

    @torch.no_grad()
    def stream_step(self, raw_chunk: torch.Tensor | None, state: StreamState, final: bool = False):
        """Feed raw EMG samples (B, samples, 8); return (log_probs (B, n, V) of newly final frames, state).

        A chunk of frames is encoded once its look-ahead has arrived; ``final=True``
        (with or without more samples) flushes the rest as at the end of a full pass.
        """
        if self.training:
            raise StudyError("stream_step needs the model in eval mode (model.eval())")
        if raw_chunk is not None and raw_chunk.shape[1] > 0:
            x = self.adapt(raw_chunk.to(self.classifier.weight.dtype), state.session)
            new, state.stem_caches = self.frontend(x.transpose(1, 2), state.stem_caches)
            state.samples_seen += raw_chunk.shape[1]
            state.frames = new if state.frames is None else torch.cat([state.frames, new], dim=1)
        outputs = []
        while state.frames is not None:
            available_end = state.frames_start + state.frames.shape[1]
            chunk_end = min(state.next_frame + self.chunk, available_end)
            if chunk_end <= state.next_frame:
                break
            if not final and available_end < state.next_frame + self.chunk + self.lookahead:
                break
            outputs.append(self._encode_chunk(state, chunk_end, available_end))
        if outputs:
            log_probs = torch.cat(outputs, dim=1)
        else:
            b = state.session.shape[0]
            log_probs = self.classifier.weight.new_zeros(b, 0, self.classifier.out_features)
        return log_probs, state

    def _encode_chunk(self, state: StreamState, chunk_end: int, available_end: int) -> torch.Tensor:
        start = state.next_frame
        lookahead_end = min(chunk_end + self.lookahead, available_end)
        rel = lambda i: i - state.frames_start  # noqa: E731 - index into state.frames
        h = state.frames[:, rel(start):rel(chunk_end)]
        context = self.left_chunks * self.chunk
        for i, block in enumerate(self.blocks):
            n_q = h.shape[1]
            if i == 0 and lookahead_end > chunk_end:
                extra = state.frames[:, rel(chunk_end):rel(lookahead_end)]
                h_ff, a_all = block.attention_input(torch.cat([h, extra], dim=1))
                h_ff, a_chunk = h_ff[:, :n_q], a_all[:, :n_q]
            else:
                h_ff, a_chunk = block.attention_input(h)
                a_all = a_chunk
            past = state.attn_context[i]
            keys = a_all if past is None else torch.cat([past, a_all], dim=1)
            n_past = 0 if past is None else past.shape[1]
            k_pos = torch.arange(start - n_past, start - n_past + keys.shape[1], device=h.device)
            q_pos = torch.arange(start, chunk_end, device=h.device)
            allowed = torch.ones(1, n_q, keys.shape[1], dtype=torch.bool, device=h.device)
            attended = block.attention(a_chunk, keys, q_pos, k_pos, allowed)
            h, state.conv_caches[i] = block.finish(h_ff, attended, state.conv_caches[i])
            # Keep the attention inputs of the last `left_chunks` whole chunks (no look-ahead frames).
            ctx = a_chunk if past is None else torch.cat([past, a_chunk], dim=1)
            # Chunks before the final one are whole, so these are exactly chunks i-left .. i.
            if context >= 0:
                # max(0, ...): early on fewer than `context` frames exist (a negative start would wrap).
                ctx = ctx[:, max(0, ctx.shape[1] - context):] if context > 0 else ctx[:, :0]
            state.attn_context[i] = ctx
        state.next_frame = chunk_end
        # Drop front-end frames nobody needs any more.
        drop = state.next_frame - state.frames_start
        state.frames = state.frames[:, drop:]
        state.frames_start = state.next_frame
        return self.classifier(h).log_softmax(-1)
