"""Command line: ``geo-coverage run | validate | demo``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, settings
from .._errors import GeoCoverageError

if TYPE_CHECKING:
    from ..results import Result

DESCRIPTION = """\
Test elderly-care service coverage on the real walking network.

Checks the 15-minute home-care circle (一刻钟居家养老服务圈), the floor-area standard
(每百户不少于20平方米) and each subdistrict's comprehensive centre, then writes an
interactive map, a gap list and a scorecard.

examples:
  geo-coverage demo                       run the bundled demo city 示范区
  geo-coverage validate configs/my.yaml   check a config and its layers, write nothing
  geo-coverage run configs/my.yaml        assess a city; outputs go to maps/<slug>/
  geo-coverage batch configs/*.yaml       many cities on Dask, one combined scorecard
  geo-coverage compare maps/a-2024 maps/a  this year against last: progress and changes
  geo-coverage serve                      the 规划工作台 web page: upload, map columns, run

outputs (in maps/<slug>/):
  map.html         interactive map: open it in a browser
  gaps.csv/.xlsx   one row per under-served community, with the numbers and reasons
  gaps.gpkg        the same plus communities, facilities and isochrones, for QGIS/ArcGIS
  scorecard.*      each indicator, its target, its policy source, the measured value
  sites.*          proposed new facilities, with what each adds (when siting: is set)
  network_quality.json  how fit the street data is for walking analysis
"""


def _repo_demo_config() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    path = root / "configs" / "demo.yaml"
    return path if path.is_file() else None


def _cmd_run(args: argparse.Namespace) -> int:
    from ..pipeline import run

    result = run(args.config)
    _print_summary(result)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..pipeline import validate

    config = load_config(args.config)
    checked = validate(config)
    warnings = [w.as_given(config.given_paths) for w in checked.warnings]
    for warning in warnings:
        print(f"warning: {warning}")
    layers, network = checked.layers, checked.network
    print(
        f"OK: {args.config}: {len(layers.facilities)} facilities, {len(layers.communities)} "
        f"communities, network {network.n_nodes:,} nodes / {network.n_edges:,} edges"
        + (f"; {len(warnings)} warning(s) above" if warnings else "")
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..pipeline import run

    path = _repo_demo_config()
    if path is None:
        import shutil
        import tempfile

        from .demo import write_demo_city

        work = Path(tempfile.mkdtemp(prefix="geo_coverage_demo_"))
        write_demo_city(work / "layers" / "demo")
        (work / "configs").mkdir()
        shutil.copy(Path(__file__).with_name("demo_config.yaml"), work / "configs" / "demo.yaml")
        path = work / "configs" / "demo.yaml"
        args.output = args.output or str(Path.cwd() / "maps" / "demo")
    config = load_config(path)
    if args.output:
        config = config.model_copy(
            update={"outputs": config.outputs.model_copy(update={"folder": Path(args.output)})}
        )
    if args.language:
        config = config.model_copy(
            update={"outputs": config.outputs.model_copy(update={"language": args.language})}
        )
    result = run(config)
    _print_summary(result)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .workbench import serve

    serve(
        host=args.host,
        port=args.port,
        workdir=Path(args.workdir) if args.workdir else None,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        allowed_hosts=tuple(args.allowed_host or ()),
    )
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from ..standards import DOCS, LEVELS, PROFILE_INFO, PROFILES, profile_documents, profile_table

    names = [args.profile] if args.profile else list(PROFILES)
    data: dict[str, dict[str, Any]] = {
        name: {
            "place": PROFILE_INFO[name][0],
            "under": PROFILE_INFO[name][2],
            "documents": list(profile_documents(name)),
            "thresholds": profile_table(name),
        }
        for name in names
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for name, info in data.items():
        under = f"，属 {info['under']}" if info["under"] else ""
        print(f"\n{name}：{info['place']}{under}")
        for doc in info["documents"]:
            print(f"  {doc} {DOCS[doc]}")
        for row in info["thresholds"]:
            if row["value"] is None:
                print(f"  {row['key']:<36} 无目标（文件未设定） no target set")
                continue
            level = LEVELS[row["level"]][0] if row["level"] else ""
            when = "，".join(x for x in (f"到{row['year']}年" if row["year"] else "", level) if x)
            print(f"  {row['key']:<36} {row['value']!s:<10} {when:<14} {row['source']}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    result = run_batch(
        args.configs,
        output=args.output,
        scheduler=args.scheduler,
        n_workers=args.workers,
        language=args.language,
    )
    for o in result.outcomes:
        line = f"  [{o.status:>7s}] {o.city or o.config} ({o.seconds:.1f} s)"
        print(line + (f": {o.error}" if o.error else ""))
    for path in result.outputs:
        print(f"  wrote {path}")
    print(f"  batch wall time {result.seconds:.1f} s")
    return 1 if any(o.status == "failed" for o in result.outcomes) else 0


def _print_summary(result: Result) -> None:
    from ..assess.indicators import format_target, format_value

    sc = result.assessment.scorecard
    marks = {
        "pass": "PASS",
        "fail": "FAIL",
        "no_data": "NO DATA",
        "no_target": "NO TARGET",
        "total": "TOTAL",
    }
    for row in sc.to_dict(orient="records"):
        value = format_value(row["measured"], row["unit"])
        target = format_target(row)
        line = f"  [{marks[row['status']]}] {row['label_zh']} {value} (target {target})"
        if row["status"] == "no_data":
            line += f"; add {row['missing_data']}"
        print(line)
    for warning in result.warnings:
        print(f"  warning: {warning}")
    q = result.network_quality
    print(
        f"  network: {q['nodes']:,} nodes, {q['edges']:,} edges, {q['km_per_km2']:.1f} km of "
        f"walkable street per km² in the study area; {q['dropped_pieces']:.0f} "
        f"disconnected pieces ({q['dropped_nodes']:.0f} nodes) left out"
    )
    print(f"  gaps: {len(result.assessment.gaps)} communities")
    siting = result.siting
    if siting is not None:
        unit = "elderly" if siting.objective == "elderly" else "households"
        print(
            f"  proposed sites: {len(siting.sites)} ({siting.solution.method}), covering "
            f"{siting.solution.covered:,.0f} of {siting.demand_total:,.0f} unserved {unit} "
            f"({siting.demand_reachable:,.0f} within reach of any candidate site)"
        )
    for path in result.outputs:
        print(f"  wrote {path}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="geo-coverage",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "run",
        help="assess a city and write map, gap list and scorecard",
        description="Assess a city from its config and write every output.",
    )
    p.add_argument("config", help="city config YAML, e.g. configs/demo.yaml")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser(
        "validate",
        help="check a config and its layers without writing",
        description="Check the config, every layer (columns, numbers, "
        "coordinates, ids, types, geometries) and that every point is near "
        "a walkable street. Lists all problems with file, row and column.",
    )
    p.add_argument("config", help="city config YAML")
    p.set_defaults(func=_cmd_validate)
    _add_batch(sub)
    _add_compare(sub)
    p = sub.add_parser(
        "profiles",
        help="list every standards profile: each threshold, its year, level and source",
        description="Print every threshold of each profile (or of one) with its value, the "
        "year and level of a target, and the document and passage it comes from; targets a "
        "profile's documents do not set read 无目标（文件未设定）. --json for scripts.",
    )
    p.add_argument("profile", nargs="?", help="one profile (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_profiles)
    p = sub.add_parser(
        "demo",
        help="run the bundled demo city 示范区",
        description="Run the demo city shipped in layers/demo.",
    )
    p.add_argument("--output", help="output folder (default maps/demo)")
    p.add_argument("--language", choices=["zh", "en"], help="labels on map and tables")
    p.set_defaults(func=_cmd_demo)
    _add_serve(sub)
    return parser


def _add_batch(sub: argparse._SubParsersAction) -> None:
    """``geo-coverage batch``: many places on Dask, compared."""
    p = sub.add_parser(
        "batch",
        help="assess many cities at once on Dask and compare them",
        description="Run every config as a task on Dask distributed (a local cluster, or "
        "--scheduler for an existing one). A failing city is reported and does not stop "
        "the others; unchanged cities are skipped. Writes combined_scorecard.csv/.xlsx "
        "and index.html (each place coloured by care-circle coverage, linked to its map). "
        "Exit status 1 when any city failed.",
    )
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="city config YAML files")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, tcp://host:8786")
    p.add_argument("--workers", type=int, help="local cluster workers (default: all cores)")
    p.add_argument("--output", default="maps/batch", help="folder for the combined outputs")
    p.add_argument("--language", choices=["zh", "en"], default="zh")
    p.set_defaults(func=_cmd_batch)


def _add_compare(sub: argparse._SubParsersAction) -> None:
    """``geo-coverage compare``: progress between two runs of one place."""
    p = sub.add_parser(
        "compare",
        help="compare two runs of a place (年度监测 / 中期评估): progress table and changes",
        description="Compare two output folders of the same place, e.g. last year's and this "
        "year's run: per indicator the old and new value, the change, the target with its "
        "year and level and whether the place is on track (progress.xlsx, progress.md), the "
        "compounds whose status changed (progress_changes.csv) and a map of them "
        "(progress_map.html). Two runs of different places, profiles or thresholds are "
        "refused, naming the difference.",
    )
    p.add_argument("old", help="the earlier run's output folder, e.g. maps/demo-2024")
    p.add_argument("new", help="the later run's output folder, e.g. maps/demo")
    p.add_argument("--output", help="folder for the comparison (default: <new>-progress)")
    p.add_argument("--language", choices=["zh", "en"], default="zh")
    p.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_runs

    new = Path(args.new)
    out = Path(args.output) if args.output else new.parent / f"{new.name}-progress"
    compare_runs(args.old, new, out, language=args.language)
    return 0


def _add_serve(sub: argparse._SubParsersAction) -> None:
    """``geo-coverage serve``: the 规划工作台 web page."""
    p = sub.add_parser(
        "serve",
        help="the 规划工作台 web page: upload lists, map columns, run, download",
        description="Serve the planning workbench: a local page where a planner uploads the "
        "facility and compound lists and the street network, checks which column is which, "
        "runs the assessment and downloads every output plus a zip that 'geo-coverage run' "
        "reproduces. Open http://HOST:PORT in a browser; no internet needed.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0: the intranet; a token is then required and "
        "printed in the start-up address)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="another host name the page is opened by (e.g. gis.institute.local); repeatable",
    )
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--workdir", help="folder for the sessions (default: a new temporary folder)")
    p.add_argument(
        "--data-dir", help="folder of street network files (.osm/.osm.pbf) the page may offer"
    )
    p.set_defaults(func=_cmd_serve)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``geo-coverage`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if args.quiet:
        settings.show_progress = False
    try:
        return int(args.func(args))
    except GeoCoverageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the staging folder is gone already; the last set is whole
        where = _output_folder_of(args)
        print(
            f"stopped; the previous outputs{f' in {where}' if where else ''} are unchanged",
            file=sys.stderr,
        )
        return 130


def _output_folder_of(args: argparse.Namespace) -> str:
    """The output folder of the command's config, if it has one ("" otherwise)."""
    config = getattr(args, "config", None)
    if not isinstance(config, str):
        return ""
    try:
        from ..config import load_config

        return str(load_config(config).output_folder)
    except GeoCoverageError:
        return ""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
