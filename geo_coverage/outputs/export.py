"""Write gap lists, scorecards and maps: CSV (UTF-8 with BOM), XLSX, GeoPackage, JSON, Markdown.

Every file is written to a temporary name in the target folder and renamed into
place only when complete, so an interrupted or failed run never leaves a
half-written file over an earlier good one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import settings
from .._errors import ConfigError, Finding, OutputError
from ..assess.indicators import format_target, format_value
from ..assess.verdicts import Assessment, community_status
from ..config import CityConfig
from ..coords import WGS84
from ..reach.isochrones import TravelTimes, for_display
from ..reach.routes import walk_routes
from ..results import Result
from ..scenarios import ranking
from ..siting import SitingResult
from ..standards import FACILITY_TYPES, THRESHOLD_KEYS, Standards
from ..text import (
    LOAD_TEXT,
    REPORT_TEXT,
    SCENARIO_TEXT,
    SCORECARD_COLUMNS,
    of,
    pick,
    position,
)
from ..utils import atomic_path, log
from .maps import (
    DISPLAY_TOLERANCE_M,
    build_map,
    change_words,
    map_html,
    status_labels,
)
from .qgis_styles import layer_styles, raster_ramp
from .report import ReportInputs, docx_to_pdf, office_command, report_document, save_report
from .tables import (
    changes_table,
    gap_table,
    load_table,
    progress_table,
    ranking_table,
    rural_table,
    scorecard_table,
    sites_table,
    warnings_table,
)

BATCH_STAMP = ".geo_coverage_stamp.json"
"""The batch runner's record of a city's last run (hash of inputs and tool, outcome)."""


OUTPUT_NAMES = frozenset(
    {
        "map.html",
        "gaps.csv",
        "gaps.xlsx",
        "gaps.gpkg",
        "scorecard.json",
        "scorecard.md",
        "scorecard.csv",
        "sites.csv",
        "sites.xlsx",
        "sites.gpkg",
        "network_quality.json",
        "report.docx",
        "report.pdf",
        BATCH_STAMP,
        "scenarios.xlsx",
        "scenarios.md",
        # geo-coverage compare
        "progress.xlsx",
        "progress.md",
        "progress_changes.csv",
        "progress_map.html",
    }
)
"""Every file a run (or the batch runner) writes into a city's output folder."""


OUTPUT_PATTERNS = ("travel_time_*.tif", "travel_time_*.qml")
"""Output files named after the facility groups."""


def check_output_folder(folder: Path) -> None:
    """Check before a run that its outputs can be written to ``folder``.

    The folder can be created and written (it is not a file, its parent is writable)
    and holds nothing geo_coverage did not write (a run replaces the whole folder).

    Raises
    ------
    ConfigError
        One line naming the folder, what is wrong and how to fix it.
    """
    _check_writable_folder(folder)
    foreign = foreign_files(folder)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        msg = (
            f"{folder}: the output folder holds files geo_coverage did not write "
            f"({shown}); a run replaces the whole folder, so set outputs.folder to a folder "
            "of its own"
        )
        raise ConfigError(msg)


def _check_writable_folder(folder: Path) -> None:
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        msg = (
            f"{folder}: cannot hold the outputs, because {existing} is a file; set "
            "outputs.folder to a folder (or remove the file)"
        )
        raise ConfigError(msg)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".geo_coverage_probe_", dir=folder.parent)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        msg = (
            f"{folder}: the output folder cannot be written ({exc.strerror}); set "
            "outputs.folder to a folder you can write to"
        )
        raise ConfigError(msg) from None


