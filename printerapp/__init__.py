"""printerapp: every attached printer as a driverless IPP Everywhere queue."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
