"""`python -m bench.media`: media moderation figures on this machine (prints; no thresholds enforced).

- image check per image (data: URI decode + Pillow decode + NudeNet + rules) at 640x480, 1000x1000 (1 MP) and
  1920x1080, one thread (MODERATION_MEDIA_THREADS=1): p50 / p95 over generated harmless images.
- video: sampled frames analysed per second on one thread.
- audio: real-time factor of transcription on one thread (a ~10 s utterance of the committed espeak-ng clip).
- end to end through the API: a 10 s utterance of call speech -> transcript -> blocklist verdict -> the speaker
  kicked, via Django's test client against a throwaway SQLite database (Celery eager: the check task runs in
  this process, so the broker hop of a real deployment is not included).
- RSS: a fresh process after importing the whole web app (the models must not be in it), and a worker process
  with both models loaded and used.

Targets (issue 18): image p50 <= 60 ms per <= 1 MP image on one core; video >= 4 frames/s per core; audio RTF
<= 0.15 on one thread; 10 s utterance -> call action p95 <= 3 s; web RSS <= 250 MB; media worker <= 700 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.test")
os.environ.setdefault("MODERATION_MEDIA_THREADS", "1")
sys.path.insert(0, str(ROOT))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024


def images_bench(rounds: int = 20) -> list[str]:
    from reviews.engines import images, media
    from tests.media.helpers import image_uri

    rules = {"ai_image_config": {"enabled": True, "rules": [
        {"label": "Explicit Nudity", "action": "remove", "min_confidence": 60.0},
        {"label": "Suggestive", "action": "flag", "min_confidence": 70.0}]}}
    images.detector()  # load outside the timings
    out = []
    for size in ((640, 480), (1000, 1000), (1920, 1080)):
        uris = [image_uri(kind, size=size) for kind in ("shapes", "text", "chequer", "gradient")]
        media.analyse(rules, {"images": uris[:1]})  # warm
        times, cpu = [], []
        for i in range(rounds):
            t, c = time.perf_counter(), time.process_time()
            media.analyse(rules, {"images": [uris[i % len(uris)]]})
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        mp = size[0] * size[1] / 1e6
        out.append(f"image check {size[0]}x{size[1]} ({mp:.2f} MP, PNG data URI, 1 thread): "
                   f"wall p50 {_pct(times, .5):.0f} ms, p95 {_pct(times, .95):.0f} ms; "
                   f"CPU time p50 {_pct(cpu, .5):.0f} ms")
    return out


def video_bench() -> list[str]:
    from django.test import override_settings

    from reviews.engines import video
    from tests.media.helpers import video_bytes

    data = video_bytes(seconds=10, fps=25, size=(640, 360))
    with override_settings(MODERATION_VIDEO_FRAME_INTERVAL=0.5, MODERATION_VIDEO_MAX_FRAMES=100):
        t, c = time.perf_counter(), time.process_time()
        sampled = video.detect(data)
        took, cpu = time.perf_counter() - t, time.process_time() - c
    return [f"video 10 s 640x360 MPEG-4, a frame every 0.5 s: {len(sampled)} frames in {took:.2f} s wall = "
            f"{len(sampled) / took:.1f} sampled frames/s; {len(sampled) / cpu:.1f} frames per CPU-second "
            "(decode included; the decoder may use a second thread)"]


def utterance_10s() -> bytes:
    """The clip three times with pauses: ~10.5 s of speech, as 16 kHz WAV."""
    import io
    import wave

    import numpy as np

    from reviews.engines import audio
    from tests.media.helpers import speech_wav

    clip = audio.decode(speech_wav())
    pause = np.zeros(4000, dtype=np.float32)
    samples = np.concatenate([clip, pause, clip, pause, clip])
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.SAMPLE_RATE)
        w.writeframes((samples * 32767).astype(np.int16).tobytes())
    return out.getvalue()


def audio_bench(rounds: int = 5) -> list[str]:
    from reviews.engines import audio

    data = utterance_10s()
    audio.model()
    rtfs, cpu_rtfs, text = [], [], ""
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        transcript = audio.transcribe(data)
        rtfs.append((time.perf_counter() - t) / transcript.duration)
        cpu_rtfs.append((time.process_time() - c) / transcript.duration)
        text = transcript.text
    return [f"audio {transcript.duration:.1f} s utterance, 1 thread: real-time factor wall p50 "
            f"{_pct(rtfs, .5):.3f} (max {max(rtfs):.3f}), CPU time p50 {_pct(cpu_rtfs, .5):.3f} (decode included); "
            f"transcript: {text[:50]!r}..."]


def end_to_end(rounds: int = 10) -> list[str]:
    import django
    from django.conf import settings

    tmp = tempfile.mkdtemp(prefix="bench-media-")
    settings.DATABASES["default"]["NAME"] = os.path.join(tmp, "db.sqlite3")
    settings.DATABASES["default"]["TEST"] = {"NAME": os.path.join(tmp, "db.sqlite3")}
    django.setup()
    import jwt
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    from reviews import actions
    from reviews.models import ApiKey, CallMember, EndUser
    from tests.media.helpers import data_uri

    key = ApiKey.objects.create(name="bench")
    token = jwt.encode({}, key.secret, algorithm="HS256")
    host = EndUser.objects.create(pk="host")
    actions.create_blocklist(name="insults", words=["idiot"], actor=None)
    actions.upsert_config(key="calls", actor=None, blocks={
        "ai_audio_config": {}, "block_list_config": {"rules": [{"name": "insults", "action": "remove"}]}})
    client = Client()
    uri = data_uri(utterance_10s(), "audio/wav")
    times = []
    for i in range(rounds):
        call, _, _ = actions.get_or_create_call(call_type="default", call_id=f"c{i}", actor=None, created_by=host,
                                                members=[{"user_id": "speaker"}])
        body = {"entity_type": "stream:v1:call_speech", "entity_id": f"u{i}", "entity_creator_id": "speaker",
                "config_key": "calls", "moderation_payload": {"audios": [uri], "custom": {"call_cid": call.cid}}}
        t = time.perf_counter()
        response = client.post(f"/api/v2/moderation/check?api_key={key.key}", json.dumps(body),
                               content_type="application/json", HTTP_AUTHORIZATION=token,
                               HTTP_STREAM_AUTH_TYPE="jwt")
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content[:300]
        assert CallMember.objects.get(call=call, user_id="speaker").kicked_at is not None
    return [f"call speech 10 s utterance -> verdict -> kick through the API (in-process, 1 thread): "
            f"p50 {_pct(times, .5):.2f} s, p95 {_pct(times, .95):.2f} s over {rounds}"]


WEB_PROBE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.test")
import django; django.setup()
from django.urls import resolve
import moderation_site.urls, reviews.api.app, reviews.views.queue, reviews.services.media_checks  # the web app
from profanity_check import profanity_check  # the web process loads the text classifier
heavy = [m for m in ("nudenet", "onnxruntime", "faster_whisper", "ctranslate2", "av", "cv2") if m in sys.modules]
with open("/proc/self/status") as f:
    rss = int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024
print(rss, ",".join(heavy))
"""

