"""Allow ``python -m printerapp``."""

from __future__ import annotations

from printerapp.cli.main import main

raise SystemExit(main())
