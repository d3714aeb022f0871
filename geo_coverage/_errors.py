"""Exception classes raised by geo_coverage; the CLI turns them into one readable line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

ROW_COL = "source_row"
"""Column holding each feature's row as the user sees it in the source file."""


class GeoCoverageError(Exception):
    """Base class of every error geo_coverage raises on purpose (not a bug)."""


class ConfigError(GeoCoverageError, ValueError):
    """The city config file is missing, broken YAML, or fails the schema."""


class NetworkError(GeoCoverageError, ValueError):
    """The walking network cannot be built from the configured source."""


class OutputError(GeoCoverageError, OSError):
    """The outputs cannot be written (a full disk, no permission, a folder removed, a lock)."""


@dataclass(frozen=True)
class Finding:
    """One problem found in an input layer, located as precisely as possible.

    Parameters
    ----------
    file
        Path of the input file as written in the config (or resolved).
    row
        1-based row as the user sees it (the spreadsheet row for CSV/XLSX, where
        the header is row 1; the feature number for GIS files), or None for the
        whole layer.
    column
        Column (header) name in the user's file, or None.
    message
        What is wrong and how to fix it.
    message_zh
        The same in Chinese, for the workbench page and planners ("" where not written).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    message_zh: str = ""

    def as_given(self, given: Mapping[str, str]) -> Finding:
        """The finding with its file named as the config names it (``given``: path -> text).

        A file the config does not name (a member of a zip, say) is named by its file
        name only, so no output shows where on the machine it lies.
        """
        shown = given.get(self.file) or Path(self.file).name or self.file
        return replace(self, file=shown)

    def __str__(self) -> str:
        return self.text("en")

    def text(self, language: str = "en") -> str:
        """The located finding as one line, in Chinese where a Chinese message is written."""
        zh = language == "zh" and bool(self.message_zh)
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行" if zh else f"row {self.row}")
        if self.column is not None:
            where.append(f"“{self.column}”列" if zh else f"column '{self.column}'")
        if zh:
            return f"{'，'.join(where)}：{self.message_zh}"
        return f"{', '.join(where)}: {self.message}"


class LayerError(GeoCoverageError, ValueError):
    """One or more input layers are invalid; carries every finding, not only the first."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = list(findings)
        n = len(self.findings)
        head = f"{n} problem{'s' if n != 1 else ''} in the input layers:"
        super().__init__("\n".join([head, *(f"  - {f}" for f in self.findings)]))
