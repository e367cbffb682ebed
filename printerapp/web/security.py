"""Who may change things: the access token, CSRF and Host checks of the control server.

* **Token.**  When the server binds anywhere but loopback, every mutating
  request (POST, PUT, PATCH, DELETE) must carry the token: ``Authorization:
  Bearer TOKEN``, ``X-Printerapp-Token: TOKEN`` or the ``printerapp_token``
  cookie that ``GET /?token=TOKEN`` sets for the dashboard.  The token is made
  on first start and kept in ``control.token`` (mode 0600) in the state dir.
* **CSRF.**  A mutating request must be ``application/json`` (a page of
  another origin cannot send that without a CORS preflight, which this
  server never grants), use a method a form cannot send, or carry the CSRF
  token (form field ``csrf`` or header ``X-CSRF-Token``).  The CSRF token is
  an HMAC of a per-process secret: only pages this server rendered know it.
  An ``Origin`` header naming another host is refused outright.
* **DNS rebinding.**  Bound to loopback, the server answers only requests
  whose ``Host`` is a loopback name, so a hostile page cannot read it through
  a name that resolves to 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from printerapp.web.http import json_error
from printerapp.web.ratelog import RateLimitedLog

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "SECURITY",
    "TOKEN_FILE",
    "Security",
    "is_loopback",
    "load_or_create_token",
    "login",
    "security_middleware",
]

log = logging.getLogger(__name__)
#: refusals are logged, but a flood of them is not
_refusals = RateLimitedLog(log)

TOKEN_FILE = "control.token"  # noqa: S105 - a file name, not a secret
COOKIE = "printerapp_token"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_HEADER = "X-Printerapp-Token"  # noqa: S105 - a header name
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: methods a plain HTML form can send cross-origin without a preflight
_FORM_METHODS = frozenset({"POST"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """Tell whether *host* (a bind address or a Host name) is loopback only."""
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def load_or_create_token(state_dir: Path) -> str:
    """Return the token of *state_dir*, creating it (mode 0600) on first start."""
    path = state_dir / TOKEN_FILE
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            log.warning("%s: readable by others; restricting it to mode 0600", path)
            path.chmod(0o600)
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 16:
            return token
        log.warning("%s: too short; making a new token", path)
        path.unlink()
        return load_or_create_token(state_dir)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token + "\n")
    log.info("control token written to %s", path)
    return token


@dataclass(frozen=True, slots=True)
class Security:
    """The checks for one server: its token (None on loopback) and CSRF secret."""

    #: required on mutating requests; None when the server binds to loopback only
    token: str | None
    #: refuse requests whose Host is not a loopback name (a loopback-bound server)
    loopback_hosts_only: bool
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def for_bind(cls, host: str, state_dir: Path) -> Security:
        """Return the checks for a server bound to *host* with its state in *state_dir*."""
        if is_loopback(host):
            return cls(None, loopback_hosts_only=True)
        return cls(load_or_create_token(state_dir), loopback_hosts_only=False)

    @property
    def csrf_token(self) -> str:
        """The CSRF token forms of this server carry."""
        return hmac.new(self.secret, b"printerapp csrf v1", hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        """Tell whether *given* is the access token (always, when none is required)."""
        if self.token is None:
            return True
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def csrf_ok(self, given: str) -> bool:
        """Tell whether *given* is this server's CSRF token."""
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf_token.encode())


SECURITY = web.AppKey("security", Security)


def _given_token(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get(TOKEN_HEADER, "") or request.cookies.get(COOKIE, "")


def _host_problem(request: web.Request, security: Security) -> str:
    host = urlsplit("//" + request.host).hostname or ""
    if security.loopback_hosts_only and not is_loopback(host):
        return f"Host {request.host!r} is not a loopback name"
    origin = request.headers.get("Origin")
    cross = origin is not None and urlsplit(origin).netloc.lower() != request.host.lower()
    if cross and request.method in MUTATING:
        return f"cross-origin request from {origin!r} refused"
    return ""


async def _csrf_given(request: web.Request) -> str:
    if header := request.headers.get(CSRF_HEADER, ""):
        return header
    if request.content_type in _FORM_TYPES:
        form = await request.post()  # cached: the handler reads the same form
        value = form.get(CSRF_FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


async def _mutation_problem(request: web.Request, security: Security) -> tuple[int, str]:
    if not security.token_ok(_given_token(request)):
        return 401, "this server needs its access token (see control.token in the state dir)"
    if request.content_type == "application/json" or request.method not in _FORM_METHODS:
        return 0, ""
    if not security.csrf_ok(await _csrf_given(request)):
        return 403, "CSRF check failed: reload the page and try again"
    return 0, ""


def login(request: web.Request, security: Security, location: str = "/") -> web.Response | None:
    """Answer ``GET /?token=T``: set the token cookie and redirect; None without a token."""
    given = request.query.get("token")
    if given is None or security.token is None:
        return None
    if not security.token_ok(given):
        return json_error(401, "wrong token")
    response = web.Response(status=303, headers={"Location": location})
    response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", path="/")
    return response


def security_middleware(security: Security) -> Middleware:
    """Return the middleware that applies *security* to every request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if problem := _host_problem(request, security):
            _refusals.warning("refused %s %r: %s", request.method, request.path, problem)
            return json_error(403, problem)
        if request.method in MUTATING:
            status, message = await _mutation_problem(request, security)
            if status:
                _refusals.warning("refused %s %r: %s", request.method, request.path, message)
                return json_error(status, message)
        return await handler(request)

    return middleware
