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

import pandas as pd

from . import __version__, export
from ._errors import GeoCoverageError
from .indicators import STATUS_TEXT
from .utils import log, progress

STAMP = ".geo_coverage_stamp.json"
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
        Indicator -> {"measured" (None: no data), "target", "status", "unit"} from the scorecard.
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
    indicators: dict[str, dict] = field(default_factory=dict)
    outline: dict | None = None
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
    from .config import LAYER_KINDS, load_config

    config = load_config(config_path)
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):  # a new tool version reruns
        digest.update(source.read_bytes())
    digest.update(Path(config_path).read_bytes())
    files = {config.network.path} if config.network.path else set()
    for kind in LAYER_KINDS:
        if getattr(config.layers, kind) is not None:
            files.add(config.layer_path(kind))
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
    from . import settings
    from .config import load_config
    from .pipeline import run

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
                r["indicator"]: {
                    "measured": export.json_value(r["measured"]),
                    "target": float(r["target"]),
                    "status": r["status"],
                    "unit": r["unit"],
                    "label_zh": r["label_zh"],
                    "label_en": r["label_en"],
                }
                for r in a.scorecard.to_dict(orient="records")
            },
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


def combined_scorecard(outcomes: tuple[CityOutcome, ...], *, language: str = "zh") -> pd.DataFrame:
    """One row per place, one column per indicator (measured value) and one for pass/fail."""
    zh = language == "zh"
    rows = []
    for o in outcomes:
        row = {
            ("地区" if zh else "place"): o.city or Path(o.config).stem,
            ("配置文件" if zh else "config"): o.config,
            ("状态" if zh else "status"): o.status,
            ("错误" if zh else "error"): o.error,
            ("用时（秒）" if zh else "seconds"): round(o.seconds, 1),
        }
        for ind in o.indicators.values():
            label = ind["label_zh" if zh else "label_en"]
            measured = ind["measured"]
            row[label] = None if measured is None else round(measured, 4)
            row[f"{label}{'是否达标' if zh else ' status'}"] = STATUS_TEXT[ind["status"]][
                0 if zh else 1
            ]
        rows.append(row)
    return pd.DataFrame(rows)


def write_batch_outputs(
    outcomes: tuple[CityOutcome, ...], folder: Path, *, language: str = "zh"
) -> tuple[Path, ...]:
    """Write the combined scorecard (CSV, XLSX) and the index map, atomically."""
    from .maps import index_map, map_html

    table = combined_scorecard(outcomes, language=language)
    written = [
        export.save_csv(table, folder / "combined_scorecard.csv"),
        export.save_xlsx(
            {"汇总" if language == "zh" else "summary": table}, folder / "combined_scorecard.xlsx"
        ),
        export.save_text(
            map_html(index_map(outcomes, folder, language=language)), folder / "index.html"
        ),
    ]
    return tuple(written)
