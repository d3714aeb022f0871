"""Region-wide runs: many city configs at once on Dask distributed, with a combined scorecard.

Each config is one task. Without a scheduler address a local cluster sized to the
machine is started; with one, tasks go to that existing cluster. A failing city is
reported with its error and does not stop the others; a city whose config and input
files are unchanged since its last successful run (content hash) is skipped and its
earlier outputs are kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from .._errors import GeoCoverageError
from ..assess.indicators import (
    INDICATORS,
    Ratio,
    judge,
    level_text,
    placeholders,
)
from ..outputs import export
from ..text import STATUS_TEXT, label_column, pick, position
from ..utils import log, progress

ROW_KEYS = (
    "label_zh",
    "label_en",
    "measured",
    "numerator",
    "denominator",
    "scale",
    "unit",
    "lower_is_better",
    "target",
    "year",
    "level",
    "status",
)
"""The scorecard columns a batch keeps of each place."""

STAMP = export.BATCH_STAMP
"""File in each city's output folder recording the input hash of its last good run."""


@dataclass(frozen=True)
class CityOutcome:
    """What happened to one city of a batch.

    Attributes
    ----------
    config
        The config file.
    status
        {"done", "skipped", "failed"}
    city, slug
        From the config (empty when it could not be read).
    error
        One-line reason of a failure.
    seconds
        Wall time of the task.
    indicators
        Indicator key -> its scorecard row (measured: None for no data; target: None for
        no target; numerator and denominator, so a batch can total its places).
    placeholders
        The values the city's labels were filled with (``indicators.placeholders``).
    level
        The level of the place (``standards.LEVELS``).
    outline
        GeoJSON geometry (WGS84) around the city's communities, for the index map.
    map_path
        The city's map.html.
    """

    config: str
    status: str
    city: str = ""
    slug: str = ""
    error: str = ""
    seconds: float = 0.0
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)
    level: str = ""
    outline: dict[str, Any] | None = None
    map_path: str = ""


def input_hash(config_path: str | Path) -> str:
    """Hash of a config file, every input file it names, and the tool's own code.

    Parameters
    ----------
    config_path
        The city config.

    Returns
    -------
    str
        Hex SHA-256; equal hashes mean the run would give the same outputs.
    """
    from ..config import load_config

    config = load_config(config_path)
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(__file__).parents[1].rglob("*.py")):  # a new tool version reruns
        digest.update(source.read_bytes())
    digest.update(Path(config_path).read_bytes())
    files = {config.network.path} if config.network.path else set()
    files |= set(config.layer_files().values())
    for path in sorted(str(f) for f in files):
        digest.update(path.encode())
        digest.update(Path(path).read_bytes() if Path(path).is_file() else b"missing")
    return digest.hexdigest()


def run_city(config_path: str, *, show_progress: bool = False) -> CityOutcome:
    """Run one city (a Dask task): skip it when unchanged, never raise.

    Parameters
    ----------
    config_path
        The city config.
    show_progress
        Progress bars during this run (off: many cities share one console); the
        caller's setting is restored afterwards.

    Returns
    -------
    CityOutcome
        Done, skipped (unchanged since its last good run) or failed with the reason.
    """
    from .. import settings
    from ..config import load_config
    from ..pipeline import run

    previous, settings.show_progress = settings.show_progress, show_progress
    start = time.perf_counter()
    try:
        config = load_config(config_path)
        stamp_path = config.output_folder / STAMP
        digest = input_hash(config_path)
        if stamp_path.is_file():
            stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
            if stamp.get("hash") == digest and Path(stamp["outcome"]["map_path"]).is_file():
                outcome = CityOutcome(
                    **{
                        **stamp["outcome"],
                        "status": "skipped",
                        "seconds": time.perf_counter() - start,
                    }
                )
                return outcome
        result = run(config)
        a = result.assessment
        outline = a.communities.to_crs("EPSG:4326").union_all().convex_hull
        outcome = CityOutcome(
            config=str(config_path),
            status="done",
            city=config.city,
            slug=config.slug,
            seconds=time.perf_counter() - start,
            indicators={
                r["indicator"]: {k: export.json_value(v) for k, v in r.items() if k in ROW_KEYS}
                for r in a.scorecard.to_dict(orient="records")
            },
            placeholders=placeholders(config.standards),
            level=config.standards.place_level,
            outline=outline.__geo_interface__,
            map_path=str(config.output_folder / "map.html"),
        )
        export.save_text(
            json.dumps({"hash": digest, "outcome": asdict(outcome)}, ensure_ascii=False),
            stamp_path,
        )
        return outcome
    except GeoCoverageError as exc:
        # one line for the summary table: the first few lines of the message, joined
        reason = " | ".join(line.strip() for line in str(exc).splitlines()[:4])
        return CityOutcome(
            str(config_path), "failed", error=reason, seconds=time.perf_counter() - start
        )
    except Exception as exc:
        last = traceback.format_exception_only(exc)[-1].strip()
        return CityOutcome(
            str(config_path),
            "failed",
            error=f"internal error: {last}",
            seconds=time.perf_counter() - start,
        )
    finally:
        settings.show_progress = previous


