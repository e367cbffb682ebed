"""Running chains for real: cups-filters programs, the socket backend, failing scripts."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printerapp.cups import CupsDirs
from printerapp.errors import BackendError, FilterFailedError, FilterRejectedError
from printerapp.ippprint.options import JobOptions
from printerapp.ippprint.pipeline import JobRun, final_content_type, job_environment, run_job
from printerapp.mime.records import FilterEdge, JobPlan
from tests.support.sink import TcpSink

TESTPAGE = Path("/usr/share/cups/data/default-testpage.pdf")
OPTS = JobOptions("12", "alice", "my doc", 1, (("media", "iso_a4_210x297mm"), ("PageSize", "A4")))
GetPpd = Callable[[str], Path]


def plan_of(*programs: str, final: str = "printer/foo") -> JobPlan:
    """A hand-built chain: pdf -> ... -> printer/foo through *programs*."""
    types = ["application/pdf"] + [f"x/step{i}" for i in range(len(programs) - 1)] + [final]
    steps = tuple(FilterEdge(types[i], types[i + 1], 10, prog) for i, prog in enumerate(programs))
    return JobPlan("application/pdf", final, steps, 10 * len(programs))


def script(path: Path, body: str, mode: int = 0o755) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(mode)
    return path


def job(
    ppd: Path | None, uri: str | None, dirs: CupsDirs | None = None, doc: Path = TESTPAGE
) -> JobRun:
    return JobRun("foo", OPTS, doc, "application/pdf", ppd, uri, dirs or CupsDirs())


@pytest.fixture
def sink() -> Iterator[TcpSink]:
    with TcpSink() as s:
        yield s


@pytest.fixture
def fake_serverbin(tmp_path: Path) -> CupsDirs:
    """A serverbin whose backend/ holds scripts; filter/ links to the real filters."""
    sb = tmp_path / "serverbin"
    (sb / "backend").mkdir(parents=True)
    (sb / "filter").symlink_to("/usr/lib/cups/filter")
    return CupsDirs(serverbin=sb)


def test_real_chain_into_socket_backend(get_ppd: GetPpd, sink: TcpSink) -> None:
    status = io.BytesIO()
    run_job(
        job(get_ppd("lj2100-pxlmono"), sink.uri), plan_of("pdftopdf", "foomatic-rip"), status=status
    )
    data = sink.wait_for_jobs(1)[0]
    assert data.startswith(b"\x1b%-12345X@PJL")
    assert b") HP-PCL XL" in data
    # PageSize=A4 reached the driver: PCL XL "ubyte 2 (A4) MediaSize"
    assert b"\xc0\x02\xf8\x25" in data
    lines = status.getvalue().decode().splitlines()
    assert any(line.startswith("INFO: Connected to printer") for line in lines)


def test_filters_get_cupsd_argv_and_env(tmp_path: Path, get_ppd: GetPpd) -> None:
    record = tmp_path / "record"
    first = script(tmp_path / "first", f'echo "$@" > {record}.1\nenv > {record}.env\ncat "$6"\n')
    second = script(tmp_path / "second", f'echo "$@" > {record}.2\ncat\n')
    out = tmp_path / "out.prn"
    ppd = get_ppd("lj2100-pxlmono")
    run_job(job(ppd, f"file://{out}"), plan_of(str(first), str(second)), status=io.BytesIO())
    assert out.read_bytes() == TESTPAGE.read_bytes()
    assert (tmp_path / "record.1").read_text().split(" ", 4)[:4] == ["12", "alice", "my", "doc"]
    assert (tmp_path / "record.1").read_text().rstrip().endswith(f"PageSize=A4 {TESTPAGE}")
    assert (tmp_path / "record.2").read_text().rstrip().endswith("PageSize=A4")
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "record.env").read_text().splitlines()
        if "=" in line
    )
    assert env["PPD"] == str(ppd)
    assert env["CONTENT_TYPE"] == "application/pdf"
    assert env["FINAL_CONTENT_TYPE"] == "x/step0"
    assert env["PRINTER"] == "foo"
    assert env["DEVICE_URI"] == f"file://{out}"
    assert env["CUPS_SERVERBIN"] == "/usr/lib/cups"


def test_a_relocated_tree_gives_filters_its_programs_and_driver_paths() -> None:
    snap = Path("/snap/printerapp/1")
    dirs = CupsDirs(snap / "usr/lib/cups", snap / "usr/share/cups", snap / "etc/cups")
    base = {
        "STP_DATA_PATH": f"{snap}/usr/share/gutenprint/5.3/xml",
        "GS_LIB": f"{snap}/usr/share/ghostscript/10.00.0/Resource/Init",
        "LD_LIBRARY_PATH": f"{snap}/usr/lib/x86_64-linux-gnu",
        "TAPO_PASSWORD": "x",
    }
    env = job_environment(job(None, None, dirs), plan_of("a"), base)
    assert env["PATH"].split(":")[:2] == [f"{snap}/usr/lib/cups/filter", f"{snap}/usr/bin"]
    assert {k: env[k] for k in ("STP_DATA_PATH", "GS_LIB", "LD_LIBRARY_PATH")} == {
        k: base[k] for k in ("STP_DATA_PATH", "GS_LIB", "LD_LIBRARY_PATH")
    }
    assert "TAPO_PASSWORD" not in env
    system = job_environment(job(None, None), plan_of("a"), {})
    assert system["PATH"] == "/usr/lib/cups/filter:/usr/local/bin:/usr/bin:/bin"


def test_final_content_type_as_cupsd() -> None:
    assert final_content_type(plan_of("a"), "foo") == "printer/foo"
    assert final_content_type(plan_of("a", "b"), "foo") == "x/step0"
    filter2 = plan_of("a", "-", final="printer/foo")
    filter2 = JobPlan(
        "application/pdf",
        "printer/foo",
        (
            FilterEdge("application/pdf", "printer/foo/application/vnd.cups-pcl", 10, "a"),
            FilterEdge("printer/foo/application/vnd.cups-pcl", "printer/foo", 0, "-"),
        ),
        10,
    )
    assert final_content_type(filter2, "foo") == "application/vnd.cups-pcl"


def test_output_goes_to_stdout_without_device_uri(tmp_path: Path, get_ppd: GetPpd) -> None:
    out = tmp_path / "stdout.prn"
    with out.open("wb") as fh:
        run_job(
            job(get_ppd("lj2100-pxlmono"), None),
            plan_of("pdftopdf", "foomatic-rip"),
            status=io.BytesIO(),
            stdout_fd=fh.fileno(),
        )
    assert out.read_bytes().startswith(b"\x1b%-12345X@PJL")


def test_empty_chain_streams_the_document(sink: TcpSink) -> None:
    run_job(
        job(None, sink.uri), JobPlan("application/pdf", "printer/foo", (), 0), status=io.BytesIO()
    )
    assert sink.wait_for_jobs(1)[0] == TESTPAGE.read_bytes()


def test_null_filters_only_copy_to_file(tmp_path: Path) -> None:
    out = tmp_path / "raw.prn"
    run_job(job(None, f"file:{out}"), plan_of("-"), status=io.BytesIO())
    assert out.read_bytes() == TESTPAGE.read_bytes()


def test_failing_filter_stops_the_chain(tmp_path: Path) -> None:
    bad = script(tmp_path / "bad", 'echo "ERROR: no toner in the script" >&2\nexit 3\n')
    slow = script(tmp_path / "slow", "exec sleep 60\n")
    status = io.BytesIO()
    start = time.monotonic()
    with pytest.raises(FilterFailedError, match="bad exited with status 3"):
        run_job(job(None, f"file:{tmp_path / 'o'}"), plan_of(str(bad), str(slow)), status=status)
    assert time.monotonic() - start < 10
    assert b"ERROR: no toner in the script\n" in status.getvalue()


def test_filter_killed_by_signal(tmp_path: Path) -> None:
    crash = script(tmp_path / "crash", "kill -SEGV $$\n")
    with pytest.raises(FilterFailedError, match="crash was killed by SIGSEGV"):
        run_job(job(None, f"file:{tmp_path / 'o'}"), plan_of(str(crash)), status=io.BytesIO())


def test_missing_filter_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    first = script(tmp_path / "first", f"touch {marker}\ncat\n")
    with pytest.raises(FilterRejectedError, match="no-such-filter"):
        run_job(job(None, None), plan_of(str(first), "no-such-filter"), status=io.BytesIO())
    assert not marker.exists()


def test_group_writable_filter_is_rejected(tmp_path: Path) -> None:
    loose = script(tmp_path / "loose", 'cat "$6"\n', mode=0o775)
    out = tmp_path / "o"
    with pytest.raises(FilterRejectedError, match="loose: writable by group or others"):
        run_job(job(None, f"file:{out}"), plan_of(str(loose)), status=io.BytesIO())
    run_job(job(None, f"file:{out}"), plan_of(str(loose)), status=io.BytesIO(), allow_insecure=True)
    assert out.read_bytes() == TESTPAGE.read_bytes()


def test_filter_in_writable_directory_is_rejected(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    prog = script(shared / "prog", "cat\n")
    with pytest.raises(FilterRejectedError, match="directory is writable"):
        run_job(job(None, None), plan_of(str(prog)), status=io.BytesIO())


def test_not_executable_filter_is_rejected(tmp_path: Path) -> None:
    prog = script(tmp_path / "prog", "cat\n", mode=0o644)
    with pytest.raises(FilterRejectedError, match="not executable"):
        run_job(job(None, None), plan_of(str(prog)), status=io.BytesIO())


def test_path_tricks_are_rejected() -> None:
    with pytest.raises(FilterRejectedError, match="plain program name"):
        run_job(job(None, None), plan_of("../backend/socket"), status=io.BytesIO())


def test_large_stderr_does_not_deadlock(tmp_path: Path) -> None:
    # 200 KiB of status lines while the document also flows through the pipe
    noisy = script(
        tmp_path / "noisy",
        'i=0; while [ $i -lt 4000 ]; do echo "DEBUG: line $i padding padding padding padding" >&2;'
        ' i=$((i+1)); done\ncat "$6"\n',
    )
    out = tmp_path / "o"
    status = io.BytesIO()
    run_job(job(None, f"file:{out}"), plan_of(str(noisy), "pdftopdf"), status=status)
    lines = status.getvalue().splitlines()
    assert len(status.getvalue()) > 64 * 1024
    assert (
        lines[:4000]
        == [f"DEBUG: line {i} padding padding padding padding".encode() for i in range(4000)]
        or sum(1 for line in lines if line.startswith(b"DEBUG: line ")) == 4000
    )
    assert out.read_bytes().startswith(b"%PDF")


def test_backend_failure_code(tmp_path: Path, fake_serverbin: CupsDirs) -> None:
    record = tmp_path / "argv"
    script(
        fake_serverbin.backend_dir / "flaky",
        # argv[0] is invisible to a script (the kernel puts the script path there)
        f'echo "$@|$DEVICE_URI" > {record}\ncat > /dev/null\n'
        'echo "ERROR: printer is off" >&2\nexit 6\n',
    )
    uri = "flaky://user:pw@printer/queue"
    status = io.BytesIO()
    with pytest.raises(BackendError, match="flaky exited with status 6") as info:
        run_job(job(None, uri, fake_serverbin), plan_of("pdftopdf"), status=status)
    assert info.value.exit_code == 6
    args, device_uri = record.read_text().rstrip("\n").split("|")
    assert args == "12 alice my doc 1 media=iso_a4_210x297mm PageSize=A4"
    assert device_uri == uri
    assert b"ERROR: printer is off" in status.getvalue()


def test_failed_exec_is_a_failure(tmp_path: Path) -> None:
    prog = tmp_path / "noexec"
    prog.write_text("#!/nonexistent/interpreter\n")
    prog.chmod(0o755)
    with pytest.raises(FilterFailedError, match="could not be started"):
        run_job(job(None, None), plan_of(str(prog)), status=io.BytesIO())
    assert os.waitid is not None  # no zombie: the autouse leak fixture checks children
