import json
import threading
import urllib.request
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
    stalled = False  # answer only once the test is over: the client's timeout always comes first
    release = threading.Event()

    def do_POST(self):  # noqa: N802
        type(self).calls += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.stalled:
            self.release.wait(60)
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
    _Labeller.calls, _Labeller.stalled = 0, False
    _Labeller.release.clear()
    url = f"http://127.0.0.1:{server.server_port}/label"
    settings.MODERATION_AI_TEXT_URL = url
    # Generous: an answer must arrive however loaded the machine is (the stalled case never answers in time).
    settings.MODERATION_AI_TEXT_TIMEOUT = 30
    settings.MODERATION_AI_TEXT_LABELS = ["SELF_HARM"]
    settings.MODERATION_AI_TEXT_BREAKER_FAILURES = 2
    settings.MODERATION_AI_TEXT_BREAKER_SECONDS = 60
    ai_text._breakers.clear()
    yield _Labeller
    _Labeller.release.set()
    server.shutdown()
    ai_text._breakers.clear()


def test_external_labels_are_merged_with_builtin_ones(labeller):
    assert "SELF_HARM" in ai_text.known_labels()
    found = {lab.label: lab.severity for lab in label_texts(["so sad, you idiot"])}
    assert found["SELF_HARM"] == "high" and found["INSULT"] == "critical"


def test_a_slow_labeller_times_out_then_the_breaker_opens(labeller, settings, monkeypatch):
    settings.MODERATION_AI_TEXT_TIMEOUT = 0.2
    labeller.stalled = True
    tried = []  # counted by the client: the server may see a request after its caller gave up
    urlopen = urllib.request.urlopen
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: tried.append(1) or urlopen(*args, **kwargs))
    assert external_labels(["sad"]) is None
    assert external_labels(["sad"]) is None
    assert len(tried) == 2
    assert external_labels(["sad"]) is None  # breaker open: not even tried
    assert len(tried) == 2
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
