"""A Tapo P110 on 127.0.0.1 speaking KLAP v2, as python-kasa's KlapTransportV2 expects.

The protocol, written from the transport's behaviour (not copied):

* ``POST /app/handshake1`` with the client's 16-byte seed; the answer is our
  16-byte seed followed by ``sha256(local_seed + remote_seed + auth_hash)``,
  where ``auth_hash = sha256(sha1(username) + sha1(password))``, plus a
  ``TP_SESSIONID`` cookie.
* ``POST /app/handshake2`` with ``sha256(remote_seed + local_seed + auth_hash)``;
  200 when it matches (the client is who it said), 403 otherwise.
* ``POST /app/request?seq=N``: body = 32-byte SHA-256 signature + AES-128-CBC
  ciphertext.  Key, IV prefix, signature key and first sequence number are
  derived from the two seeds and the auth hash (``lsk``/``iv``/``ldk``).  The
  answer has the same shape (signature + ciphertext) under the same sequence
  number.

The JSON inside is the SMART protocol: ``{"method": ..., "params": ...}`` or
a ``multipleRequest``.  Implemented: ``component_nego`` (device,
energy_monitoring v1, auto_off), ``get_device_info``, ``set_device_info``
(``device_on``), ``get_energy_usage`` (``today_energy``/``month_energy`` Wh,
``current_power`` mW), ``get_auto_off_config``/``set_auto_off_config``
(AutoOff: off ``delay_min`` minutes after a switch-on; changing it while on
restarts the countdown).  Other methods get error -1002 (unknown method), as
the device does.  Tests shrink :attr:`KlapSim.minute_s` so a minute passes fast.

With ``discoverable=True`` it also answers discovery on 127.0.0.1 UDP port
20002 (a 16-byte header, then the JSON ``result`` python-kasa's
``DiscoveryResult`` reads, pointing at the KLAP port).  That port is fixed:
one discoverable simulator at a time, inside the test network namespace.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.support.plugsim.base import PlugSim

__all__ = ["KlapSim", "auth_hash"]

UNKNOWN_METHOD = -1002
#: where Tapo devices answer discovery (fixed: one discoverable simulator at a time)
DISCOVERY_PORT = 20002


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def auth_hash(username: str, password: str) -> bytes:
    """Return the KLAP v2 credential hash."""
    sha1 = hashlib.sha1
    return _sha256(sha1(username.encode()).digest() + sha1(password.encode()).digest())


@dataclass
class _Session:
    local_seed: bytes
    remote_seed: bytes
    confirmed: bool = False

    def keys(self, user_hash: bytes) -> tuple[bytes, bytes, int, bytes]:
        """Return the AES key, the 12-byte IV prefix, the first seq and the signature key."""
        seeds = self.local_seed + self.remote_seed + user_hash
        key = _sha256(b"lsk" + seeds)[:16]
        full_iv = _sha256(b"iv" + seeds)
        seq = int.from_bytes(full_iv[-4:], "big", signed=True)
        return key, full_iv[:12], seq, _sha256(b"ldk" + seeds)[:28]


def _cipher(key: bytes, iv: bytes, seq: int) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(iv + struct.pack(">l", seq)))


class KlapSim(PlugSim):
    """A Tapo P110 (relay, energy monitor, AutoOff) behind KLAP v2."""

    #: seconds in one AutoOff minute (tests shrink it)
    minute_s = 60.0

    def __init__(
        self,
        *,
        username: str = "user@example.com",
        password: str = "secret",  # noqa: S107 - the simulator's test login
        discoverable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._hash = auth_hash(username, password)
        self._sessions: dict[str, _Session] = {}
        self.discoverable = discoverable
        self._udp: asyncio.DatagramTransport | None = None
        self.auto_off_enabled = False
        self.auto_off_min = 120
        #: the SMART methods received, in order (multipleRequest unpacked)
        self.methods: list[str] = []
        #: handshakes seen (a cached connection does not redo them per call)
        self.handshakes = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/app/handshake1", self._handshake1)
        app.router.add_post("/app/handshake2", self._handshake2)
        app.router.add_post("/app/request", self._request)

    def discovery_answer(self) -> bytes:
        """Return the answer to a discovery query on port 20002: a header, then JSON."""
        result = {
            "device_type": "SMART.TAPOPLUG",
            "device_model": "P110(EU)",
            "device_id": "00000000000000000000000000000000",
            "ip": "127.0.0.1",
            "mac": "00-00-00-00-00-00",
            "is_support_iot_cloud": True,
            "factory_default": False,
            "mgt_encrypt_schm": {
                "is_support_https": False,
                "encrypt_type": "KLAP",
                "http_port": self.port,
                "lv": 2,
            },
        }
        header = b"\x02\x00\x00\x01" + bytes(12)
        return header + json.dumps({"result": result, "error_code": 0}).encode()

    async def _serve(self) -> None:
        await super()._serve()
        if self.discoverable:
            sim = self

            class Answer(asyncio.DatagramProtocol):
                def connection_made(self, transport: asyncio.BaseTransport) -> None:
                    self.transport = cast(asyncio.DatagramTransport, transport)

                def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
                    self.transport.sendto(sim.discovery_answer(), addr)

            loop = asyncio.get_running_loop()
            self._udp, _ = await loop.create_datagram_endpoint(
                Answer, local_addr=("127.0.0.1", DISCOVERY_PORT), reuse_port=True
            )

    async def _shut(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        await super()._shut()

    def forget_sessions(self) -> None:
        """Drop every session, as a rebooted plug does (clients must handshake again)."""
        self._sessions.clear()

    async def _handshake1(self, request: web.Request) -> web.Response:
        local_seed = await request.read()
        if len(local_seed) != 16:
            raise web.HTTPBadRequest
        self.handshakes += 1
        remote_seed = secrets.token_bytes(16)
        session_id = secrets.token_hex(16).upper()
        self._sessions[session_id] = _Session(local_seed, remote_seed)
        body = remote_seed + _sha256(local_seed + remote_seed + self._hash)
        response = web.Response(body=body)
        response.set_cookie("TP_SESSIONID", session_id)
        response.set_cookie("TIMEOUT", "86400")
        return response

    def _session(self, request: web.Request) -> _Session:
        session = self._sessions.get(request.cookies.get("TP_SESSIONID", ""))
        if session is None:
            raise web.HTTPForbidden
        return session

    async def _handshake2(self, request: web.Request) -> web.Response:
        session = self._session(request)
        proof = await request.read()
        if proof != _sha256(session.remote_seed + session.local_seed + self._hash):
            raise web.HTTPForbidden
        session.confirmed = True
        return web.Response()

    async def _request(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if not session.confirmed:
            raise web.HTTPForbidden
        key, iv, _first, sig_key = session.keys(self._hash)
        seq = int(request.query["seq"])
        body = await request.read()
        signature, ciphertext = body[:32], body[32:]
        if signature != _sha256(sig_key + struct.pack(">l", seq) + ciphertext):
            raise web.HTTPForbidden
        decryptor = _cipher(key, iv, seq).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(decryptor.update(ciphertext) + decryptor.finalize())
        answer = self._smart(json.loads(plain + unpadder.finalize()))
        padder = padding.PKCS7(128).padder()
        padded = padder.update(json.dumps(answer).encode()) + padder.finalize()
        encryptor = _cipher(key, iv, seq).encryptor()
        reply = encryptor.update(padded) + encryptor.finalize()
        return web.Response(body=_sha256(sig_key + struct.pack(">l", seq) + reply) + reply)

    # -- the SMART protocol --------------------------------------------------------

    def _smart(self, message: dict[str, Any]) -> dict[str, Any]:
        method, params = message.get("method", ""), message.get("params") or {}
        if method == "multipleRequest":
            responses = [
                {"method": r.get("method"), **self._smart(r)} for r in params.get("requests", [])
            ]
            return {"error_code": 0, "result": {"responses": responses}}
        self.methods.append(method)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return {"error_code": UNKNOWN_METHOD}
        result = handler(params)
        return {"error_code": 0} if result is None else {"error_code": 0, "result": result}

    def _m_component_nego(self, params: dict[str, Any]) -> dict[str, Any]:
        components = {"device": 2, "energy_monitoring": 1, "auto_off": 2}
        return {"component_list": [{"id": k, "ver_code": v} for k, v in components.items()]}

    def _m_get_device_info(self, params: dict[str, Any]) -> dict[str, Any]:
        remaining = self.failsafe_remaining()
        return {
            "device_id": "80221F0000000000000000000000000000000000",
            "fw_ver": "1.3.1 Build 240621 Rel.162048",
            "hw_ver": "1.0",
            "type": "SMART.TAPOPLUG",
            "model": "P110",
            "mac": "00-00-00-00-00-00",
            "nickname": base64.b64encode(b"printer").decode(),
            "device_on": self.is_on,
            "on_time": 0,
            "overheated": False,
            "auto_off_status": "on" if remaining is not None else "off",
            "auto_off_remain_time": round(remaining or 0),
            "region": "Europe/Berlin",
            "specs": "",
        }

    def _auto_off_s(self) -> float:
        return self.auto_off_min * self.minute_s if self.auto_off_enabled else 0

    def _m_set_device_info(self, params: dict[str, Any]) -> None:
        if "device_on" in params:
            self.set_relay(bool(params["device_on"]), failsafe_s=self._auto_off_s())

    def _m_get_energy_usage(self, params: dict[str, Any]) -> dict[str, Any]:
        wh = self.energy_wh
        return {
            "today_runtime": 0,
            "month_runtime": 0,
            "today_energy": int(wh),
            "month_energy": int(wh),
            "current_power": int(self.power_now_w * 1000),
        }

    def _m_get_auto_off_config(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"enable": self.auto_off_enabled, "delay_min": self.auto_off_min}

    def _m_set_auto_off_config(self, params: dict[str, Any]) -> None:
        self.auto_off_enabled = bool(params.get("enable", self.auto_off_enabled))
        self.auto_off_min = int(params.get("delay_min", self.auto_off_min))
        if self.is_on:
            self.set_relay(True, failsafe_s=self._auto_off_s())
