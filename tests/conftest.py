"""Shared fixtures: the demo city, a scratch copy of it, and the shared OSM extracts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo_coverage import settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"

requires_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason="../shared/data (real OSM extracts of Chinese districts) is not beside this clone; "
    "CI always has it",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads ../shared (``requires_shared``) as ``shared``."""
    for item in items:
        if any(
            m.kwargs.get("reason") == requires_shared.kwargs["reason"]
            for m in item.iter_markers("skipif")
        ):
            item.add_marker(pytest.mark.shared)


@pytest.fixture(autouse=True)
def _quiet_settings(tmp_path_factory, monkeypatch):
    """No progress bars, and a private network cache per test session."""
    monkeypatch.setattr(settings, "show_progress", False)
    monkeypatch.setattr(settings, "cache_folder", tmp_path_factory.getbasetemp() / "cache")


@pytest.fixture
def demo_config_path() -> Path:
    return ROOT / "configs" / "demo.yaml"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A scratch copy of configs/demo.yaml and layers/demo, safe to edit; returns the config."""
    shutil.copytree(ROOT / "layers" / "demo", tmp_path / "layers" / "demo")
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "demo.yaml", tmp_path / "configs" / "demo.yaml")
    return tmp_path / "configs" / "demo.yaml"


@pytest.fixture(scope="session")
def demo_result(tmp_path_factory):
    """One run of the unchanged demo city (outputs written), shared by tests that only read it.

    A test that edits the demo uses ``demo_copy`` and runs it itself.
    """
    from geo_coverage.pipeline import run

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "layers" / "demo", root / "layers" / "demo")
    (root / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "demo.yaml", root / "configs" / "demo.yaml")
    with pytest.MonkeyPatch.context() as patch:  # the session's settings, as every test's
        patch.setattr(settings, "show_progress", False)
        patch.setattr(settings, "cache_folder", tmp_path_factory.getbasetemp() / "cache")
        return run(root / "configs" / "demo.yaml")


def assess_on(network, layers, standards, **reach_options):
    """Reach and assess ``layers`` on ``network``: the two stages a run chains."""
    from geo_coverage.assess.verdicts import assess
    from geo_coverage.reach.walks import reach_city

    return assess(reach_city(network, layers, standards, **reach_options), layers, standards)
