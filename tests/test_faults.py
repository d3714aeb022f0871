"""Faults survived: a full disk, Ctrl-C, an unusable cache, two runs at once, other I/O errors.

Each case ends in one located line and the right exit status, never a traceback, and the
previous set of outputs is left byte for byte as it was.
"""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from geo_coverage import settings
from geo_coverage.apps import cli
from geo_coverage.outputs import export
from geo_coverage.pipeline import run


@pytest.fixture
def done(demo_copy):
    """The demo run once: its config and the bytes of every output it wrote."""
    folder = run(demo_copy).outputs[0].parent
    return demo_copy, folder, snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def cli_run(config: Path, capsys) -> tuple[int, str]:
    code = cli.main(["-q", "run", str(config)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]


def fail_on(monkeypatch, writer: str, name: str, exc: BaseException) -> None:
    """Make ``export.<writer>`` raise ``exc`` when it writes the file ``name``."""
    real = getattr(export, writer)

    def faulty(*args, **kwargs):
        if Path(args[-1]).name == name:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(export, writer, faulty)


def test_a_full_disk_is_told_with_the_folder_and_the_space_needed(done, monkeypatch, capsys):
    config, folder, before = done
    full = OSError(errno.ENOSPC, "No space left on device", str(folder / "map.html"))
    fail_on(monkeypatch, "save_text", "map.html", full)
    code, text = cli_run(config, capsys)
    assert code == 2 and "Traceback" not in text
    assert "the disk is full" in text and str(folder.parent) in text
    assert "the last outputs of this city took" in text and "unchanged" in text
    assert snapshot(folder) == before and leftovers(folder) == []


def test_too_little_space_is_refused_before_anything_is_written(done, monkeypatch, capsys):
    config, folder, before = done
    monkeypatch.setattr(export, "_free_bytes", lambda _folder: 1024)
    code, text = cli_run(config, capsys)
    assert code == 2 and "0 MB free, but the last outputs of this city took" in text
    assert snapshot(folder) == before and leftovers(folder) == []


def test_ctrl_c_prints_one_line_and_leaves_the_previous_set(done, monkeypatch, capsys):
    config, folder, before = done
    fail_on(monkeypatch, "save_gpkg", "gaps.gpkg", KeyboardInterrupt())
    code, text = cli_run(config, capsys)
    assert code == 130 and "Traceback" not in text
    assert text.strip() == f"stopped; the previous outputs in {folder} are unchanged"
    assert snapshot(folder) == before and leftovers(folder) == []


def test_permission_denied_mid_run_is_one_located_line(done, monkeypatch, capsys):
    config, folder, before = done
    denied = PermissionError(errno.EACCES, "Permission denied", str(folder / "gaps.csv"))
    fail_on(monkeypatch, "save_csv", "gaps.csv", denied)
    code, text = cli_run(config, capsys)
    assert code == 2 and "Traceback" not in text
    assert "gaps.csv: permission denied while writing the outputs" in text
    assert snapshot(folder) == before and leftovers(folder) == []


def test_a_folder_removed_during_the_run_is_one_located_line(done, monkeypatch, capsys):
    import shutil

    config, folder, before = done
    real = export.save_text

    def remove_then_write(text, path):
        if Path(path).name == "map.html":
            shutil.rmtree(Path(path).parent)  # someone deletes the staging folder by hand
        return real(text, path)

    monkeypatch.setattr(export, "save_text", remove_then_write)
    code, text = cli_run(config, capsys)
    assert code == 2 and "Traceback" not in text and "a folder disappeared" in text
    assert snapshot(folder) == before


def test_an_unusable_cache_folder_warns_once_and_the_run_goes_on(
    demo_copy, tmp_path, monkeypatch, caplog
):
    from geo_coverage import utils

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setattr(settings, "cache_folder", blocker / "cache")
    monkeypatch.setattr(utils, "_CACHE_WARNED", set())
    with caplog.at_level("WARNING", logger="geo_coverage"):
        result = run(demo_copy)
    assert {p.name for p in result.outputs} >= {"map.html", "report.docx"}
    notes = [r.getMessage() for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(notes) == 1 and "goes on without caching" in notes[0]  # the network and grid


def test_a_full_cache_disk_runs_without_the_cache(demo_copy, tmp_path, monkeypatch, caplog):
    from geo_coverage import utils
    from geo_coverage.network import streets

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(utils, "_CACHE_WARNED", set())

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(streets, "save_network", full)
    with caplog.at_level("WARNING", logger="geo_coverage"):
        result = run(demo_copy)
    assert result.outputs and any("No space left" in r.getMessage() for r in caplog.records)


def test_another_run_writing_the_folder_is_waited_for_then_refused(done, monkeypatch, capsys):
    config, folder, before = done
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = folder.parent / f".{folder.name}.lock"
        lock.write_text(str(writer.pid), encoding="ascii")
        monkeypatch.setattr(settings, "lock_wait_s", 0.5)
        code, text = cli_run(config, capsys)
        assert code == 2 and f"another run (pid {writer.pid}) is writing this output folder" in text
        assert snapshot(folder) == before
    finally:
        writer.kill()
        writer.wait()
    # the holder is gone: its lock is taken over and the run writes its set
    code, _ = cli_run(config, capsys)
    assert code == 0 and not lock.exists()


@pytest.mark.slow
def test_two_runs_of_one_config_at_once_leave_one_complete_set(done):
    config, folder, before = done
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "geo_coverage", "-q", "run", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    after = snapshot(folder)
    assert set(after) == set(before)  # one whole set, nothing missing, nothing extra
    for name in ("scorecard.json", "gaps.csv", "scorecard.md"):
        assert after[name] == before[name], name  # same inputs: the same files
    assert leftovers(folder) == []
