import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.local")
application = get_wsgi_application()

if os.environ.get("MODERATION_PRELOAD", "1") == "1":
    # Load the classifier before serving: seconds of CPU that would otherwise land on some worker's first
    # `check`. Under `gunicorn --preload` (README) this runs once in the master and the workers share it
    # copy-on-write; freezing what exists so far keeps the garbage collector from walking those objects in
    # every worker (shorter pauses, and pages stay shared).
    from reviews.engines import toxicity

    toxicity.model()
    gc.freeze()
