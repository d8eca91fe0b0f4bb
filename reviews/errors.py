"""The one error type actions raise. Each face turns it into its own shape: the API into Stream's error
envelope, the dashboard into a visible toast."""

from __future__ import annotations


class ModerationError(Exception):
    # Stream's error codes (code, HTTP status).
    INPUT = (4, 400)
    AUTH = (5, 401)
    NOT_ALLOWED = (17, 403)
    NOT_FOUND = (16, 404)
    CONFLICT = (4, 409)
    RATE_LIMITED = (9, 429)

    def __init__(self, message: str, *, kind: tuple[int, int] = INPUT, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code, self.status = kind
        self.field = field

    @classmethod
    def invalid(cls, field: str, problem: str) -> ModerationError:
        return cls(f"{field}: {problem}", field=field)

    @classmethod
    def not_found(cls, what: str, ident: str) -> ModerationError:
        return cls(f"{what} {ident!r} does not exist", kind=cls.NOT_FOUND)

    @classmethod
    def not_allowed(cls, message: str) -> ModerationError:
        return cls(message, kind=cls.NOT_ALLOWED)
