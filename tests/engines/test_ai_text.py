import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reviews.engines import ai_text
from reviews.engines.ai_text import CircuitBreaker, builtin_labels, external_labels, label_texts


def labels(text):
    return {lab.label: lab.severity for lab in builtin_labels(text)}


def test_builtin_labels_are_score_bands_and_documented_heuristics():
    assert labels("have a lovely afternoon") == {}
    assert labels("you are an idiot") == {"VULGARITY": "critical", "INSULT": "critical", "HARASSMENT": "critical"}
    assert labels("this is shit")["VULGARITY"] in {"high", "critical"} and "INSULT" not in labels("this is shit")
    assert labels("I will find you")["THREAT"] == "high"
    assert labels("just kys")["THREAT"] == "critical"
    assert labels("BUY NOW!!! click here for free followers")["SPAM"] in {"high", "critical"}
    assert labels("send me bitcoin and I will double your money, mail a@b.com")["SCAM"] == "critical"


class _Labeller(BaseHTTPRequestHandler):
    calls = 0
    delay = 0.0

    def do_POST(self):  # noqa: N802
        type(self).calls += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(self.delay)
        answer = {"labels": [{"label": "SELF_HARM", "severity": "high"}] if "sad" in body["texts"][0] else []}
        data = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except BrokenPipeError:  # the client timed out first, which is the point of the slow case
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def labeller(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Labeller)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Labeller.calls, _Labeller.delay = 0, 0.0
    url = f"http://127.0.0.1:{server.server_port}/label"
    settings.MODERATION_AI_TEXT_URL = url
    settings.MODERATION_AI_TEXT_TIMEOUT = 0.2
    settings.MODERATION_AI_TEXT_LABELS = ["SELF_HARM"]
    settings.MODERATION_AI_TEXT_BREAKER_FAILURES = 2
    settings.MODERATION_AI_TEXT_BREAKER_SECONDS = 60
    ai_text._breakers.clear()
    yield _Labeller
    server.shutdown()
    ai_text._breakers.clear()


def test_external_labels_are_merged_with_builtin_ones(labeller):
    assert "SELF_HARM" in ai_text.known_labels()
    found = {lab.label: lab.severity for lab in label_texts(["so sad, you idiot"])}
    assert found["SELF_HARM"] == "high" and found["INSULT"] == "critical"


def test_a_slow_labeller_times_out_then_the_breaker_opens(labeller):
    labeller.delay = 0.5
    assert external_labels(["sad"]) is None
    assert external_labels(["sad"]) is None
    assert labeller.calls == 2
    started = time.monotonic()
    assert external_labels(["sad"]) is None  # breaker open: not even tried
    assert labeller.calls == 2 and time.monotonic() - started < 0.05
    # Built-in labels still work while it is down.
    assert "INSULT" in {lab.label for lab in label_texts(["you idiot"])}


def test_breaker_half_opens_after_the_cooldown(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(ai_text.time, "monotonic", lambda: now[0])
    breaker = CircuitBreaker(failures=1, cooldown=30)
    breaker.failure()
    assert not breaker.allow()
    now[0] += 31
    assert breaker.allow()
    breaker.success()
    assert breaker.allow()
