"""Send one IPP request to a local queue over HTTP (the I/O edge of ipp_request)."""

from __future__ import annotations

import aiohttp

from printerapp.manager.ipp_request import response_status

__all__ = ["IppPostError", "post_ipp"]


class IppPostError(Exception):
    """The queue could not be reached or answered something that is not IPP."""


async def post_ipp(port: int, body: bytes, timeout_s: float, host: str = "127.0.0.1") -> int:
    """POST *body* to ``/ipp/print`` on *port*; return the IPP status code."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.post(
                f"http://{host}:{port}/ipp/print",
                data=body,
                headers={"Content-Type": "application/ipp"},
            ) as resp,
        ):
            return response_status(await resp.read())
    except (OSError, ValueError, aiohttp.ClientError, TimeoutError) as exc:
        raise IppPostError(str(exc) or type(exc).__name__) from exc
