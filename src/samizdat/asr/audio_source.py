"""Read a recording as 16 kHz mono float32 blocks, never the whole file at once.

Both Whisper libraries decode the whole file into one array (120 minutes = 460 MB of float32) and then
compute features over all of it (6.5 GB peak). Streaming the decode keeps memory flat as tapes grow.
A file that cannot be decoded, has no audio, or ends before its header says it should becomes a
`BadInputError` the archivist can act on.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from samizdat.errors import BadInputError

SAMPLE_RATE = 16_000
_BLOCK_SAMPLES = SAMPLE_RATE * 30
_HINT_UNREADABLE = (
    "Check that the file plays in an audio player; re-export or re-digitize it as WAV or FLAC and drop it again."
)
_HINT_TRUNCATED = (
    "The file ends early (an interrupted copy or transfer?); copy it again from the original "
    "digitization and drop it again."
)


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about a recording before any decoding."""

    duration_s: float | None
    sample_rate: int
    channels: int
    codec: str


def probe(path: Path) -> AudioInfo:
    """Open the file and read its header; raise `BadInputError` when it is not audio we can read."""
    if not path.is_file() or path.stat().st_size == 0:
        raise BadInputError(f"{path.name} is empty", "The file has no bytes; copy it again and drop it again.")
    _check_riff_complete(path)
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise BadInputError(f"{path.name} has no audio stream", _HINT_UNREADABLE)
            stream = container.streams.audio[0]
            duration: float | None = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            return AudioInfo(
                duration_s=duration,
                sample_rate=stream.sample_rate or 0,
                channels=stream.channels or 0,
                codec=stream.codec_context.name,
            )
    except av.error.FFmpegError as error:
        raise BadInputError(f"{path.name} cannot be decoded as audio: {error}", _HINT_UNREADABLE) from error


def stream_blocks(path: Path, info: AudioInfo | None = None, channel: int | None = None) -> Iterator[np.ndarray]:
    """Yield the recording as consecutive float32 16 kHz mono blocks of about 30 s.

    `channel` 0 or 1: only the left or right channel of a stereo file (one speaker per microphone),
    else all channels mixed down. Raises `BadInputError` when nothing decodes or when the decoded
    length falls short of the declared duration (a truncated file), after the blocks that did decode.
    """
    info = info or probe(path)
    stereo = channel is not None
    resampler = av.audio.resampler.AudioResampler(
        format="flt", layout="stereo" if stereo else "mono", rate=SAMPLE_RATE
    )
    pick = (lambda samples: samples[channel::2]) if stereo else (lambda samples: samples)
    pending: list[np.ndarray] = []
    pending_samples = 0
    decoded = 0
    bad_packets = 0
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    bad_packets += 1
                    continue
                for frame in frames:
                    frame.pts = None
                    for out in resampler.resample(frame):
                        pending.append(pick(_samples(out)))
                        pending_samples += out.samples
                if pending_samples >= _BLOCK_SAMPLES:
                    block = np.concatenate(pending)
                    pending, pending_samples = [], 0
                    decoded += block.size
                    yield block
            for out in resampler.resample(None):
                pending.append(pick(_samples(out)))
    except av.error.FFmpegError as error:
        raise BadInputError(f"{path.name} stopped decoding: {error}", _HINT_TRUNCATED) from error
    if pending:
        block = np.concatenate(pending)
        decoded += block.size
        yield block
    _check_length(path, info, decoded / SAMPLE_RATE, bad_packets)


def _samples(frame: av.AudioFrame) -> np.ndarray:
    # A copy: PyAV reuses the frame's buffer, so a view would change under us.
    return np.array(frame.to_ndarray(), dtype=np.float32, copy=True).reshape(-1)


def _check_length(path: Path, info: AudioInfo, decoded_s: float, bad_packets: int) -> None:
    if decoded_s <= 0:
        raise BadInputError(f"{path.name} holds no decodable audio", _HINT_UNREADABLE)
    if info.duration_s and decoded_s < info.duration_s - max(1.0, 0.02 * info.duration_s):
        raise BadInputError(
            f"{path.name} is truncated: header says {info.duration_s:.1f} s, only {decoded_s:.1f} s decode"
            + (f" ({bad_packets} damaged packets)" if bad_packets else ""),
            _HINT_TRUNCATED,
        )


def _check_riff_complete(path: Path) -> None:
    """WAV/AIFF headers state their size; FFmpeg silently clamps to the file, so compare ourselves."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) < 12:
        return
    size = path.stat().st_size
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        declared = struct.unpack("<I", head[4:8])[0]
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        declared = struct.unpack(">I", head[4:8])[0]
    else:
        return
    if declared in (0, 0xFFFFFFFF, 0x7FFFFFFF) or declared >= 0xFFFFF000:
        return  # streaming writers leave the size open
    if declared + 8 > size:
        raise BadInputError(
            f"{path.name} is truncated: header says {declared + 8} bytes, file has {size}", _HINT_TRUNCATED
        )


def independent_channels(path: Path, info: AudioInfo, seconds: float = 120.0, limit: float = 0.5) -> bool:
    """True when a stereo file holds a different signal in each channel (one microphone per speaker).

    Looks at the first `seconds`: the correlation of left and right where either is loud. Measured:
    jfk.flac (the same speech on both channels) 1.00; the corpus stereo_diarization.wav (one speaker
    per channel) 0.02. `limit` 0.5 lies between; a room recorded in stereo stays far above it.
    """
    if info.channels != 2:
        return False
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    size = 0
    for block_l, block_r in zip(stream_blocks(path, info, 0), stream_blocks(path, info, 1), strict=False):
        left.append(block_l)
        right.append(block_r)
        size += block_l.size
        if size >= seconds * SAMPLE_RATE:
            break
    a, b = np.concatenate(left), np.concatenate(right)
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    loud = (np.abs(a) + np.abs(b)) > 0.01
    if loud.sum() < SAMPLE_RATE // 2:
        return False
    a, b = a[loud] - a[loud].mean(), b[loud] - b[loud].mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return denominator > 0 and abs(float((a * b).sum()) / denominator) < limit
