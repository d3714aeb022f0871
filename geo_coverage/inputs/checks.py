"""Checks run before anything is computed: every input file exists and can be read.

(The output folder is checked by ``outputs.export.check_output_folder``; whether the
layers' coordinate systems fit the streets, once the network is built, by
``network.fitness``.)
"""

from __future__ import annotations

from pathlib import Path

from .._errors import ConfigError
from ..config import CityConfig


def preflight(config: CityConfig) -> None:
    """Check what a run needs before computing anything; raise on the first problem.

    Every configured input file exists and can be read (the output folder is checked
    by ``export.check_output_folder``).

    Parameters
    ----------
    config
        The city config.

    Raises
    ------
    ConfigError
        One line naming the path, what is wrong and how to fix it.
    """
    inputs = []
    if config.network.path is not None:
        inputs.append(("network.path", Path(config.network.path)))
    inputs += [(f"layers.{kind}.path", path) for kind, path in config.layer_files().items()]
    for key, path in inputs:
        _check_readable(key, path)


def _check_readable(key: str, path: Path) -> None:
    if not path.exists():
        msg = f"{path}: file not found; check {key} in the config"
        raise ConfigError(msg)
    if path.is_dir():
        msg = f"{path}: is a folder, not a file; check {key} in the config"
        raise ConfigError(msg)
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror}); check the file's permissions ({key})"
        raise ConfigError(msg) from None
