"""Read the header of a PPD file: identity fields and the filter lines CUPS chains with.

:func:`parse_ppd` is pure (text -> :class:`PpdHeader`); :func:`read_ppd` is
the thin reader for plain and gzip-compressed files.  Only what the job path
and the driver database need is kept; every main keyword's lines are also
available through :meth:`PpdHeader.values` for later extensions.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from printerapp.errors import PPDError

__all__ = ["PpdHeader", "PpdLine", "parse_ppd", "read_ppd", "read_ppd_bytes", "read_ppd_text"]

_MAIN_LINE = re.compile(r"\*([^\s:/%][^\s:/]*)(?:[ \t]+([^:/]*?)(?:/([^:]*))?)?[ \t]*:[ \t]*(.*)")
_GZIP_MAGIC = b"\x1f\x8b"
#: a PPD this large is not a PPD (the biggest real ones are a few MB)
MAX_PPD_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PpdLine:
    """One main-keyword line: ``*keyword option/text: value`` (value without quotes)."""

    keyword: str
    value: str
    line: int
    option: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class PpdHeader:
    """The header fields of one PPD, with the file they came from."""

    path: str
    nickname: str | None = None
    model_name: str | None = None
    manufacturer: str | None = None
    device_id: str | None = None
    pc_filename: str | None = None
    color_device: bool | None = None
    language_level: int | None = None
    #: ``*cupsFilter`` lines, in file order
    filters: tuple[PpdLine, ...] = ()
    #: ``*cupsFilter2`` lines, in file order
    filters2: tuple[PpdLine, ...] = ()
    #: ``*cupsPreFilter`` lines, in file order
    prefilters: tuple[PpdLine, ...] = ()
    #: ``*cupsCommands`` value, if any
    commands: str | None = None
    lines: tuple[PpdLine, ...] = field(default=(), repr=False)

    @property
    def chain_filters(self) -> tuple[PpdLine, ...]:
        """The filter lines CUPS uses: the cupsFilter2 lines when present, else cupsFilter."""
        return self.filters2 or self.filters

    def values(self, keyword: str) -> tuple[PpdLine, ...]:
        """Return every line of main keyword *keyword*, in file order."""
        return tuple(ln for ln in self.lines if ln.keyword == keyword)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def _iter_main_lines(text: str) -> list[PpdLine]:
    """Split *text* into main-keyword lines, joining quoted values that span lines."""
    out: list[PpdLine] = []
    rows = text.splitlines()
    i = 0
    while i < len(rows):
        start = i
        match = _MAIN_LINE.fullmatch(rows[i].rstrip())
        i += 1
        if match is None:
            continue
        keyword, option, text_, value = match.groups()
        if value.startswith('"') and value.count('"') % 2 == 1:
            # A quoted value runs until the line holding its closing quote.
            parts = [value]
            while i < len(rows):
                parts.append(rows[i])
                i += 1
                if '"' in parts[-1]:
                    break
            value = "\n".join(parts)
        out.append(PpdLine(keyword, _unquote(value), start + 1, option or "", text_ or ""))
    return out


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return {"true": True, "false": False}.get(value.strip().lower())


def _int(value: str | None) -> int | None:
    digits = re.match(r"\s*(\d+)", value or "")
    return int(digits[1]) if digits else None


def parse_ppd(text: str, path: str = "<string>") -> PpdHeader:
    """Parse the header fields of PPD *text*; raise PPDError when it is not a PPD."""
    if "\x00" in text[:65536]:
        raise PPDError(f"{path}: not a PPD file (binary data)")
    if not text.lstrip("\ufeff").startswith("*PPD-Adobe:"):
        raise PPDError(f"{path}: not a PPD file (no *PPD-Adobe header)")
    lines = tuple(_iter_main_lines(text))
    first: dict[str, str] = {}
    for ln in lines:
        first.setdefault(ln.keyword, ln.value)

    def by_name(name: str) -> tuple[PpdLine, ...]:
        # ppdFindAttr() compares attribute names without case; ppd->filters does not.
        return tuple(ln for ln in lines if ln.keyword.lower() == name.lower())

    return PpdHeader(
        path=path,
        nickname=first.get("NickName"),
        model_name=first.get("ModelName"),
        manufacturer=first.get("Manufacturer"),
        device_id=first.get("1284DeviceID"),
        pc_filename=first.get("PCFileName"),
        color_device=_bool(first.get("ColorDevice")),
        language_level=_int(first.get("LanguageLevel")),
        filters=tuple(ln for ln in lines if ln.keyword == "cupsFilter"),
        filters2=by_name("cupsFilter2"),
        prefilters=by_name("cupsPreFilter"),
        commands=next((ln.value for ln in by_name("cupsCommands")), None),
        lines=lines,
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_ppd_bytes(path: Path) -> bytes:
    """Return the bytes of the PPD at *path*, un-gzipped; raise PPDError when unreadable."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_PPD_BYTES + 1)
    except OSError as exc:
        raise PPDError(f"{path}: cannot read PPD: {exc.strerror or exc}") from exc
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise PPDError(f"{path}: corrupt gzip-compressed PPD: {exc}") from exc
    if len(data) > MAX_PPD_BYTES:
        raise PPDError(f"{path}: too large for a PPD file")
    return data


def read_ppd_text(path: Path) -> str:
    """Return the text of the PPD at *path*, plain or gzip-compressed."""
    return _decode(read_ppd_bytes(path))


def read_ppd(path: Path) -> PpdHeader:
    """Read and parse the PPD at *path*; raise PPDError on unreadable or garbage files."""
    return parse_ppd(read_ppd_text(path), str(path))
