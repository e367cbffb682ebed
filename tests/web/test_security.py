"""Token, CSRF, Origin and Host checks, through aiohttp's test client on a small real app."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from printerapp.web.security import (
    COOKIE,
    SECURITY,
    TOKEN_FILE,
    Security,
    is_loopback,
    load_or_create_token,
    login,
    security_middleware,
)

Body = Callable[[TestClient[web.Request, web.Application], Security], Awaitable[None]]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("printer.example", False),
        ("localhost.evil.example", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_token_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path / "state")
    path = tmp_path / "state" / TOKEN_FILE
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_token(tmp_path / "state") == token


def test_token_file_readable_by_others_is_restricted(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path)
    (tmp_path / TOKEN_FILE).chmod(0o644)
    assert load_or_create_token(tmp_path) == token
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600


def test_short_token_is_replaced(tmp_path: Path) -> None:
    (tmp_path / TOKEN_FILE).write_text("abc\n")
    (tmp_path / TOKEN_FILE).chmod(0o600)
    token = load_or_create_token(tmp_path)
    assert len(token) >= 32
    assert (tmp_path / TOKEN_FILE).read_text().strip() == token


def test_loopback_bind_needs_no_token(tmp_path: Path) -> None:
    security = Security.for_bind("127.0.0.1", tmp_path)
    assert security.token is None
    assert not (tmp_path / TOKEN_FILE).exists()
    assert Security.for_bind("0.0.0.0", tmp_path).token == load_or_create_token(tmp_path)


def test_csrf_token_is_per_secret() -> None:
    one, two = Security(None, True), Security(None, True)
    assert one.csrf_token != two.csrf_token
    assert one.csrf_ok(one.csrf_token)
    assert not one.csrf_ok(two.csrf_token)
    assert not one.csrf_ok("")


async def _echo(request: web.Request) -> web.Response:
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        return web.json_response({"form": dict(form)})
    return web.json_response({"ok": True})


async def _page(request: web.Request) -> web.Response:
    return login(request, request.app[SECURITY]) or web.Response(text="page")


def _run(security: Security, body: Body) -> None:
    async def scenario() -> None:
        app = web.Application(middlewares=[security_middleware(security)])
        app[SECURITY] = security
        app.router.add_get("/", _page)
        app.router.add_route("*", "/thing", _echo)
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
        await client.start_server()
        try:
            await body(client, security)
        finally:
            await client.close()

    asyncio.run(scenario())


def test_loopback_server_refuses_foreign_host_names() -> None:
    async def body(client: TestClient[web.Request, web.Application], _s: Security) -> None:
        assert (await client.get("/thing")).status == 200
        assert (await client.get("/thing", headers={"Host": "localhost:7631"})).status == 200
        rebound = await client.get("/thing", headers={"Host": "attacker.example:7631"})
        assert rebound.status == 403
        assert "not a loopback name" in (await rebound.json())["error"]

    _run(Security(None, loopback_hosts_only=True), body)


def test_forms_need_the_csrf_token() -> None:
    async def body(client: TestClient[web.Request, web.Application], sec: Security) -> None:
        bare = await client.post("/thing", data={"x": "1"})
        assert bare.status == 403
        assert "CSRF" in (await bare.json())["error"]
        wrong = await client.post("/thing", data={"x": "1", "csrf": "0" * 64})
        assert wrong.status == 403
        good = await client.post("/thing", data={"x": "1", "csrf": sec.csrf_token})
        assert good.status == 200
        assert (await good.json())["form"]["x"] == "1"  # the handler still reads the form
        header = await client.post("/thing", data=b"x", headers={"X-CSRF-Token": sec.csrf_token})
        assert header.status == 200
        plain = await client.post("/thing", data=b"{}", headers={"Content-Type": "text/plain"})
        assert plain.status == 403
        assert (await client.post("/thing", json={})).status == 200
        assert (await client.delete("/thing")).status == 200

    _run(Security(None, loopback_hosts_only=True), body)


def test_cross_origin_mutation_is_refused() -> None:
    async def body(client: TestClient[web.Request, web.Application], sec: Security) -> None:
        evil = {"Origin": "http://evil.example"}
        resp = await client.post("/thing", json={}, headers=evil)
        assert resp.status == 403
        assert "cross-origin" in (await resp.json())["error"]
        assert (await client.get("/thing", headers=evil)).status == 200
        own = {"Origin": f"http://{client.host}:{client.port}"}
        assert (await client.post("/thing", json={}, headers=own)).status == 200

    _run(Security(None, loopback_hosts_only=True), body)


def test_wide_bind_needs_the_token_on_every_mutation() -> None:
    token = "t" * 43

    async def body(client: TestClient[web.Request, web.Application], sec: Security) -> None:
        assert (await client.get("/thing")).status == 200  # reading needs no token
        missing = await client.post("/thing", json={})
        assert missing.status == 401
        assert "access token" in (await missing.json())["error"]
        assert (await client.delete("/thing")).status == 401
        bad = {"Authorization": "Bearer nope"}
        assert (await client.post("/thing", json={}, headers=bad)).status == 401
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await client.post("/thing", json={}, headers=bearer)).status == 200
        own = {"X-Printerapp-Token": token}
        assert (await client.delete("/thing", headers=own)).status == 200
        # a form with the token but no CSRF token is still refused
        assert (await client.post("/thing", data={"a": "b"}, headers=bearer)).status == 403
        # a foreign Host name is fine when bound to all addresses
        assert (await client.get("/thing", headers={"Host": "printers.lan"})).status == 200

    _run(Security(token, loopback_hosts_only=False), body)


def test_login_sets_the_cookie_that_forms_then_use() -> None:
    token = "k" * 43

    async def body(client: TestClient[web.Request, web.Application], sec: Security) -> None:
        wrong = await client.get("/?token=bad", allow_redirects=False)
        assert wrong.status == 401
        resp = await client.get(f"/?token={token}", allow_redirects=False)
        assert resp.status == 303
        assert resp.headers["Location"] == "/"
        cookie = resp.cookies[COOKIE]
        assert cookie.value == token
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"
        form = await client.post("/thing", data={"csrf": sec.csrf_token})
        assert form.status == 200  # the client's cookie jar sent the token

    _run(Security(token, loopback_hosts_only=False), body)
