"""Features: EMG preprocessing, the 112 hand-crafted EMG features, audio log-mels.

``FeatureConfig`` bundles every choice; one object drives training and evaluation.
"""
from semg_study.features.audio import MelConfig, mel_filter_bank, mel_spectrogram, n_mel_frames
from semg_study.features.config import (PRESETS, STREAMS, FeatureConfig, align_streams, compute_features,
                                        frames_for_emg_samples)
from semg_study.features.emg_features import FEATURES_PER_CHANNEL, emg_features, n_feature_frames
from semg_study.features.preprocessing import (FRAME_RATE_86, PreprocessConfig, StreamingPreprocessor, filter_sos,
                                               preprocess_emg, preprocess_emg_causal, scale_raw, zero_phase_filter)
from semg_study.features.resample import StreamingResampler, resample_linear, resampled_length

__all__ = [
    "FRAME_RATE_86", "FEATURES_PER_CHANNEL", "PRESETS", "STREAMS", "FeatureConfig", "MelConfig", "PreprocessConfig",
    "StreamingPreprocessor", "StreamingResampler", "align_streams", "compute_features", "emg_features",
    "filter_sos", "frames_for_emg_samples", "mel_filter_bank", "mel_spectrogram", "n_feature_frames",
    "n_mel_frames", "preprocess_emg", "preprocess_emg_causal", "resample_linear", "resampled_length", "scale_raw",
    "zero_phase_filter",
]