@dataclass(frozen=True)
class BatchResult:
    """Outcomes of a batch and the combined files written."""

    outcomes: tuple[CityOutcome, ...]
    outputs: tuple[Path, ...]
    seconds: float


def run_batch(
    config_paths: list[str | Path],
    *,
    output: str | Path,
    scheduler: str | None = None,
    n_workers: int | None = None,
    language: str = "zh",
) -> BatchResult:
    """Run many city configs on Dask distributed and write the combined outputs.

    Parameters
    ----------
    config_paths
        City config files.
    output
        Folder for the combined scorecard and the index map.
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); default:
        start a local cluster with one single-threaded worker process per core.
    n_workers
        Workers of the local cluster (default: the machine's cores).
    language
        {"zh", "en"} for the combined outputs.

    Returns
    -------
    BatchResult
        One outcome per config (in the given order) and the files written.
    """
    from distributed import Client, LocalCluster, as_completed

    start = time.perf_counter()
    paths = [str(Path(p).resolve()) for p in config_paths]
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: two batches (or a test run) never clash
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(run_city, paths, pure=False)
        by_path: dict[str, CityOutcome] = {}
        for future in progress(as_completed(futures), desc="cities", total=len(futures)):
            outcome = future.result()
            by_path[outcome.config] = outcome
            log(
                f"{outcome.status:>7s} {outcome.city or outcome.config} ({outcome.seconds:.1f} s)"
                + (f": {outcome.error}" if outcome.error else "")
            )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    outcomes = tuple(by_path[p] for p in paths)
    outputs = write_batch_outputs(outcomes, Path(output), language=language)
    return BatchResult(outcomes, outputs, time.perf_counter() - start)


def total_row(outcomes: tuple[CityOutcome, ...], key: str) -> dict[str, object] | None:
    """The batch's total of one indicator: summed numerators over summed denominators.

    Never the mean of the places' shares: households in the circle over all households,
    beds over all elderly. A sum or count (missing floor area, beds) is the sum. The total
    is judged against the target when every place has the same one (None: the places'
    documents differ, or none sets it).

    Parameters
    ----------
    outcomes
        The batch's places (only finished or skipped ones with a measurement count).
    key
        The indicator key.

    Returns
    -------
    dict or None
        ``measured``, ``target``, ``status`` (``indicators.STATUS_TEXT``) and ``places``
        (how many places were totalled), or None when no place measured it.
    """
    rows = [
        o.indicators[key]
        for o in outcomes
        if o.status != "failed"
        and key in o.indicators
        and o.indicators[key]["measured"] is not None
    ]
    if not rows:
        return None
    numerator = sum(float(r["numerator"]) for r in rows)
    dens = [r["denominator"] for r in rows]
    denominator = None if any(d is None for d in dens) else sum(float(d) for d in dens)
    value = Ratio(numerator, denominator, float(rows[0]["scale"])).value
    targets = {r["target"] for r in rows}
    target = targets.pop() if len(targets) == 1 else None
    if target is None:
        status = "no_target"
    else:
        status = judge(value, float(target), lower_is_better=bool(rows[0]["lower_is_better"]))
    return {"measured": value, "target": target, "status": status, "places": len(rows)}


