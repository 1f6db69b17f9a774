"""Reading sound clips (WAV, and AIFF as the whale-call competitions ship them) and the classic summary of
a clip, its mean MFCCs: what the bench's audio baseline learns from. Generated scripts carry their own
copy of the reader (they run without this package).
"""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
from scipy.fft import dct, rfft


def read_sound(data: bytes) -> tuple[np.ndarray, int]:
    """(mono samples as floats in [-1, 1], sample rate) of a WAV or AIFF file's bytes.

    Raises:
        ValueError: the bytes are neither a PCM WAV nor a PCM AIFF file.
    """
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return _read_aiff(data)
    if data[:4] == b"RIFF":
        with wave.open(io.BytesIO(data)) as clip:
            width, channels, rate = clip.getsampwidth(), clip.getnchannels(), clip.getframerate()
            raw = clip.readframes(clip.getnframes())
        kinds = {1: np.uint8, 2: "<i2", 4: "<i4"}
        if width not in kinds:
            raise ValueError(f"WAV samples of {width} bytes are not read")
        samples = np.frombuffer(raw, dtype=kinds[width]).astype(np.float64)
        samples = (samples - 128) / 128 if width == 1 else samples / float(2 ** (8 * width - 1))
        return samples.reshape(-1, channels).mean(axis=1), rate
    raise ValueError("not a WAV or AIFF file")


def _read_aiff(data: bytes) -> tuple[np.ndarray, int]:
    position, channels, bits, rate, samples = 12, 1, 16, 0, b""
    while position + 8 <= len(data):
        kind, size = data[position: position + 4], struct.unpack(">I", data[position + 4: position + 8])[0]
        body = data[position + 8: position + 8 + size]
        if kind == b"COMM":
            channels, _, bits = struct.unpack(">hIh", body[:8])
            exponent = struct.unpack(">H", body[8:10])[0] & 0x7FFF
            mantissa = int.from_bytes(body[10:18], "big")
            rate = round(mantissa * 2.0 ** (exponent - 16383 - 63))
        elif kind == b"SSND":
            offset = struct.unpack(">I", body[:4])[0]
            samples = body[8 + offset:]
        position += 8 + size + (size % 2)
    kinds = {8: ">i1", 16: ">i2", 32: ">i4"}
    if bits not in kinds or not rate:
        raise ValueError(f"AIFF with {bits}-bit samples at rate {rate} is not read")
    values = np.frombuffer(samples, dtype=kinds[bits]).astype(np.float64) / float(2 ** (bits - 1))
    return values.reshape(-1, channels).mean(axis=1), rate


def aiff_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A mono 16-bit PCM AIFF file of `samples` (floats in [-1, 1]) at `rate` Hz."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype(">i2").tobytes()
    exponent = int(np.floor(np.log2(rate)))
    extended = struct.pack(">H", exponent + 16383) + (int(rate) << (63 - exponent)).to_bytes(8, "big")
    comm = b"COMM" + struct.pack(">IhIh", 18, 1, len(samples), 16) + extended
    ssnd = b"SSND" + struct.pack(">III", 8 + len(pcm), 0, 0) + pcm
    return b"FORM" + struct.pack(">I", 4 + len(comm) + len(ssnd)) + b"AIFF" + comm + ssnd


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A mono 16-bit PCM WAV file of `samples` (floats in [-1, 1]) at `rate` Hz."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def mfcc_means(samples: np.ndarray, rate: int, n_mfcc: int = 20, n_mels: int = 40) -> np.ndarray:
    """The mean over frames of a clip's first `n_mfcc` mel-frequency cepstral coefficients (25 ms frames,
    10 ms apart, `n_mels` triangular mel bands)."""
    frame, hop = max(int(0.025 * rate), 16), max(int(0.010 * rate), 8)
    if len(samples) < frame:
        samples = np.pad(samples, (0, frame - len(samples)))
    starts = range(0, len(samples) - frame + 1, hop)
    frames = np.stack([samples[s: s + frame] for s in starts]) * np.hanning(frame)
    power = np.abs(rfft(frames, axis=1)) ** 2
    mels = _mel_filters(rate, frame, n_mels) @ power.T
    return dct(np.log(mels + 1e-10), axis=0, norm="ortho")[:n_mfcc].mean(axis=1)


def _mel_filters(rate: int, frame: int, n_mels: int) -> np.ndarray:
    def to_mel(hz):
        return 2595 * np.log10(1 + hz / 700)

    edges = 700 * (10 ** (np.linspace(0, to_mel(rate / 2), n_mels + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(frame, 1 / rate)
    filters = np.zeros((n_mels, len(bins)))
    for m in range(n_mels):
        low, mid, high = edges[m: m + 3]
        rising = (bins - low) / max(mid - low, 1e-9)
        falling = (high - bins) / max(high - mid, 1e-9)
        filters[m] = np.clip(np.minimum(rising, falling), 0, None)
    return filters
