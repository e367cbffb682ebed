"""The job's private CUPS_SERVERROOT, where cupsGetPPD(printer) finds the job's PPD."""

from __future__ import annotations

from pathlib import Path

from printerapp.ippprint.serverroot import job_serverroot


def test_private_root_links_the_ppd_and_the_real_entries(tmp_path: Path) -> None:
    real = tmp_path / "etc-cups"
    (real / "ppd").mkdir(parents=True)
    (real / "snmp.conf").write_text("Community public\n")
    ppd = tmp_path / "queue.ppd"
    ppd.write_text('*PPD-Adobe: "4.3"\n')
    with job_serverroot(real, "Epson_ET_2750", ppd, str(tmp_path)) as root:
        assert root is not None
        assert (root / "ppd" / "Epson_ET_2750.ppd").read_text() == ppd.read_text()
        assert (root / "snmp.conf").read_text() == "Community public\n"
        assert sorted(p.name for p in (root / "ppd").iterdir()) == ["Epson_ET_2750.ppd"]
    assert not root.exists()


def test_no_private_root_without_a_ppd_or_with_an_unsafe_name(tmp_path: Path) -> None:
    ppd = tmp_path / "queue.ppd"
    ppd.write_text("x")
    for printer, path in (("q", None), ("../q", ppd), (".q", ppd), ("", ppd)):
        with job_serverroot(tmp_path, printer, path, str(tmp_path)) as root:
            assert root is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["queue.ppd"]
