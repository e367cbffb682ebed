"""Pure parts of the fault handling: the policy verdicts, status translation, /proc/net/tcp."""

from __future__ import annotations

import io
from pathlib import Path

from printerapp.ippprint.delivery import parse_proc_net_tcp, undelivered
from printerapp.ippprint.policy import Action, ErrorPolicy, RetrySettings, decide
from printerapp.ippprint.status import StatusForwarder
from printerapp.ippprint.statusfile import STATUS_FILE, PrinterStatus, read_status


def test_retry_job_retries_up_to_the_limit_then_keeps() -> None:
    s = RetrySettings(ErrorPolicy.RETRY_JOB, 30.0, 5)
    first = decide(s, 1, 0)
    assert (first.action, first.delay_s, first.reason) == (Action.RETRY, 30.0, "1/5")
    assert decide(s, 1, 5).action is Action.GIVE_UP  # kept, not resubmitted
    assert decide(RetrySettings(ErrorPolicy.ABORT_JOB), 1, 0).action is Action.ABORT
    assert decide(RetrySettings(ErrorPolicy.ABORT_JOB), 6, 0).action is Action.RETRY
    assert decide(RetrySettings(ErrorPolicy.STOP_PRINTER), 1, 99).action is Action.RETRY
    assert decide(s, 3, 0).action is Action.KEEP  # hold


def test_settings_from_env_keep_defaults_on_bad_values() -> None:
    env = {"PRINTERAPP_ERROR_POLICY": "bogus", "PRINTERAPP_JOB_RETRY_INTERVAL": "nan"}
    assert RetrySettings.from_env(env) == RetrySettings()


def test_status_translation_for_ippeveprinter() -> None:
    out = io.BytesIO()
    fwd = StatusForwarder(out)
    fwd.write(b"STATE: +connecting-to-device\nPAGE: 1 2\nPAGE: 2 1\n")
    fwd.write(b"WARNING: The printer is not responding.\nINFO: Connected to printer.\n")
    fwd.write(b"STATE: +toner-low-warning\n")
    fwd.end()
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "STATE: +other"
    assert "connecting-to-device" in lines[1]  # printer-alert-description
    assert "ATTR: job-impressions-completed=3" in lines
    assert "ERROR: The printer is not responding." in lines
    assert "STATE: +toner-low" in lines
    # "Connected to printer." cleared what the chain said about the connection
    connected = lines.index("INFO: Connected to printer.")
    assert lines[connected - 2 : connected] == [
        "STATE: -other",
        "ATTR: printer-alert-description='none'",
    ]
    assert lines[-1] == "STATE: +toner-low"


def test_the_printer_status_file_follows_the_job(tmp_path: Path) -> None:
    """What the queue's front shows: the printer's state while it lasts, reset by each job."""
    path = tmp_path / STATUS_FILE
    path.write_text('{"reasons": ["offline"], "message": "Printer not responding."}')
    fwd = StatusForwarder(io.BytesIO(), path)
    assert read_status(path) == PrinterStatus()  # a killed job's leftovers do not hold
    fwd.write(b"STATE: +connecting-to-device\n")
    assert read_status(path) == PrinterStatus(("connecting-to-device",), "Connecting to printer.")
    fwd.write(b"WARNING: Network host 'p' is busy, down, or unreachable; will retry.\n")
    status = read_status(path)
    assert status is not None
    assert "offline" in status.reasons
    assert status.message.startswith("Printer not responding: Network host")
    fwd.write(b"INFO: Connected to printer.\n")
    assert read_status(path) == PrinterStatus()  # the printer answers: nothing to add
    fwd.end()
    fwd.message("Printed after 2 attempts")  # the job's own words, not the printer's
    assert read_status(path) == PrinterStatus()


def test_waiting_for_the_printer_to_finish_ends_with_the_job() -> None:
    """CUPS's socket backend never clears it: left alone, "other-report" stays on the printer."""
    out = io.BytesIO()
    fwd = StatusForwarder(out)
    fwd.write(b"STATE: +cups-waiting-for-job-completed\nINFO: Waiting for printer to finish.\n")
    fwd.end()
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "STATE: +other"
    assert lines[-2:] == ["STATE: -other", "ATTR: printer-alert-description='none'"]


def test_an_lpd_printer_that_never_acknowledged_is_noticed() -> None:
    # the lpd backend's words when the 0 byte after the data file never came; it exits 0
    fwd = StatusForwarder(io.BytesIO())
    fwd.write(b"WARNING: The printer is not responding.\n")
    assert not fwd.unacknowledged
    fwd.write(b"WARNING: The printer did not respond.\nINFO: Data file sent successfully.\n")
    assert fwd.unacknowledged


TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid
   0: 0100007F:A000 0100007F:2382 04 0000F000:00000000 01:00000014 00000000     0
   1: 0100007F:A001 0100007F:2382 06 00000000:00000000 03:00001770 00000000     0
"""


def test_proc_net_tcp_unacknowledged_bytes() -> None:
    conns = parse_proc_net_tcp(TCP)
    assert conns[0].local == ("127.0.0.1", 0xA000)
    assert conns[0].remote == ("127.0.0.1", 9090)
    assert undelivered(conns, {("127.0.0.1", 9090)}, set()) == 0xF000
    assert undelivered(conns, {("127.0.0.1", 9090)}, {(conns[0].local, conns[0].remote)}) == 0