def foreign_files(folder: str | Path) -> list[str]:
    """Names in ``folder`` that geo_coverage did not write (the run must not replace them)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name not in OUTPUT_NAMES and not any(p.match(g) for g in OUTPUT_PATTERNS)
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_output_folder(folder: str | Path) -> None:
    """Undo what an interrupted run left beside ``folder``.

    A run killed between the two renames of the swap leaves the previous set as
    ``.<name>.previous`` and no ``folder``: it is put back. Staging folders of runs
    that are no longer alive are removed; those of a run still going are left alone.
    """
    folder = Path(folder)
    previous = folder.parent / f".{folder.name}.previous"
    if previous.is_dir():
        if folder.exists():
            shutil.rmtree(previous, ignore_errors=True)
        else:
            previous.rename(folder)
    for staging in folder.parent.glob(f".{folder.name}.staging-*"):
        pid = staging.name.rsplit("-", 2)[-2] if staging.name.count("-") >= 2 else ""
        if not pid.isdigit() or not _pid_alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)
    lock = folder.parent / f".{folder.name}.lock"  # the lock of a run that was killed
    try:
        holder = lock.read_text(encoding="ascii").strip()
    except OSError:
        holder = ""
    if lock.exists() and (not holder.isdigit() or not _pid_alive(int(holder))):
        lock.unlink(missing_ok=True)


@contextlib.contextmanager
def staged_folder(folder: str | Path) -> Iterator[Path]:
    """Yield an empty folder beside ``folder``; on success it replaces ``folder`` as a whole.

    All outputs of a run are written into the staging folder; only when every
    file is complete is the old set moved aside and the new one renamed into place
    (two renames on the same disk), and the old set deleted. A failure or a kill
    before that leaves the previous set untouched; ``recover_output_folder`` (run
    at the start of every run) restores it if the kill fell between the renames.

    Parameters
    ----------
    folder
        The output folder; it may not hold files geo_coverage did not write.

    Yields
    ------
    pathlib.Path
        The staging folder to write into.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(folder):
        recover_output_folder(folder)
        with _swapped_in(folder) as staging:
            yield staging


