"""Names for queues: a DNS-SD service name and a file-system-safe key.

Both come from device strings (make-and-model, serial number, URI), which
are untrusted.  The service name is what people see in their print dialogs;
the key names the PPD, the spool directory and the state entry, so it must
never be able to leave its directory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

__all__ = [
    "MAX_KEY_LENGTH",
    "MAX_SERVICE_NAME",
    "is_queue_key",
    "queue_key",
    "queue_name",
    "service_name",
]

#: DNS-SD instance names are at most 63 octets (RFC 6763, section 4.1.1)
MAX_SERVICE_NAME = 63
#: file names stay far below NAME_MAX so that suffixes (".ppd", ".tmp") fit
MAX_KEY_LENGTH = 64

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clip_utf8(text: str, limit: int) -> str:
    """Cut *text* to at most *limit* UTF-8 octets without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def service_name(make_and_model: str, qualifier: str, taken: Collection[str] = ()) -> str:
    """Return ``"<make-and-model> (<qualifier>)"``, at most 63 octets, unique among *taken*."""
    model = _CONTROL.sub("", unicodedata.normalize("NFC", make_and_model)).strip() or "Printer"
    tag = _CONTROL.sub("", qualifier).strip()
    suffix = f" ({tag})" if tag else ""
    # keep the qualifier readable: it is what tells two identical printers apart
    suffix = _clip_utf8(suffix, MAX_SERVICE_NAME // 2)
    if suffix and not suffix.endswith(")"):
        suffix = suffix.rstrip() + ")"
    name = _clip_utf8(model, MAX_SERVICE_NAME - len(suffix.encode())).rstrip() + suffix
    n = 2
    while name in taken:
        counter = f" #{n}"
        base = _clip_utf8(model, MAX_SERVICE_NAME - len((suffix + counter).encode())).rstrip()
        name = base + suffix + counter
        n += 1
    return name


def queue_key(text: str, taken: Collection[str] = ()) -> str:
    """Return a file-name-safe key for *text*: ``[A-Za-z0-9._-]``, no leading dot, bounded.

    A key is unique among *taken*; the state file keeps it, so a device keeps
    its key across restarts even though the choice depends on what was taken.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = _UNSAFE.sub("_", ascii_text).strip("._-")[:MAX_KEY_LENGTH] or "printer"
    n = 2
    unique = key
    while unique in taken:
        unique = f"{key[: MAX_KEY_LENGTH - 5]}-{n}"
        n += 1
    return unique


def is_queue_key(key: str) -> bool:
    """Return True when *key* is a key :func:`queue_key` could have made (safe as a file name)."""
    return bool(key) and queue_key(key) == key


def queue_name(make_and_model: str, serial: str, device_uri: str, taken: Collection[str]) -> str:
    """Return a new queue's name: the make and model, qualified only when it would clash.

    The qualifier is the serial number, else a short suffix that the device
    URI fixes, so the same printer gets the same name after a restart.  How
    the printer was found (usb, dnssd, socket) is never part of the name.
    """
    plain = service_name(make_and_model, "")
    if plain not in taken:
        return plain
    import hashlib  # only when two printers clash

    qualifier = serial or hashlib.sha256(device_uri.encode()).hexdigest()[:4]
    return service_name(make_and_model, qualifier, taken)