WORKER_PROBE = """
import os, sys
sys.path.insert(0, %r)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.test")
os.environ.setdefault("MODERATION_MEDIA_THREADS", "1")
import django; django.setup()
from profanity_check import profanity_check
from reviews.engines import audio, images, media
from tests.media.helpers import image_uri, speech_wav, data_uri
blocks = {"ai_image_config": {"rules": [{"label": "Suggestive", "action": "flag", "min_confidence": 50.0}]},
          "ai_audio_config": {"enabled": True}}
media.analyse(blocks, {"images": [image_uri("shapes", size=(1920, 1080))],
                       "audios": [data_uri(speech_wav(), "audio/wav")]})
assert images.loaded() and audio.loaded()
with open("/proc/self/status") as f:
    status = {line.split(":")[0]: line.split()[1:2] for line in f}
status = {k: v[0] for k, v in status.items() if v}
print(int(status["VmRSS"]) / 1024, int(status["VmHWM"]) / 1024)
"""


def rss_bench() -> list[str]:
    python = sys.executable
    web = subprocess.run([python, "-c", WEB_PROBE], capture_output=True, text=True, cwd=ROOT, check=True)
    web_rss, heavy = web.stdout.split()[0], (web.stdout.split() + [""])[1]
    worker = subprocess.run([python, "-c", WORKER_PROBE % str(ROOT)], capture_output=True, text=True, cwd=ROOT,
                            check=True)
    rss, peak = worker.stdout.split()
    return [f"web process after importing the whole app: RSS {float(web_rss):.0f} MB; media packages imported: "
            f"{heavy or 'none'}",
            f"worker with both models loaded and used: RSS {float(rss):.0f} MB (peak {float(peak):.0f} MB)"]


def main() -> None:
    import django

    django.setup()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# media benchmarks ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average at start {load})")
    for part in (images_bench, video_bench, audio_bench, end_to_end, rss_bench):
        for line in part():
            print("-", line, flush=True)
    print(f"(load average at the end {' / '.join(f'{x:.1f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    main()