@contextlib.contextmanager
def _swapped_in(folder: Path) -> Iterator[Path]:
    """The staging folder of ``staged_folder``: renamed onto ``folder`` on success."""
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.staging-{os.getpid()}-", dir=folder.parent)
    )
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; outputs are for sharing
    try:
        yield staging
        previous = folder.parent / f".{folder.name}.previous"
        if folder.exists():
            folder.rename(previous)
        staging.rename(folder)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold ``.<folder>.lock`` (with this process's id) while writing ``folder``.

    Two runs of one config (two colleagues, a cron job and a person) never swap their sets
    in at once: the second waits for the first (``settings.lock_wait_s``), saying so, then
    writes its own complete set. A lock left by a process that is gone is taken over.

    Raises
    ------
    OutputError
        Another run still holds the lock after the wait.
    """
    lock = folder.parent / f".{folder.name}.lock"
    deadline = time.monotonic() + settings.lock_wait_s
    said = False
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                holder = int(lock.read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if (holder and not _pid_alive(holder)) or holder == os.getpid():
                lock.unlink(missing_ok=True)  # left by a run that is gone
                continue
            if time.monotonic() > deadline:
                msg = (
                    f"{folder}: another run (pid {holder}) is writing this output folder; wait "
                    f"for it to finish (or remove {lock.name} if no such run is going)"
                )
                raise OutputError(msg) from None
            if not said:
                log(f"another run (pid {holder}) is writing {folder}; waiting for it to finish")
                said = True
            time.sleep(0.2)
    try:
        os.write(fd, str(os.getpid()).encode("ascii"))
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _folder_bytes(folder: Path) -> int:
    """Bytes held by the files of ``folder`` (0 when there is none)."""
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _free_bytes(folder: Path) -> int:
    """Free bytes on the disk that holds (or will hold) ``folder``."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def output_problem(exc: BaseException, folder: Path, needed: int) -> OutputError | None:
    """A located ``OutputError`` for a failure while writing ``folder``, or None (a bug).

    A full disk is told with its free space and what the last set of this city took; no
    permission, a folder removed during the run, and any other ``OSError`` are each one
    line naming the file. The previous set is untouched in every case.
    """
    free = _free_bytes(folder)
    mb = 2**20
    full = getattr(exc, "errno", None) == errno.ENOSPC or free < 4 * mb
    if full:
        last = f"; the last outputs of this city took {needed / mb:,.0f} MB" if needed else ""
        return OutputError(
            f"{folder.parent}: the disk is full ({free / mb:,.0f} MB free{last}); free some "
            "space or set outputs.folder to another disk. The previous outputs are unchanged"
        )
    if not isinstance(exc, OSError):
        return None
    where = exc.filename or folder
    if isinstance(exc, PermissionError):
        return OutputError(
            f"{where}: permission denied while writing the outputs; choose a folder you may "
            "write (outputs.folder). The previous outputs are unchanged"
        )
    if isinstance(exc, FileNotFoundError):
        return OutputError(
            f"{where}: a folder disappeared while the run wrote its outputs (removed by hand?); "
            "run again. The previous outputs are unchanged"
        )
    return OutputError(
        f"{where}: cannot write the outputs ({exc.strerror or exc}). The previous outputs are "
        "unchanged"
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a text cell starting with one of these as a formula (OWASP CSV injection)."""


def inert_text(value: object) -> object:
    """Return ``value`` so that no spreadsheet can read it as a formula.

    Text starting with ``= + - @``, tab or carriage return gets a leading
    apostrophe, the usual guard Excel and LibreOffice show as plain text; numbers
    and other values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def save_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV in UTF-8 with BOM (opens correctly in Excel), atomically.

    Text cells are made formula-inert (see ``inert_text``); the header too.
    """
    safe = table.rename(columns=inert_text)
    for col in safe.columns[[not pd.api.types.is_numeric_dtype(t) for t in safe.dtypes]]:
        safe[col] = safe[col].map(inert_text)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(path)


XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
"""XlsxWriter settings: every text cell is a string, never a formula or a link."""


def save_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables as sheets of one XLSX workbook, atomically.

    Written with XlsxWriter told never to turn text into formulas or links, so text
    from input files that starts with ``=`` is shown as text and never evaluated.
    Headers are frozen and columns sized to their headers.
    """
    engine_kwargs = {"options": XLSX_OPTIONS}
    with (
        atomic_path(path) as tmp,
        pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs=engine_kwargs) as writer,
    ):
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes(1, 0)
            for col, header in enumerate(table.columns):
                sheet.set_column(col, col, min(max(10, 2 * len(str(header)) + 2), 60))
    return Path(path)


def save_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage (for QGIS/ArcGIS), atomically."""
    with atomic_path(path) as tmp:
        for name, gdf in layers.items():
            out = gdf.copy()
            for col in out.columns:
                if out[col].dtype == bool or str(out[col].dtype) == "boolean":
                    out[col] = out[col].astype("Int8")  # GeoPackage has no boolean; NA stays null
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(path)


def save_layer_styles(path: str | Path, styles: dict[str, str], *, stamp: str) -> Path:
    """Store QML styles in a GeoPackage's ``layer_styles`` table, each the layer's default.

    The table is the one QGIS writes itself (and reads when it opens the file); it is
    registered in ``gpkg_contents`` as an attribute table.

    Parameters
    ----------
    path
        The GeoPackage (already written).
    styles
        Layer name -> QML.
    stamp
        ``update_time`` of every style, ``YYYY-MM-DDTHH:MM:SS`` (from the data, not the clock).
    """
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as db, db:
        geometry = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME)"
        )
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'QGIS styles written by geo_coverage', ?)",
            (stamp + ".000Z",),
        )
        for name, qml in styles.items():
            if name not in geometry:
                continue
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                (name, geometry[name], name, qml, "geo_coverage", stamp),
            )
    return Path(path)


def save_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def json_value(value: object) -> object:
    """A JSON-safe scalar: NaN and NA become null, numpy scalars plain Python."""
    if value is None or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def scorecard_json(
    scorecard: pd.DataFrame,
    *,
    city: str,
    profile: str,
    warnings: tuple[Finding, ...] = (),
    standards: Standards | None = None,
) -> str:
    """The scorecard as strict JSON (stable key order, for diffing runs; no data is null).

    With ``standards``, every threshold the run applied is recorded too (``thresholds``),
    so two runs can be told apart before they are compared (``geo-coverage compare``).
    """
    records = [
        {k: json_value(v) for k, v in row.items()} for row in scorecard.to_dict(orient="records")
    ]
    payload: dict[str, object] = {
        "city": city,
        "profile": profile,
    }
    if standards is not None:
        payload["thresholds"] = threshold_values(standards)
    payload |= {
        "indicators": records,
        "warnings": [
            {"file": w.file, "row": w.row, "column": w.column, "message": w.message}
            for w in warnings
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def threshold_values(standards: Standards) -> dict[str, object]:
    """Every threshold and place setting of a run, as JSON values (tuples as lists)."""
    values: dict[str, object] = {}
    for key in (*THRESHOLD_KEYS, "place_level", "population_year", "population_elderly"):
        value = getattr(standards, key)
        values[key] = list(value) if isinstance(value, tuple) else json_value(value)
    values["population_growth"] = json_value(standards.population_growth)
    return values


def scorecard_markdown(
    scorecard: pd.DataFrame,
    *,
    city: str,
    language: str = "zh",
    warnings: tuple[Finding, ...] = (),
) -> str:
    """The scorecard as a Markdown table (shares as percentages, areas in m²), then warnings."""
    table = scorecard_table(scorecard, language=language)
    pos = position(language)
    table[SCORECARD_COLUMNS["measured"][pos]] = [
        format_value(v, u, language=language)
        for v, u in zip(scorecard["measured"], scorecard["unit"], strict=True)
    ]
    table[SCORECARD_COLUMNS["target"][pos]] = [
        format_target(row, language=language) for row in scorecard.to_dict(orient="records")
    ]
    drop = ("unit", "year", "level")  # the target's text states its year and level
    table = table.drop(columns=[SCORECARD_COLUMNS[c][pos] for c in drop])
    name = markdown_text(city)
    title = pick(language, f"# {name} 养老服务设施评估", f"# {name}: elderly-care scorecard")
    lines = [title, "", *markdown_table(table)]
    if warnings:
        lines += ["", pick(language, "## 注意", "## Warnings"), ""]
        lines += [f"- {markdown_text(w.text(language))}" for w in warnings]
    return "\n".join(lines) + "\n"


def markdown_text(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks or raw HTML."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


GEOTIFF_NODATA = -1.0
"""Value of travel-time GeoTIFF cells beyond the largest band."""


def save_geotiff(
    minutes: np.ndarray,
    transform: object,
    crs: object,
    path: str | Path,
    *,
    max_minutes: float,
) -> Path:
    """Write a travel-time surface as a GeoTIFF (float32 minutes), atomically.

    Parameters
    ----------
    minutes
        The surface, rows north to south.
    transform
        Its affine transform.
    crs
        Its CRS (the network's, metres).
    path
        The .tif file.
    max_minutes
        Cells slower than this, or unreached, are nodata (``GEOTIFF_NODATA``).

    Returns
    -------
    pathlib.Path
        The file.
    """
    import rasterio

    data = np.where(minutes <= max_minutes, minutes, GEOTIFF_NODATA).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
        "nodata": GEOTIFF_NODATA,
        "compress": "deflate",
        "predictor": 3,
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "walking minutes to the nearest facility of the group")
    return Path(path)


@dataclass
class _Staged:
    """The staging folder of one output set and the names written into it, in order."""

    folder: Path
    names: list[str] = field(default_factory=list)

    def save(self, name: str, writer: Callable[..., object], *args: object) -> None:
        """Write ``name`` with ``writer(*args, path)`` and record it."""
        writer(*args, self.folder / name)
        self.names.append(name)


GAP_ROUTES_MAX = 2_000
"""Gap compounds whose walk is drawn (the highest priority first)."""


def gap_routes(result: Result) -> gpd.GeoDataFrame:
    """The walk from each gap compound to its nearest care facility (the route behind it).

    One line per gap compound (its entrance with the shortest walk), at most
    ``GAP_ROUTES_MAX``, highest priority first: ``id``, ``name``, ``facility_id``,
    ``facility_name``, ``walk_m``, ``walk_min`` (network CRS). Compounds no care facility
    reaches within the search have no line.
    """
    a = result.assessment
    gaps = a.gaps.head(GAP_ROUTES_MAX)
    rows = a.communities.index[a.communities["id"].isin(gaps["id"])]
    origins = a.origins.reset_index(drop=True)
    best = (
        origins[origins["community"].isin(rows)]
        .sort_values(["community", "walk_m"])
        .drop_duplicates("community")
    )
    care = a.reach.group(a.standards.care_circle_types)
    routes = walk_routes(
        result.network,
        a.reach,
        care,
        best.index.to_numpy(),
        a.facilities.geometry.to_numpy(),
    )
    community = a.reach.origins.community[routes["origin"].to_numpy()]
    com, fac = a.communities, a.facilities
    return gpd.GeoDataFrame(
        {
            "id": com["id"].to_numpy()[community],
            "name": com["name"].to_numpy()[community],
            "facility_id": fac["id"].to_numpy()[routes["facility"].to_numpy()],
            "facility_name": fac["name"].to_numpy()[routes["facility"].to_numpy()],
            "walk_m": routes["walk_m"].round(1).to_numpy(),
            "walk_min": a.standards.walk_min(routes["walk_m"].to_numpy()).round(1),
        },
        geometry=routes.geometry.to_numpy(),
        crs=routes.crs,
    )


def _write_set(config: CityConfig, result: Result, shown: gpd.GeoDataFrame, day: str) -> list[str]:
    """Write every output into a staging folder and swap it in (``staged_folder``)."""
    routes = gap_routes(result)
    with staged_folder(config.output_folder) as folder:
        stage = _Staged(folder)
        _write_tables(config, result, shown, day, stage, routes)
        if result.travel_times is not None:
            stage.names += _write_surfaces(
                result.travel_times,
                result.assessment,
                result.isochrones.crs,
                folder,
                config.outputs.language,
            )
        if result.network_quality is not None:
            quality = json.dumps(result.network_quality, indent=2) + "\n"
            stage.save("network_quality.json", save_text, quality)
        if result.scenarios:
            stage.save(
                "scenarios.xlsx", save_xlsx, _scenario_sheets(result, config.outputs.language)
            )
            stage.save("scenarios.md", save_text, _scenario_markdown(config, result))
        stage.save("map.html", save_text, _map_page(config, result, shown, routes))
        if "docx" in config.outputs.formats or "pdf" in config.outputs.formats:
            report = _report_inputs(config, result, shown, day)
            stage.names += _write_report(report, folder, pdf="pdf" in config.outputs.formats)
        # a file removed during the run (the staging folder deleted by hand) is not a set
        if any(not (folder / name).is_file() for name in stage.names):
            msg = "output removed during the run"
            raise FileNotFoundError(errno.ENOENT, msg, str(config.output_folder))
    return stage.names


def _write_tables(
    config: CityConfig,
    result: Result,
    shown: gpd.GeoDataFrame,
    day: str,
    stage: _Staged,
    routes: gpd.GeoDataFrame,
) -> None:
    """The gap list, scorecard and sites as CSV, XLSX, GeoPackage, JSON and Markdown."""
    assessment, siting, warnings = result.assessment, result.siting, result.warnings
    lang, formats = config.outputs.language, config.outputs.formats
    circle = assessment.standards.care_circle_min
    gaps = gap_table(assessment.gaps, language=lang, care_circle_min=circle)
    scorecard = scorecard_table(assessment.scorecard, language=lang)
    if "csv" in formats:
        stage.save("gaps.csv", save_csv, gaps)
        stage.save("scorecard.csv", save_csv, scorecard)
    if "xlsx" in formats:
        stage.save("gaps.xlsx", save_xlsx, _sheets(assessment, gaps, scorecard, warnings, lang))
    if "gpkg" in formats:
        layers = _gpkg_layers(assessment, shown, siting, routes)
        stage.save("gaps.gpkg", save_gpkg, layers)
        save_layer_styles(
            stage.folder / "gaps.gpkg",
            _styles(layers, assessment, lang),
            stamp=f"{day}T00:00:00",
        )
    card = assessment.scorecard
    profile = config.standard.profile
    stage.save(
        "scorecard.json",
        save_text,
        scorecard_json(
            card,
            city=config.city,
            profile=profile,
            warnings=warnings,
            standards=assessment.standards,
        ),
    )
    stage.save(
        "scorecard.md",
        save_text,
        scorecard_markdown(card, city=config.city, language=lang, warnings=warnings),
    )
    if siting is not None:
        sites = sites_table(siting.sites, language=lang)
        if "csv" in formats:
            stage.save("sites.csv", save_csv, sites)
        if "xlsx" in formats:
            stage.save("sites.xlsx", save_xlsx, {pick(lang, "新建选址", "sites"): sites})
        if "gpkg" in formats:
            stage.save("sites.gpkg", save_gpkg, {"sites": siting.sites.to_crs(WGS84)})


def _scenario_sheets(result: Result, lang: str) -> dict[str, pd.DataFrame]:
    """scenarios.xlsx: the plans ranked, then each plan's indicators and changed compounds."""
    table = ranking_table(ranking(result.assessment, result.scenarios), language=lang)
    rule = pd.DataFrame(
        [{table.columns[0]: of(SCENARIO_TEXT["rule"], lang)}], columns=table.columns
    )
    sheets = {of(SCENARIO_TEXT["ranking"], lang): pd.concat([table, rule], ignore_index=True)}
    words = {k: of(v, lang) for k, v in change_words().items()}
    periods = (of(SCENARIO_TEXT["today"], lang), of(SCENARIO_TEXT["plan"], lang))
    today = result.assessment.scorecard
    for number, plan in enumerate(result.scenarios, start=1):
        label = f"{of(SCENARIO_TEXT['plan'], lang)}{number}"
        sheets[f"{label} {pick(lang, '指标', 'indicators')}"] = progress_table(
            today, plan.assessment.scorecard, language=lang, periods=periods
        )
        sheets[f"{label} {of(SCENARIO_TEXT['changes'], lang)}"] = changes_table(
            plan.changed, words, periods=periods, language=lang
        )
    return sheets


def _scenario_markdown(config: CityConfig, result: Result) -> str:
    """scenarios.md: the ranking, then what each plan changes, indicator by indicator."""
    lang = config.outputs.language
    table = ranking_table(ranking(result.assessment, result.scenarios), language=lang)
    lines = [
        f"# {markdown_text(config.city)} {of(SCENARIO_TEXT['title'], lang)}",
        "",
        of(SCENARIO_TEXT["rule"], lang),
        "",
        *markdown_table(table),
    ]
    for number, plan in enumerate(result.scenarios, start=1):
        periods = (of(SCENARIO_TEXT["today"], lang), of(SCENARIO_TEXT["plan"], lang))
        changes = progress_table(
            result.assessment.scorecard, plan.assessment.scorecard, language=lang, periods=periods
        )
        heading = f"{of(SCENARIO_TEXT['plan'], lang)}{number}：{markdown_text(plan.name)}"
        lines += ["", f"## {heading}", "", *markdown_table(changes)]
    return "\n".join(lines) + "\n"


def markdown_table(table: pd.DataFrame) -> list[str]:
    """A Markdown table of ``table`` (cells as text, pipes escaped)."""
    rows = ["| " + " | ".join(str(c) for c in table.columns) + " |"]
    rows.append("|" + "---|" * len(table.columns))
    rows += [
        "| " + " | ".join(markdown_text(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return rows


def _map_page(
    config: CityConfig, result: Result, shown: gpd.GeoDataFrame, routes: gpd.GeoDataFrame
) -> str:
    """map.html of a run."""
    fmap = build_map(
        result.assessment,
        shown,
        sites=None if result.siting is None else result.siting.sites,
        city=config.city,
        language=config.outputs.language,
        basemap=config.outputs.basemap,
        tianditu_key=config.outputs.tianditu_key,
        warnings=result.warnings,
        plans=result.scenarios,
        routes=routes,
    )
    return map_html(fmap, offline=config.outputs.offline)


def _report_inputs(
    config: CityConfig, result: Result, shown: gpd.GeoDataFrame, day: str
) -> ReportInputs:
    """Everything the 评估报告 shows, from the run and its config."""
    lang = config.outputs.language
    return ReportInputs(
        city=config.city,
        profile=config.standard.profile,
        language=lang,
        data_date=day,
        assessment=result.assessment,
        isochrones=shown,
        siting=result.siting,
        quality=result.network_quality or {},
        warnings=result.warnings,
        inputs=_input_counts(config, result.assessment),
        network_credit=_network_credit(config, lang),
        streets=result.network.edge_geometry,
        plans=result.scenarios,
    )


def write_outputs(config: CityConfig, result: Result) -> tuple[Path, ...]:
    """Write map, gap list, scorecard, layers and report of a run, all or nothing.

    The network's edge lines are drawn under the report's maps. Every file is written
    into a staging folder beside the output folder, which replaces it only once the
    whole set is complete (``staged_folder``): a failed or killed run leaves the
    previous set whole.

    Parameters
    ----------
    config
        The city config (output folder, formats, language, basemap).
    result
        The run (its ``outputs`` are ignored).

    Returns
    -------
    tuple of Path
        The files written.
    """
    folder = config.output_folder
    day = data_date(config)
    times, isochrones = result.travel_times, result.isochrones
    # isochrones as drawn: the grid's stair steps smoothed, never finer than its cells
    tolerance = max(DISPLAY_TOLERANCE_M, times.grid.resolution_m if times is not None else 0.0)
    shown = isochrones.assign(geometry=for_display(isochrones.geometry.to_numpy(), tolerance))
    needed = _folder_bytes(folder)  # the last set of this city: what this one will need
    if needed and _free_bytes(folder) < needed * 1.1:
        free = _free_bytes(folder) / 2**20
        msg = (
            f"{folder.parent}: {free:,.0f} MB free, but the last outputs of this city took "
            f"{needed / 2**20:,.0f} MB; free some space or set outputs.folder to another disk. "
            "The previous outputs are unchanged"
        )
        raise OutputError(msg)
    try:
        names = _write_set(config, result, shown, day)
    except OutputError:
        raise
    except Exception as exc:
        problem = output_problem(exc, folder, needed)
        if problem is None:
            raise
        raise problem from None
    written = tuple(folder / name for name in names)
    for path in written:
        log(f"wrote {path}")
    return written


def _sheets(
    assessment: Assessment,
    gaps: pd.DataFrame,
    scorecard: pd.DataFrame,
    warnings: tuple[Finding, ...],
    lang: str,
) -> dict[str, pd.DataFrame]:
    """The sheets of gaps.xlsx: gaps, scorecard, places, coverage by type, warnings."""
    sheets = {pick(lang, "缺口清单", "gaps"): gaps, pick(lang, "评分卡", "scorecard"): scorecard}
    if assessment.subdistricts is not None:
        sheets[pick(lang, "街道", "subdistricts")] = assessment.subdistricts.drop(
            columns="geometry"
        )
    sheets[pick(lang, "分类型覆盖", "coverage by type")] = assessment.coverage_by_type
    if (assessment.facilities["load_status"] != "").any():
        standards = assessment.standards
        sheets[pick(lang, "设施负荷（责任区）", "facility load")] = load_table(
            assessment.facilities,
            area_standard=standards.area_per_100_households_m2,
            care_circle_min=standards.care_circle_min,
            language=lang,
        )
    if assessment.villages is not None:
        sheets[pick(lang, "嘎查村", "villages")] = rural_table(assessment.villages, language=lang)
    if assessment.townships is not None:
        sheets[pick(lang, "苏木乡镇", "townships")] = rural_table(
            assessment.townships, language=lang
        )
    if warnings:
        sheets[pick(lang, "注意", "warnings")] = warnings_table(warnings, language=lang)
    return sheets


def _gpkg_layers(
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame,
    siting: SitingResult | None = None,
    routes: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of gaps.gpkg in WGS84 (isochrones as drawn on the map, compounds' status)."""
    layers = {
        "gaps": assessment.gaps.assign(status=community_status(assessment.gaps)),
        "communities": assessment.communities.assign(
            status=community_status(assessment.communities)
        ),
        "facilities": assessment.facilities,
        "isochrones": isochrones,
    }
    if siting is not None and len(siting.sites):
        layers["sites"] = siting.sites
    if assessment.subdistricts is not None:
        layers["subdistricts"] = assessment.subdistricts
    if assessment.villages is not None:
        layers["villages"] = assessment.villages
    if assessment.townships is not None:
        layers["townships"] = assessment.townships
    if assessment.service_areas is not None and len(assessment.service_areas):
        layers["service_areas"] = assessment.service_areas
    if routes is not None and len(routes):
        layers["routes"] = routes
    return {name: layer.to_crs(WGS84) for name, layer in layers.items()}


_MINUTES = {"zh": "分钟", "en": "min"}


def _write_surfaces(
    times: TravelTimes, assessment: Assessment, crs: object, stage: Path, lang: str
) -> list[str]:
    """Each group's travel-time GeoTIFF with its QGIS style sidecar (same name, .qml)."""
    limit = max(assessment.standards.bands_min)

    def tif(item: tuple[str, np.ndarray]) -> str:
        name = f"travel_time_{item[0]}.tif"
        save_geotiff(item[1], times.grid.transform, crs, stage / name, max_minutes=limit)
        return name

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # GDAL compresses
        tifs = list(pool.map(tif, times.surfaces.items()))
    ramp = raster_ramp(assessment.standards.bands_min, unit=_MINUTES[lang])
    styles = [name.replace(".tif", ".qml") for name in tifs]
    for name in styles:  # QGIS applies a same-named .qml when it opens the raster
        save_text(ramp, stage / name)
    return tifs + styles


def _write_report(report: ReportInputs, stage: Path, *, pdf: bool) -> list[str]:
    """Write report.docx (and report.pdf with LibreOffice) into the staging folder."""
    save_report(report_document(report), stage / "report.docx")
    if not pdf:
        return ["report.docx"]
    if office_command() is None:
        log(
            "report.pdf not written: it needs LibreOffice (apt-get install libreoffice-writer); "
            "report.docx prints to PDF from Word",
            logging.WARNING,
        )
        return ["report.docx"]
    try:
        docx_to_pdf(stage / "report.docx", stage / "report.pdf")
    except RuntimeError as exc:  # the PDF is a convenience: the set goes on without it
        log(f"report.pdf not written: {exc}", logging.WARNING)
        return ["report.docx"]
    return ["report.docx", "report.pdf"]


def _symbol_kind(layer: gpd.GeoDataFrame) -> str:
    """The QGIS symbol a layer's geometry takes: marker (points), line or fill."""
    types = shapely.get_type_id(layer.geometry.to_numpy())
    if (types == 0).all():
        return "marker"
    return "line" if np.isin(types, (1, 5)).all() else "fill"


def _styles(
    layers: dict[str, gpd.GeoDataFrame], assessment: Assessment, lang: str
) -> dict[str, str]:
    """The QML of each layer of gaps.gpkg, its legend in ``lang``."""
    pos = position(lang)
    area = assessment.standards.area_per_100_households_m2
    kinds = {name: _symbol_kind(gdf) for name, gdf in layers.items() if len(gdf)}
    return layer_styles(
        kinds,
        status_labels={
            k: v[pos] for k, v in status_labels(assessment.standards.care_circle_min).items()
        },
        type_labels={k: (t.label_zh, t.label_en)[pos] for k, t in FACILITY_TYPES.items()},
        bands_min=assessment.standards.bands_min,
        texts={
            "minutes": _MINUTES[lang],
            "no_centre": pick(lang, "无综合养老服务中心", "no centre"),
            "has_centre": pick(lang, "有综合养老服务中心", "has a centre"),
            "served": pick(lang, "有居家养老服务设施", "served"),
            "unserved": pick(lang, "附近无居家养老服务设施", "not served"),
            "site": pick(lang, "建议新建养老服务设施", "proposed site"),
            "route": pick(lang, "缺口小区到最近设施的步行路线", "walk to the nearest facility"),
            **{f"load_{k}": of(v, lang).format(a=f"{area:g}") for k, v in LOAD_TEXT.items()},
        },
    )


def data_date(config: CityConfig) -> str:
    """The date of the data: the newest input file's modification day (UTC), ISO format.

    The report's dates come from here, never from the clock, so the same inputs give the
    same report.
    """
    import datetime as dt

    files = [config.network.path] if config.network.path else []
    files += list(config.layer_files().values())
    stamps = [Path(f).stat().st_mtime for f in files if f is not None and Path(f).is_file()]
    when = max(stamps) if stamps else 0.0
    return dt.datetime.fromtimestamp(when, tz=dt.UTC).date().isoformat()


def _input_counts(config: CityConfig, assessment: Assessment) -> dict[str, tuple[str, int | None]]:
    """Layer kind -> (file as the config names it, features) for the report's data section."""
    given = config.given_paths
    counts = {
        "facilities": len(assessment.facilities),
        "communities": len(assessment.communities),
        "subdistricts": 0 if assessment.subdistricts is None else len(assessment.subdistricts),
        "villages": 0 if assessment.villages is None else len(assessment.villages),
        "townships": 0 if assessment.townships is None else len(assessment.townships),
    }
    out: dict[str, tuple[str, int | None]] = {}
    for kind, count in counts.items():
        if getattr(config.layers, kind, None) is None:
            continue
        path = str(config.layer_path(kind))
        out[kind] = (given.get(path, Path(path).name), count)
    if config.network.path is not None:
        path = str(config.network.path)
        out["network"] = (given.get(path, Path(path).name), None)
    return out


def _network_credit(config: CityConfig, lang: str) -> str:
    """The data credit of the streets drawn (OpenStreetMap unless the planner's own roads)."""
    if config.network.path is not None and config.network.is_line_layer:
        path = str(config.network.path)
        credit = of(REPORT_TEXT["credit_own"], lang)
        return credit.format(file=config.given_paths.get(path, Path(path).name))
    return of(REPORT_TEXT["credit_osm"], lang)
