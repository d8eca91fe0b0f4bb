from django.core.management.base import BaseCommand, CommandError

from reviews.models import ApiKey
from reviews.services.api_keys import ensure_api_key, ensure_env_api_key


class Command(BaseCommand):
    help = (
        "Create an API key pair (random unless --key/--secret are given), or with --from-env make the "
        "MODERATION_API_KEY/MODERATION_API_SECRET pair exist. Prints the key and secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key", help="the API key (default: random)")
        parser.add_argument("--secret", help="the API secret (default: random)")
        parser.add_argument("--name", default="", help="a label for the admin")
        parser.add_argument("--from-env", action="store_true", help="use MODERATION_API_KEY/SECRET")

    def handle(self, *args, key=None, secret=None, name="", from_env=False, **options):
        if from_env:
            api_key = ensure_env_api_key()
            if api_key is None:
                self.stdout.write("MODERATION_API_KEY/MODERATION_API_SECRET not both set; nothing to do.")
                return
        elif key or secret:
            if not (key and secret):
                raise CommandError("--key and --secret go together")
            api_key, _ = ensure_api_key(key, secret, name)
        else:
            api_key = ApiKey.objects.create(name=name)
        self.stdout.write(f"API key:    {api_key.key}\nAPI secret: {api_key.secret}")