def _merged_label(outcomes: tuple[CityOutcome, ...], key: str, language: str) -> str:
    """One header for an indicator across places: '10/15/20分钟养老服务圈住户覆盖率'."""
    indicator = next(i for i in INDICATORS if i.key == key)
    template = pick(language, indicator.label_zh, indicator.label_en)
    values: dict[str, list[str]] = {}
    for o in outcomes:
        for name, value in o.placeholders.items():
            values.setdefault(name, [])
            if value not in values[name]:
                values[name].append(value)
    return template.format(**{name: "/".join(v) for name, v in values.items()})


def combined_scorecard(outcomes: tuple[CityOutcome, ...], *, language: str = "zh") -> pd.DataFrame:
    """One row per place and a last 合计 (total) row; per indicator a value and a status column.

    Columns are keyed by indicator, not by label: cities with different care circles
    share one column (headed '10/15分钟…'). The total row sums numerators and
    denominators (``total_row``) and judges city- and region-level targets on them.
    """
    zh = language == "zh"
    pos = position(language)
    keys = [i.key for i in INDICATORS if any(i.key in o.indicators for o in outcomes)]
    heads = {k: _merged_label(outcomes, k, language) for k in keys}
    verdict = pick(language, "是否达标", " status")
    base = (
        ("地区", "配置文件", "状态", "错误", "用时（秒）")
        if zh
        else ("place", "config", "status", "error", "seconds")
    )
    rows = []
    for o in outcomes:
        row: dict[str, object] = dict(
            zip(
                base,
                (o.city or Path(o.config).stem, o.config, o.status, o.error, round(o.seconds, 1)),
                strict=True,
            )
        )
        for k in keys:
            ind = o.indicators.get(k)
            measured = None if ind is None else ind["measured"]
            row[heads[k]] = None if measured is None else round(measured, 4)
            row[heads[k] + verdict] = "" if ind is None else STATUS_TEXT[ind["status"]][pos]
        rows.append(row)
    total: dict[str, object] = dict(
        zip(base, (pick(language, "合计", "total"), "", "", "", None), strict=True)
    )
    for k in keys:
        t = total_row(outcomes, k)
        total[heads[k]] = None if t is None else round(float(str(t["measured"])), 4)
        total[heads[k] + verdict] = "" if t is None else STATUS_TEXT[str(t["status"])][pos]
    rows.append(total)
    return pd.DataFrame(rows)


def indicator_rows(outcomes: tuple[CityOutcome, ...], *, language: str = "zh") -> pd.DataFrame:
    """Every place's every indicator as one row each (its own label, target, year and level)."""
    pos = position(language)
    rows = []
    for o in outcomes:
        for key, ind in o.indicators.items():
            rows.append(
                {
                    (pick(language, "地区", "place")): o.city,
                    (pick(language, "指标代码", "indicator")): key,
                    (pick(language, "指标", "indicator name")): ind[label_column(language)],
                    (pick(language, "测算值", "measured")): ind["measured"],
                    (pick(language, "目标值", "target")): ind["target"],
                    (pick(language, "目标年份", "target year")): ind["year"],
                    (pick(language, "目标层级", "target level")): level_text(
                        ind["level"] or "", language=language
                    ),
                    (pick(language, "是否达标", "status")): STATUS_TEXT[ind["status"]][pos],
                }
            )
    return pd.DataFrame(rows)


def write_batch_outputs(
    outcomes: tuple[CityOutcome, ...], folder: Path, *, language: str = "zh"
) -> tuple[Path, ...]:
    """Write the combined scorecard (CSV, XLSX) and the index map, atomically."""
    from ..outputs.maps import index_map, map_html

    table = combined_scorecard(outcomes, language=language)
    sheets = {
        pick(language, "汇总", "summary"): table,
        pick(language, "明细", "indicators"): indicator_rows(outcomes, language=language),
    }
    written = [
        export.save_csv(table, folder / "combined_scorecard.csv"),
        export.save_xlsx(sheets, folder / "combined_scorecard.xlsx"),
        export.save_text(
            map_html(index_map(outcomes, folder, language=language)), folder / "index.html"
        ),
    ]
    return tuple(written)
