"""`dmlint explain RULE --guest ID`: each catalogue figure for the guest with its source URL
and confidence mark. Expected lines are written by hand from rules/data/guest_os.yaml."""

from __future__ import annotations

from conftest import run_cli

HW = "https://learn.microsoft.com/windows-server/get-started/hardware-requirements"


def _guest_part(output: str) -> str:
    return output[output.index("Guest OS "):]


def test_win2k25_figures_with_source_and_confidence():
    result = run_cli("explain", "DM201", "--guest", "win2k25")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("DM201 startup-below-guest-minimum (error)")
    assert _guest_part(result.output).splitlines()[:7] == [
        "Guest OS Windows Server 2025 (Desktop Experience) (catalogue entry win2k25); figures with source and confidence:",
        "  minimum RAM to install (DM201): 2048 MB",
        f"      verified  {HW}",
        "      note: 4 GB recommended",
        "  minimum RAM to install, Server Core (write win2k25-core): 2048 MB",
        f"      verified  {HW}?tabs=ram&pivots=windows-server-2025",
        "      note: setup in a VM needs 1,280 MB or more",
    ]
    part = _guest_part(result.output)
    assert "  dynamic memory (DM202): supported\n      inferred  https://learn.microsoft.com/" in part
    assert "  BPA floors with dynamic memory (DM206): no Best Practices Analyzer memory rule for this OS\n      verified  " in part


def test_every_figure_line_has_a_mark_and_an_url():
    for guest in ("win11", "rocky9", "freebsd15", "ubuntu24.04-desktop", "win7-professional", "sle15sp6"):
        lines = _guest_part(run_cli("explain", "DM202", "--guest", guest).output).splitlines()[1:]
        figures = [l for l in lines if l.startswith("  ") and not l.startswith("      ")]
        marks = [l.split()[0:2] for l in lines if l.startswith("      ") and not l.startswith("      note:")]
        assert len(figures) == len(marks) >= 3, (guest, lines)
        for mark, url in marks:
            assert mark in ("verified", "secondary", "inferred", "unverified") and url.startswith("https://"), (guest, mark, url)


def test_windows_11_requirements_are_listed():
    part = _guest_part(run_cli("explain", "DM205", "--guest", "win11").output)
    assert "  virtual-machine requirements (DM205): generation 2, startup 4096 MB, Secure Boot, a virtual TPM, 2+ virtual processors\n" \
           "      verified  https://learn.microsoft.com/windows/whats-new/windows-11-requirements" in part


def test_unknown_guest_is_a_usage_error_and_prints_no_doc():
    result = run_cli("explain", "DM201", "--guest", "win2019")
    assert result.exit_code == 2
    assert "guest OS 'win2019' is not in the catalogue (did you mean 'win2k19'?)" in result.output
    assert "What it does" not in result.output
