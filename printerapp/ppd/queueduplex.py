"""Two-sided printing only where the printer has a duplexer.

Many PPDs offer ``*Duplex`` for a model whose duplexer is an optional part:
an installable option (``*Option1/Duplexer: Boolean``, ``*OptionDuplex``,
``*Duplexer``...) in the ``InstallableOptions`` group, defaulting to "not
installed", and a constraint (``*UIConstraints: *Option1 False *Duplex``)
that forbids two-sided printing without it.  CUPS honours the constraint;
ippeveprinter ignores it and advertises ``two-sided-long-edge`` anyway, so
clients offer duplex and the sheets come out one-sided.

When the PPD's own default says the duplexer is not installed, the queue's
copy keeps only the one-sided choice of ``*Duplex`` (and defaults to it), so
``sides-supported`` and the DNS-SD ``Duplex`` key say what the printer does.
"""

from __future__ import annotations

import re

__all__ = ["normalize_duplex"]

_GROUP = re.compile(
    r"^\*OpenGroup:[ \t]*InstallableOptions.*?^\*CloseGroup:[ \t]*InstallableOptions",
    re.MULTILINE | re.DOTALL,
)
_OPTION = re.compile(r"^\*OpenUI[ \t]+\*([^/:\s]+)", re.MULTILINE)
#: ``*UIConstraints: *A [a] *B [b]`` (also ``NonUIConstraints``)
_CONSTRAINT = re.compile(
    r"^\*(?:Non)?UIConstraints:[ \t]*\*(\S+)[ \t]*([^*\s]*)[ \t]*\*(\S+)[ \t]*(\S*)[ \t\r]*$",
    re.MULTILINE,
)
#: the two-sided choices of *Duplex, with their (possibly multi-line) code
_TWO_SIDED = re.compile(
    r"^\*Duplex[ \t]+(?:DuplexNoTumble|DuplexTumble)\b[^:\n]*:"
    r'[ \t]*"[^"]*"[^\n]*\n(?:\*End[^\n]*\n)?',
    re.MULTILINE,
)
_DEFAULT_DUPLEX = re.compile(r"^(\*DefaultDuplex:[ \t]*)(\S+)", re.MULTILINE)
#: values of *Duplex that print one-sided
_ONE_SIDED = frozenset({"None", "Off", "False", "Simplex"})


def _default(text: str, option: str) -> str | None:
    m = re.search(rf"^\*Default{re.escape(option)}:[ \t]*(\S+)", text, re.MULTILINE)
    return m.group(1) if m else None


def _missing_duplexer(text: str) -> str | None:
    """Return the installable option that, at its default, forbids two-sided printing."""
    group = _GROUP.search(text)
    if group is None:
        return None
    installable = set(_OPTION.findall(group.group(0)))
    for match in _CONSTRAINT.finditer(text):
        first, first_value, second, second_value = match.group(1, 2, 3, 4)
        pairs = (
            (first, first_value, second, second_value),
            (second, second_value, first, first_value),
        )
        for option, value, other, other_value in pairs:
            if other != "Duplex" or other_value in _ONE_SIDED or option not in installable:
                continue
            # an empty value means "any but False/None"; only an explicit one can match the default
            if value and _default(text, option) == value:
                return option
    return None


def normalize_duplex(text: str) -> tuple[str, str | None]:
    """Return *text* without two-sided choices if its duplexer is not installed by default.

    The second item names the installable option that decided it, or is None when
    the PPD is left as it was.
    """
    option = _missing_duplexer(text)
    if option is None or not _TWO_SIDED.search(text):
        return text, None
    text = _TWO_SIDED.sub("", text)
    default = _DEFAULT_DUPLEX.search(text)
    if default is not None and default.group(2) not in _ONE_SIDED:
        choices = re.findall(r"^\*Duplex[ \t]+([^/:\s]+)", text, re.MULTILINE)
        one_sided = next((c for c in choices if c in _ONE_SIDED), "None")
        start, end = default.span(2)
        text = text[:start] + one_sided + text[end:]
    return text, option
