"""``geo-coverage compare OLD NEW``: this year's run against last year's (年度监测、中期评估).

Reads two output folders of the same place under the same thresholds (each run's
``scorecard.json`` records them) and writes, all or nothing, into a third:

- ``progress.xlsx`` and ``progress.md``: per indicator the old and new value, the change,
  the target with its year and level, and whether the place is on track;
- ``progress_changes.csv`` (and a sheet): the compounds whose status changed, appeared
  or disappeared;
- ``progress_map.html``: those compounds on a map, coloured by their new status.

Two runs of different places, profiles or thresholds are refused, naming the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._errors import ConfigError
from ..outputs.export import (
    check_output_folder,
    markdown_table,
    markdown_text,
    save_csv,
    save_text,
    save_xlsx,
    staged_folder,
)
from ..outputs.maps import change_words, changes_map, map_html
from ..outputs.tables import changes_table, progress_table
from ..text import of, pick
from ..utils import log


@dataclass(frozen=True)
class RunRecord:
    """What ``compare`` reads of one output folder.

    Attributes
    ----------
    folder
        The output folder.
    city, profile
        The place and the standards profile of the run.
    thresholds
        Every threshold and place setting the run applied (``export.threshold_values``).
    indicators
        One row per scorecard indicator (``scorecard.json``).
    compounds
        ``id``, ``name``, ``status`` and geometry of every compound (WGS84; from
        ``gaps.gpkg``), or None when the run wrote no GeoPackage.
    """

    folder: Path
    city: str
    profile: str
    thresholds: dict[str, object]
    indicators: pd.DataFrame
    compounds: gpd.GeoDataFrame | None


def read_run(folder: str | Path) -> RunRecord:
    """Read the scorecard and compound statuses a run wrote into ``folder``.

    Raises
    ------
    ConfigError
        The folder is not a geo_coverage output folder, or is from a version that did
        not record its thresholds.
    """
    folder = Path(folder)
    card = folder / "scorecard.json"
    if not card.is_file():
        msg = f"{folder}: no scorecard.json here; give the output folder of a run (maps/<city>)"
        raise ConfigError(msg)
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{card}: cannot be read ({exc}); run the city again to rewrite it"
        raise ConfigError(msg) from None
    if "thresholds" not in data:
        msg = (
            f"{card}: written by an older geo_coverage that did not record its thresholds; "
            "run the city again with this version, then compare"
        )
        raise ConfigError(msg)
    gpkg = folder / "gaps.gpkg"
    compounds = None
    if gpkg.is_file():
        try:
            compounds = gpd.read_file(gpkg, layer="communities", engine="pyogrio")
            compounds = compounds[["id", "name", "status", "geometry"]]
        except Exception as exc:  # a damaged or foreign file: say which, not a traceback
            msg = f"{gpkg}: cannot read its communities layer ({exc}); run the city again"
            raise ConfigError(msg) from None
        compounds["id"] = compounds["id"].astype(str)
    return RunRecord(
        folder,
        str(data["city"]),
        str(data["profile"]),
        dict(data["thresholds"]),
        pd.DataFrame(data["indicators"]),
        compounds,
    )


def differences(old: RunRecord, new: RunRecord) -> list[str]:
    """Why two runs cannot be compared: a different place, profile or threshold.

    Returns
    -------
    list of str
        One line per difference (empty when they compare), e.g.
        ``care_circle_min: 15.0 -> 10.0``.
    """
    found = []
    if old.city != new.city:
        found.append(f"place: {old.city} -> {new.city}")
    if old.profile != new.profile:
        found.append(f"standards profile: {old.profile} -> {new.profile}")
    for key in sorted(set(old.thresholds) | set(new.thresholds)):
        a, b = old.thresholds.get(key), new.thresholds.get(key)
        if a != b:
            found.append(f"{key}: {a} -> {b}")
    return found


def changed_compounds(old: RunRecord, new: RunRecord) -> gpd.GeoDataFrame:
    """The compounds whose status changed between the runs, or that appeared or went.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``name``, ``old_status``, ``new_status`` ("" when absent from that run)
        and geometry (the new run's, else the old's), sorted by id.
    """
    if old.compounds is None or new.compounds is None:
        missing = old.folder if old.compounds is None else new.folder
        msg = (
            f"{missing}: no gaps.gpkg, so compounds cannot be compared; run with 'gpkg' "
            "in outputs.formats"
        )
        raise ConfigError(msg)
    merged = pd.merge(
        old.compounds.drop(columns="geometry").rename(columns={"status": "old_status"}),
        new.compounds.rename(columns={"status": "new_status", "name": "new_name"}),
        on="id",
        how="outer",
    )
    merged["name"] = merged["new_name"].fillna(merged["name"])
    where_old = old.compounds.set_index("id").geometry
    geometry = merged["geometry"].where(merged["geometry"].notna(), merged["id"].map(where_old))
    merged = merged.fillna({"old_status": "", "new_status": ""})
    moved = merged["old_status"] != merged["new_status"]
    out = gpd.GeoDataFrame(
        merged.loc[moved, ["id", "name", "old_status", "new_status"]],
        geometry=geometry[moved].to_numpy(),
        crs=new.compounds.crs,
    )
    return out.sort_values("id").reset_index(drop=True)


def compare_runs(
    old_folder: str | Path,
    new_folder: str | Path,
    out_folder: str | Path,
    *,
    language: str = "zh",
) -> tuple[Path, ...]:
    """Compare two runs of a place and write the progress table, changes and map.

    Parameters
    ----------
    old_folder, new_folder
        Output folders of the earlier and the later run (e.g. maps/demo-2024, maps/demo).
    out_folder
        Where the comparison goes (replaced as a whole, like a run's outputs).
    language
        {"zh", "en"}

    Returns
    -------
    tuple of Path
        The files written.

    Raises
    ------
    ConfigError
        A folder is not a run's, or the two runs differ in place, profile or thresholds
        (every difference named).
    """
    old, new = read_run(old_folder), read_run(new_folder)
    found = differences(old, new)
    if found:
        msg = (
            f"{old.folder} and {new.folder} cannot be compared: "
            + "; ".join(found)
            + ". Run both with the same config thresholds (or compare runs of one place)"
        )
        raise ConfigError(msg)
    table = progress_table(old.indicators, new.indicators, language=language)
    changes = changed_compounds(old, new)
    words = {k: of(v, language) for k, v in change_words().items()}
    periods = (pick(language, "上期状态", "before"), pick(language, "本期状态", "now"))
    shown = changes_table(changes, words, periods=periods, language=language)
    out = Path(out_folder)
    check_output_folder(out)
    names = ["progress.xlsx", "progress.md", "progress_changes.csv", "progress_map.html"]
    with staged_folder(out) as stage:
        save_xlsx(
            {
                pick(language, "进展", "progress"): table,
                pick(language, "变化小区", "changes"): shown,
            },
            stage / names[0],
        )
        save_text(_markdown(table, old, new, len(changes), language), stage / names[1])
        save_csv(shown, stage / names[2])
        fmap = changes_map(changes, city=new.city, language=language, context=new.compounds)
        save_text(map_html(fmap), stage / names[3])
    written = tuple(out / n for n in names)
    for path in written:
        log(f"wrote {path}")
    return written


def _markdown(
    table: pd.DataFrame, old: RunRecord, new: RunRecord, n_changed: int, language: str
) -> str:
    """progress.md: the table, which runs it compares, how many compounds changed."""
    city = markdown_text(new.city)
    title = pick(language, f"# {city} 年度监测：进展对照", f"# {city}: progress")
    runs = markdown_text(f"{old.folder.name} → {new.folder.name} ({new.profile})")
    lines = [
        title,
        "",
        pick(language, f"对照：{runs}", f"Runs compared: {runs}"),
        "",
        *markdown_table(table),
    ]
    lines += [
        "",
        pick(
            language,
            f"状态变化的小区：{n_changed} 个（见 progress_changes.csv 与 progress_map.html）",
            f"Compounds whose status changed: {n_changed} (progress_changes.csv, "
            "progress_map.html)",
        ),
    ]
    return "\n".join(lines) + "\n"


__all__ = [
    "RunRecord",
    "changed_compounds",
    "compare_runs",
    "differences",
    "read_run",
]
