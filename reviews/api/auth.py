"""Who is calling: `?api_key=` names the app key, `Authorization` carries a raw HS256 JWT signed with its secret.

No `user_id` claim (or `{"server": true}`, as legacy stream_chat sends) = server side, full rights. A `user_id`
claim = that end user: `exp` enforced, a future `iat` refused, deactivated users and requests from an IP under
an active IP ban refused on every call. Failures use Stream's codes: 2 bad key, 5 auth, 40 expired,
41 not yet valid, 42 bad iat, 43 bad signature (all 401).

Active keys are cached per process (`active_key`): a request costs no database query for its key. Saving or
deleting an ApiKey clears this process's cache at once; other processes re-read a key after
`MODERATION_API_KEY_CACHE_SECONDS` (default 10), so a deactivated key is refused everywhere within that time.
Unknown and inactive keys are never cached (a new key works at once; junk keys cannot fill the cache).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import jwt
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from ninja.security import APIKeyHeader

from reviews.actions.users import ensure_user, record_last_ip
from reviews.errors import ModerationError
from reviews.models import ApiKey, Ban, EndUser

from . import ratelimit, timing

# The SDK backdates `iat` by 5 s; a little leeway absorbs clock skew between the app's servers and ours.
LEEWAY_SECONDS = 5
MODERATOR_ROLES = {EndUser.Role.MODERATOR, EndUser.Role.ADMIN}


def _auth_error(message: str, code: int, field: str = "Authorization") -> ModerationError:
    err = ModerationError(message, kind=(code, 401), field=field)
    return err


@dataclass
class Caller:
    api_key: ApiKey
    user: EndUser | None  # None = server-side token
    claims: dict = field(default_factory=dict)

    @property
    def is_server(self) -> bool:
        return self.user is None

    @property
    def is_moderator(self) -> bool:
        return self.user is None or self.user.role in MODERATOR_ROLES

    def require_moderator(self, what: str = "this call") -> None:
        """Server tokens and moderator/admin user tokens pass; role `user` gets 403."""
        if not self.is_moderator:
            raise ModerationError.not_allowed(
                f"{what} needs a server-side token or a user with role moderator or admin; "
                f"user {self.user.pk!r} has role '{self.user.role}'"
            )

    def acting_user(self, user_id: str | None, field_name: str = "user_id") -> EndUser | None:
        """Who acts. Server token: the named user (created bare on first mention), or None when none is named.
        User token: the caller; naming anyone else is 403, unless the caller is a moderator acting as
        themselves."""
        if self.user is None:
            return ensure_user(user_id, field=field_name) if user_id else None
        if user_id and user_id != self.user.pk:
            raise ModerationError.not_allowed(
                f"{field_name}: a user token may only act as its own user ({self.user.pk!r}), not {user_id!r}"
            )
        return self.user

    def require_not_banned(self, what: str) -> None:
        """A user under an app-wide ban in force (shadow bans excepted: they must not notice) cannot `what`."""
        if self.user is None:
            return
        if Ban.objects.in_force().app_wide().filter(target=self.user, shadow=False).exists():
            raise ModerationError.not_allowed(f"user {self.user.pk!r} is banned and cannot {what}")


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind N trusted proxies (MODERATION_TRUSTED_PROXIES), the N-th address from
    the right of X-Forwarded-For; otherwise REMOTE_ADDR (a client-set header must not dodge an IP ban)."""
    proxies = int(getattr(settings, "MODERATION_TRUSTED_PROXIES", 0))
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


_keys: dict[str, tuple[ApiKey, float]] = {}  # key -> (active ApiKey, monotonic time it was read)
_keys_lock = threading.Lock()


def active_key(key: str) -> ApiKey | None:
    """The active ApiKey named `key`, or None; from this process's cache when read recently (see above)."""
    now = time.monotonic()
    cached = _keys.get(key)
    if cached is not None and now - cached[1] < settings.MODERATION_API_KEY_CACHE_SECONDS:
        return cached[0]
    api_key = ApiKey.objects.filter(key=key, active=True).first()
    with _keys_lock:
        if api_key is None:
            _keys.pop(key, None)
        else:
            _keys[key] = (api_key, now)
    return api_key


def forget_keys(**_: object) -> None:
    with _keys_lock:
        _keys.clear()


post_save.connect(forget_keys, sender=ApiKey, dispatch_uid="api-key-cache-save")
post_delete.connect(forget_keys, sender=ApiKey, dispatch_uid="api-key-cache-delete")


def _decode(token: str, secret: str) -> dict:
    try:
        return jwt.decode(
            token, secret, algorithms=["HS256"], leeway=LEEWAY_SECONDS,
            options={"verify_exp": True, "verify_iat": True, "verify_nbf": True, "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _auth_error("Authorization: token has expired (exp)", 40) from exc
    except jwt.ImmatureSignatureError as exc:
        if "iat" in str(exc):
            raise _auth_error("Authorization: token issued in the future (iat)", 42) from exc
        raise _auth_error("Authorization: token is not valid yet (nbf)", 41) from exc
    except jwt.InvalidIssuedAtError as exc:
        raise _auth_error("Authorization: iat must be a number of seconds", 42) from exc
    except jwt.InvalidSignatureError as exc:
        raise _auth_error("Authorization: signature does not match the secret of this api_key", 43) from exc
    except jwt.PyJWTError as exc:
        raise _auth_error(f"Authorization: malformed JWT ({exc})", 5) from exc


def authenticate(request: HttpRequest, token: str | None) -> Caller:
    timing.start(request)
    key = request.GET.get("api_key", "")
    if not key:
        raise _auth_error("api_key: is required in the query string", 2, field="api_key")
    api_key = active_key(key)
    if api_key is None:
        raise _auth_error(f"api_key: {key!r} is not a valid, active API key", 2, field="api_key")
    if not token:
        raise _auth_error("Authorization: a JWT is required (raw, no 'Bearer ' prefix)", 5)
    if token.startswith("Bearer "):
        token = token[len("Bearer "):]
    claims = _decode(token, api_key.secret)

    user_id = claims.get("user_id")
    if claims.get("server") is True or user_id is None:
        caller = Caller(api_key=api_key, user=None, claims=claims)
    else:
        if not isinstance(user_id, str) or not user_id.strip():
            raise _auth_error("Authorization: user_id claim must be a non-empty string", 5)
        user = ensure_user(user_id, field="user_id")
        if user.deactivated_at is not None:
            raise _auth_error(f"user {user_id!r} is deactivated; its tokens are refused", 5)
        ip = client_ip(request)
        if ip and Ban.objects.in_force().filter(ip_ban=True, ip=ip).exists():
            raise ModerationError.not_allowed(f"requests from {ip} are refused: the address is under an IP ban")
        if ip:
            record_last_ip(user=user, ip=ip)
        caller = Caller(api_key=api_key, user=user, claims=claims)
    ratelimit.hit(request, f"{api_key.key}:{user_id or '*server*'}", server=caller.is_server)
    return caller


class StreamJWT(APIKeyHeader):
    """Shown in OpenAPI as an API key in the `Authorization` header (plus `api_key` in the query)."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller:
        return authenticate(request, key)
