"""Power test fixtures: shrunken timing constants."""

from __future__ import annotations

import pytest

from printerapp.power import controller, idle, readiness
from printerapp.power.plugs import retry


@pytest.fixture
def quick_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink every power delay so that minutes become tenths of a second."""
    monkeypatch.setattr(retry, "RETRY_BASE_S", 0.02)
    monkeypatch.setattr(retry, "RETRY_MAX_S", 0.1)
    monkeypatch.setattr(controller, "STATE_POLL_S", 0.1)
    monkeypatch.setattr(controller, "UNREACHABLE_RETRY_S", 0.1)
    monkeypatch.setattr(controller, "MAX_SLEEP_S", 0.1)
    monkeypatch.setattr(idle, "FAILSAFE_REARM_S", 0.2)
    monkeypatch.setattr(idle, "FAILSAFE_MARGIN_S", 0.3)
    monkeypatch.setattr(readiness, "TCP_INTERVAL_S", 0.02)
    monkeypatch.setattr(readiness, "USB_INTERVAL_S", 0.05)
