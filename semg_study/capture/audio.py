"""Optional microphone capture beside the EMG (``--microphone``): 16 kHz mono, as in the dataset.

Audio is recorded only when a microphone is given; otherwise utterances have no
audio files (the data loader accepts EMG-only sessions). The recorder drains the
microphone at every board poll, so audio and EMG start within one poll of each
other; each poll's audio length goes into the utterance's ``chunks``.

The sound-card backend is ``sounddevice`` (PortAudio), which is not a
dependency of the study: install it (and the system's PortAudio library) on the
recording machine. Anything with ``start()``, ``read() -> float32 samples`` and
``stop()`` can stand in (the tests use a scripted one).
"""
from __future__ import annotations

import queue
import numpy as np

from semg_study.capture.boards import BoardError

AUDIO_RATE = 16000


class SoundDeviceMicrophone:
    """A sound-card input through ``sounddevice``; audio arrives in a callback and waits in a queue."""

    def __init__(self, device: str | int | None = None, rate: int = AUDIO_RATE):
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise BoardError(f"--microphone needs the sounddevice package and PortAudio ({exc}); install them "
                             "(pip install sounddevice; apt install libportaudio2) or record without audio") from None
        self.rate = rate
        self._queue: queue.Queue = queue.Queue()
        device = int(device) if isinstance(device, str) and device.isdigit() else device
        try:
            self._stream = sounddevice.InputStream(device=device, channels=1, samplerate=rate, dtype="float32",
                                                   callback=lambda data, frames, t, status: self._queue.put(data[:, 0].copy()))
        except Exception as exc:  # PortAudioError, ValueError for an unknown device
            raise BoardError(f"cannot open microphone {device!r}: {exc}; list devices with "
                             "`python -m sounddevice`") from None

    def start(self) -> None:
        self._stream.start()

    def read(self) -> np.ndarray:
        parts = []
        while True:
            try:
                parts.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def stop(self) -> None:
        self._stream.stop()
        self._stream.close()
