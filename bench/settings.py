"""Settings for the in-process benchmarks: the base settings (DEBUG off) with one database alias per data tier
on the throwaway cluster, and a router that sends every query to the tier being measured, so the same view code
can be timed against 10k, 100k and 1M items with requests interleaved."""

import json
import os

from moderation_site.settings.base import *  # noqa: F403
from moderation_site.settings.base import database_config

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs measured in-process run their Celery tasks in this process unless the jobs module starts a worker.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("BENCH_CELERY_EAGER", "1") == "1"

_tiers: dict[str, str] = json.loads(os.environ.get("BENCH_DATABASES", "{}"))
if _tiers:
    DATABASES = {alias: database_config(url) for alias, url in _tiers.items()}
DATABASE_ROUTERS = ["bench.router.TierRouter"]
