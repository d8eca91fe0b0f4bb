"""Models live in the workers: importing the whole web app (URLs, API, dashboard views, the check service) imports
none of the media packages. (A media check in the web process only records and enqueues a task.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "moderation_site.settings.test"
import django; django.setup()
import moderation_site.urls, reviews.api.app, reviews.views.queue, reviews.services.media_checks
import reviews.engines.media, reviews.engines.images, reviews.actions
print(",".join(m for m in ("nudenet", "onnxruntime", "faster_whisper", "ctranslate2", "av", "cv2") if m in sys.modules))
"""


def test_the_web_app_imports_no_model_package():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == ""
