"""Logging and progress helpers shared by every stage."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from . import settings

T = TypeVar("T")

_LOGGER = logging.getLogger("geo_coverage")


def log(message: str, level: int | None = None) -> None:
    """Log a status message through the ``geo_coverage`` logger.

    Parameters
    ----------
    message
        The text to log.
    level
        A ``logging`` level; defaults to ``settings.log_level``.
    """
    _LOGGER.log(settings.log_level if level is None else level, message)


def progress(items: Iterable[T], *, desc: str, total: int | None = None) -> Iterator[T]:
    """Wrap an iterable in a tqdm progress bar when ``settings.show_progress`` is on.

    Parameters
    ----------
    items
        What to iterate over.
    desc
        The bar's label.
    total
        Number of items, when ``items`` has no ``len``.
    """
    if not settings.show_progress:
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=desc, total=total, leave=False)


@contextlib.contextmanager
def timed(stage: str, timings: dict[str, float]) -> Iterator[None]:
    """Add the wall time of the ``with`` block to ``timings[stage]`` and log it.

    Parameters
    ----------
    stage
        The stage's name, e.g. "network".
    timings
        Where the seconds are added up.
    """
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        timings[stage] = timings.get(stage, 0.0) + seconds
        log(f"{stage}: {seconds:.2f} s", logging.DEBUG)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Readers never see a half-written file, concurrent writers leave one whole file, and
    a failed write leaves the previous file (and no temporary one) behind: the one way
    every output and cache entry is written.

    Parameters
    ----------
    path
        The final file.
    suffix
        The temporary file's suffix; default the final one, so writers that go by the
        suffix (GDAL, rasterio, pandas) pick the right format.

    Yields
    ------
    pathlib.Path
        Where to write (it does not exist yet: GDAL refuses to overwrite an empty file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=path.suffix if suffix is None else suffix, dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through ``atomic_path`` with ``write(temporary path)``.

    The temporary name ends in ``.tmp``, so cache folders that list ``*.npz`` never
    see an entry being written.
    """
    with atomic_path(path, suffix=".tmp") as tmp:
        write(tmp)


_CACHE_WARNED: set[str] = set()


def cache_write(path: Path, write: Callable[[Path], None]) -> bool:
    """Write a cache entry atomically; if the cache folder is unusable, warn once and go on.

    The cache only saves time: a cache folder under a file, read-only, or on a full disk
    must never stop a run. Returns whether the entry was written.
    """
    try:
        write_atomically(path, write)
        return True
    except OSError as exc:
        folder = str(path.parent.parent)
        if folder not in _CACHE_WARNED:
            _CACHE_WARNED.add(folder)
            log(
                f"the cache folder {folder} cannot be written ({exc.strerror or exc}); this run "
                "goes on without caching (set GEO_COVERAGE_CACHE to a writable folder)",
                logging.WARNING,
            )
        return False


DAMAGED_ENTRY = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
"""What reading a truncated, foreign or half-written ``.npz`` cache entry raises."""


def save_npz(path: Path, **arrays: NDArray[Any]) -> None:
    """Write plain arrays as an uncompressed ``.npz`` (the format of every cache entry)."""
    with path.open("wb") as f:
        named: dict[str, Any] = dict(arrays)  # (so no name is read as savez's own options)
        np.savez(f, **named)


def load_npz(path: Path) -> dict[str, NDArray[Any]]:
    """Read every array of an ``.npz`` written by ``save_npz``; never unpickles anything.

    Raises
    ------
    OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile
        The entry is damaged (``DAMAGED_ENTRY``).
    """
    with path.open("rb") as f, np.load(f, allow_pickle=False) as saved:
        return {name: saved[name] for name in saved.files}
