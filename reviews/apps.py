from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_env_key(sender, **kwargs):
    # Every deploy migrates, so this is where the environment's key pair is made to exist.
    from reviews.services.api_keys import ensure_env_api_key

    ensure_env_api_key()


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_env_key, sender=self)
