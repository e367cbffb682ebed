"""IPP enum attributes that clients may also send by keyword (RFC 8011 5.2)."""

from __future__ import annotations

__all__ = ["ORIENTATION", "PRINT_QUALITY"]

#: print-quality (5.2.13)
PRINT_QUALITY = {"draft": 3, "normal": 4, "high": 5}
#: orientation-requested (5.2.10)
ORIENTATION = {"portrait": 3, "landscape": 4, "reverse-landscape": 5, "reverse-portrait": 6}
