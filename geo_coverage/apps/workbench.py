"""规划工作台: a local web page that runs an assessment without YAML or a terminal.

``geo-coverage serve`` starts a small FastAPI app on the planner's machine (or an
intranet server). The page (``assets/workbench``: one HTML file, one script, no CDN)
uploads the facility list, the compound list and the street network, shows the first
rows with the columns the tool would read (the same header rules as a run,
``layers.preview_layer``) and lets the user correct them; then it writes an ordinary
city config, runs the same pipeline as the CLI (``pipeline.run``) in a worker thread,
and offers every output plus a zip of config, layers and outputs that
``geo-coverage run config.yaml`` reproduces.

Uploads are data: their type is judged by content, their names are never used as
paths, zip members may not leave the session folder, and every text goes back to the
page as JSON that the page shows with ``textContent`` only.

FastAPI was chosen over Streamlit or NiceGUI: it is small (no bundled front-end
framework to serve offline), the page is plain HTML/JS served from the package, and
both the API (``fastapi.testclient``) and the page (headless Chromium) test directly.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import secrets
import shutil
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from .. import __version__
from .._errors import ConfigError, GeoCoverageError, LayerError
from ..config import LayerConfig, load_config
from ..inputs.layers import COLUMN_LABELS, preview_layer
from ..outputs.export import json_value
from ..standards import (
    FACILITY_TYPES,
    PROFILES,
    THRESHOLD_KEYS,
    THRESHOLD_LABELS,
    standards_from_profile,
)
from .guard import Guard, is_loopback, machine_names

ASSETS = Path(__file__).parents[1] / "assets" / "workbench"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""Largest upload accepted (a whole city's .osm.pbf fits)."""
SESSION_HOURS = 24.0
"""A session idle this long is removed with its folder (when the next one starts)."""
MAX_SESSIONS = 64
"""Sessions open at once; beyond this a new one is refused until one expires."""

KIND_ZH = {"facilities": "养老服务设施清单", "communities": "小区清单", "network": "路网"}
"""The page's names of the uploads (for messages that point at their controls)."""

LAYER_SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson", "gpkg": ".gpkg"}
NETWORK_SUFFIXES = {"osm": ".osm", "pbf": ".osm.pbf"}


class UploadError(GeoCoverageError):
    """An upload or form the workbench refuses; ``control`` names the page's control to fix."""

    def __init__(self, message: str, *, control: str = "") -> None:
        super().__init__(message)
        self.control = control


class SessionLimitError(GeoCoverageError):
    """No new session: ``MAX_SESSIONS`` are open."""


def sniff(data: bytes) -> str:
    """What a file is, judged by its content: csv, xlsx, geojson, gpkg, shp-zip, osm, pbf.

    Raises
    ------
    UploadError
        The content is none of these.
    """
    if not data:
        raise UploadError("文件是空的（0 字节）。 The file is empty (0 bytes).")
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if data.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise UploadError(
                "文件像是压缩包，但打不开。 The file looks like a zip but cannot be opened."
            ) from None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower().endswith(".shp") for n in names):
            return "shp-zip"
        raise UploadError(
            "压缩包里没有 Shapefile（.shp），也不是 Excel 工作簿。 "
            "The zip holds no Shapefile (.shp) and is not an Excel workbook."
        )
    if b"OSMHeader" in data[:64]:
        return "pbf"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and b"<osm" in data[:4096]:
        return "osm"
    if head.startswith(b"{"):
        return "geojson"
    if b"\x00" not in data[:65536]:
        for encoding in ("utf-8-sig", "gbk"):
            try:  # incrementally: a character cut at the 64 KiB mark is not an error
                codecs.getincrementaldecoder(encoding)().decode(data[:65536], final=False)
                return "csv"
            except UnicodeDecodeError:
                continue
    raise UploadError(
        "无法识别的文件类型：请上传 CSV、XLSX、GeoJSON、GPKG、Shapefile 压缩包或 OSM 文件。 "
        "unknown file type: upload CSV, XLSX, GeoJSON, GPKG, zipped Shapefile or OSM."
    )


MAX_ZIP_MEMBERS = 200
"""A zipped Shapefile holds a handful of files; more than this is refused."""
MAX_ZIP_EXPANDED_BYTES = 1024 * 2**20
"""The most a zip may expand to on disk."""
MAX_ZIP_RATIO = 100
"""A member expanding more than this many times its compressed size is refused (a bomb)."""


def safe_extract(data: bytes, folder: Path) -> list[Path]:
    """Extract a zip into ``folder``, within budgets; on any refusal nothing is left behind.

    Members whose names are absolute, climb with ``..`` or are links are refused; so are
    zips of more than ``MAX_ZIP_MEMBERS`` members, members that expand more than
    ``MAX_ZIP_RATIO`` times, and zips expanding beyond ``MAX_ZIP_EXPANDED_BYTES``. Members
    are streamed with a byte budget, so a header that lies about a size stops there too.

    Raises
    ------
    UploadError
        A member is unsafe or a budget is exceeded.
    """
    folder = folder.resolve()
    written: list[Path] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UploadError(
                f"压缩包内文件过多（{len(infos)} 个，上限 {MAX_ZIP_MEMBERS}）；"
                "只打包 Shapefile 的各个文件。"
                f" The zip holds {len(infos)} files (at most {MAX_ZIP_MEMBERS})."
            )
        for info in infos:
            name = info.filename
            target = (folder / name).resolve()
            if (
                name.startswith(("/", "\\"))
                or re.match(r"^[A-Za-z]:", name)
                or ".." in Path(name).parts
                or folder not in target.parents
            ):
                raise UploadError(
                    f"压缩包含不安全的路径（{name!r}），未解压任何文件。 "
                    f"The zip holds an unsafe path ({name!r}); nothing was extracted."
                )
            if info.external_attr >> 28 == 0xA:  # a symbolic link
                raise UploadError(
                    f"压缩包含链接（{name!r}），未解压任何文件。 "
                    f"The zip holds a link ({name!r}); nothing was extracted."
                )
            if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1024):
                raise UploadError(_bomb(name))
        if sum(i.file_size for i in infos) > MAX_ZIP_EXPANDED_BYTES:
            raise UploadError(_bomb("(all members)"))
        budget = MAX_ZIP_EXPANDED_BYTES
        try:
            for info in infos:
                if info.is_dir():
                    continue
                target = folder / Path(info.filename).name  # flat: names inside are not used
                written.append(target)
                allowed = min(budget, MAX_ZIP_RATIO * max(info.compress_size, 1024))
                budget -= _copy_limited(archive, info, target, allowed)
        except UploadError:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    return written


def _bomb(name: str) -> str:
    return (
        f"压缩包解压后过大（{name}），已拒绝，未保留任何文件。 The zip expands far beyond its size "
        f"({name}); refused, nothing kept."
    )


def _copy_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limit: int) -> int:
    """Stream one member to ``target``; refuse it once it passes ``limit`` bytes."""
    copied = 0
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(2**20):
            copied += len(chunk)
            if copied > limit:
                raise UploadError(_bomb(info.filename))
            dst.write(chunk)
    return copied


@dataclass
class Session:
    """One planner's work: its folder, uploads, run status and findings."""

    folder: Path
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "idle"
    stage: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    outputs: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    touched: float = field(default_factory=time.time)
    queued: float = 0.0
    form: dict[str, Any] = field(default_factory=dict)
    gap_table: tuple[float, Any] | None = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)  # the run (pipeline.Result), for placing


MAX_PLACEMENTS = 20
"""Most planned facilities one placement request may carry."""


def _placements(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The planned facilities of a placement request, checked (UploadError otherwise)."""
    items = payload.get("facilities") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items or len(items) > MAX_PLACEMENTS:
        msg = (
            f"请在地图上放置 1 至 {MAX_PLACEMENTS} 处规划设施。 "
            f"Place 1 to {MAX_PLACEMENTS} planned facilities."
        )
        raise UploadError(msg, control="map")
    checked = []
    for item in items:
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
            ftype = str(item.get("type", "station"))
            area = float(item.get("floor_area_m2", 0.0))
        except (KeyError, TypeError, ValueError):
            raise UploadError(
                "规划设施的位置或面积不是数字。 Not a number.", control="map"
            ) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not 0 <= area <= 1e6:
            raise UploadError("规划设施的位置或面积超出范围。 Out of range.", control="map")
        if ftype not in FACILITY_TYPES:
            raise UploadError("未知的设施类型。 Unknown facility type.", control="placement-type")
        checked.append({"lon": lon, "lat": lat, "type": ftype, "floor_area_m2": area})
    return checked


class Workbench:
    """Sessions, uploads and runs (the logic behind the web page, usable without it)."""

    def __init__(
        self,
        workdir: Path,
        *,
        data_dir: Path | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.workdir = Path(workdir).resolve()  # once: every path below is absolute
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = None if data_dir is None else Path(data_dir).resolve()
        self.max_upload_bytes = max_upload_bytes
        self.sessions: dict[str, Session] = {}
        self.pool = ThreadPoolExecutor(max_workers=2)  # runs never block other sessions
        self.lock = threading.Lock()
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Remove the session folders an earlier server left (it held their state in memory)."""
        for folder in self.workdir.iterdir():
            if folder.is_dir() and re.fullmatch(r"[0-9a-f]{32}", folder.name):
                shutil.rmtree(folder, ignore_errors=True)

    def new_session(self) -> str:
        """Create a session with its own folder; return its id.

        Sessions idle for ``SESSION_HOURS`` are removed with their folders first.
        """
        self._expire()
        sid = uuid.uuid4().hex
        folder = self.workdir / sid
        with self.lock:
            if len(self.sessions) >= MAX_SESSIONS:
                raise SessionLimitError(
                    f"同时打开的会话已达上限（{MAX_SESSIONS} 个），请稍后再试或关闭不用的页面。 "
                    f"{MAX_SESSIONS} sessions are open; try again later."
                )
            (folder / "layers").mkdir(parents=True)
            self.sessions[sid] = Session(folder)
        return sid

    def _expire(self) -> None:
        cutoff = time.time() - SESSION_HOURS * 3600
        with self.lock:
            old = [
                k
                for k, s in self.sessions.items()
                if s.touched < cutoff and s.status not in {"running", "queued"}
            ]
            for sid in old:
                shutil.rmtree(self.sessions.pop(sid).folder, ignore_errors=True)

    def session(self, sid: str) -> Session:
        """The session ``sid`` (KeyError if there is none)."""
        if not re.fullmatch(r"[0-9a-f]{32}", sid):
            raise KeyError(sid)
        found = self.sessions[sid]
        found.touched = time.time()
        return found

    def upload(self, sid: str, kind: str, filename: str, data: bytes) -> dict[str, Any]:
        """Store an upload and preview it; a refusal points at the kind's file control."""
        try:
            return self._upload(sid, kind, filename, data)
        except UploadError as exc:
            if exc.control or kind not in KIND_ZH:
                raise
            raise UploadError(str(exc), control=f"file-{kind}") from None

    def _upload(self, sid: str, kind: str, filename: str, data: bytes) -> dict[str, Any]:
        """Store an upload as ``layers/<kind>.<type>`` and preview it.

        Returns
        -------
        dict
            Kind, original name, detected type and (for layers) the preview.
        """
        s = self.session(sid)
        if kind not in {"facilities", "communities", "network"}:
            raise UploadError(f"unknown upload kind {kind!r}")
        if len(data) > self.max_upload_bytes:
            raise UploadError(
                f"文件过大：上限 {self.max_upload_bytes // 2**20} MB。 "
                f"The file is larger than {self.max_upload_bytes // 2**20} MB."
            )
        detected = sniff(data)
        layers = s.folder / "layers"
        if kind == "network" and detected in NETWORK_SUFFIXES:
            path = layers / f"network{NETWORK_SUFFIXES[detected]}"
            path.write_bytes(data)
        elif kind == "network" and detected == "csv":
            raise UploadError(
                "路网须为 OSM 文件（.osm、.osm.pbf）或道路中心线图层（Shapefile 压缩包、GPKG、"
                "GeoJSON）。 The network must be an OSM file (.osm, .osm.pbf) or a road line "
                "layer (zipped Shapefile, GPKG, GeoJSON)."
            )
        elif detected == "shp-zip":
            folder = layers / kind
            folder.mkdir(exist_ok=True)
            shp = [p for p in safe_extract(data, folder) if p.suffix.lower() == ".shp"]
            path = shp[0]
        elif detected in LAYER_SUFFIXES:
            path = layers / f"{kind}{LAYER_SUFFIXES[detected]}"
            path.write_bytes(data)
        else:
            raise UploadError(
                f"{detected} 文件不能作为{KIND_ZH[kind]}。 "
                f"A {detected} file cannot be the {kind} layer."
            )
        info: dict[str, Any] = {
            "kind": kind,
            "name": filename,
            "type": detected,
            "path": str(path.relative_to(s.folder)),
        }
        if detected == "xlsx":
            info["sheets"] = _sheet_names(path)
            info["sheet"] = info["sheets"][0] if info["sheets"] else None
        if kind != "network":
            info["preview"] = _preview(kind, path, info.get("sheet"))
        s.uploads[kind] = info
        return info

    def choose_sheet(self, sid: str, kind: str, sheet: str) -> dict[str, Any]:
        """Read another sheet of an uploaded workbook as the layer; return the new preview."""
        s = self.session(sid)
        info = s.uploads.get(kind)
        if info is None or sheet not in info.get("sheets", []):
            raise UploadError(
                "没有这个工作表。 No such sheet in the workbook.", control=f"sheet-{kind}"
            )
        info["sheet"] = sheet
        info["preview"] = _preview(kind, s.folder / info["path"], sheet)
        return info

    def server_files(self) -> list[str]:
        """Street network files in the server's data folder (``serve --data-dir``)."""
        if self.data_dir is None or not self.data_dir.is_dir():
            return []
        found = [
            p.relative_to(self.data_dir).as_posix()
            for p in sorted(self.data_dir.rglob("*"))
            if p.is_file()
            and p.name.lower().endswith((".osm", ".osm.pbf"))
            and self.data_dir in p.resolve().parents  # a link pointing outside is not offered
        ]
        return found[:500]

    def use_server_file(self, sid: str, name: str) -> dict[str, Any]:
        """Take a network file from the data folder (only a name it lists) as the upload."""
        if name not in self.server_files():
            raise UploadError(
                "服务器数据目录中没有这个文件。 No such file in the server's data folder.",
                control="server-network",
            )
        path = self.data_dir / name  # type: ignore[operator]
        return self.upload(sid, "network", path.name, path.read_bytes())

    def validate(self, sid: str, form: dict[str, Any]) -> dict[str, Any]:
        """Check config, layers and network as ``geo-coverage validate`` does (writes nothing).

        Returns
        -------
        dict
            ``ok``, the located ``findings`` that stop a run, the ``warnings`` that change
            how it reads (a coordinate system that fits the streets worse, a sparse
            network, implausible values) and a one-line ``summary``.
        """
        from ..pipeline import validate

        s = self.session(sid)
        path = s.folder / "config.yaml"
        path.write_text(self.config_text(sid, form), encoding="utf-8")
        config = load_config(path)
        shown = {
            **config.given_paths,
            **{str((s.folder / u["path"]).resolve()): u["name"] for u in s.uploads.values()},
        }
        try:
            checked = validate(config)
        except LayerError as exc:
            findings = [asdict(f.as_given(shown)) for f in exc.findings]
            return {"ok": False, "findings": findings, "warnings": []}
        except GeoCoverageError as exc:
            return {"ok": False, "findings": [], "warnings": [], "summary": _no_paths(str(exc), s)}
        layers, network = checked.layers, checked.network
        return {
            "ok": True,
            "findings": [],
            "warnings": [asdict(w.as_given(shown)) for w in checked.warnings],
            "summary": f"{len(layers.facilities)} facilities, {len(layers.communities)} "
            f"communities, network {network.n_nodes:,} nodes",
        }

    def config_text(self, sid: str, form: dict[str, Any]) -> str:
        """The city config YAML for ``form`` (paths relative to the session folder)."""
        s = self.session(sid)
        s.form = {"coords": dict(form.get("coords") or {})}  # what a reloaded page restores
        place = str(form.get("place") or "").strip()
        needed = (
            ("facilities", "communities") if place else ("facilities", "communities", "network")
        )
        missing = [k for k in needed if k not in s.uploads]
        if missing:
            raise UploadError(
                f"请先上传{'、'.join(KIND_ZH[k] for k in missing)}。 "
                f"Upload the {', '.join(missing)} first.",
                control=f"file-{missing[0]}",
            )
        layers: dict[str, Any] = {}
        for kind in ("facilities", "communities"):
            coords = str((form.get("coords") or {}).get(kind) or "").strip()
            if not coords:  # never a silent default: a wrong guess moves every point ~500 m
                raise UploadError(
                    f"请为{KIND_ZH[kind]}选择坐标系：高德、腾讯导出选 gcj02，百度选 bd09，"
                    f"GPS、天地图选 wgs84。 Choose the coordinate system of the {kind} list.",
                    control=f"coords-{kind}",
                )
            layer: dict[str, Any] = {"path": s.uploads[kind]["path"], "coords": coords}
            if s.uploads[kind].get("sheet"):
                layer["sheet"] = s.uploads[kind]["sheet"]
            columns = {
                str(k): str(v) for k, v in (form.get("columns", {}).get(kind) or {}).items() if v
            }
            if columns:
                layer["columns"] = columns
            if kind == "facilities":
                types = {str(k): str(v) for k, v in (form.get("types") or {}).items() if v}
                if types:
                    layer["types"] = types
            layers[kind] = layer
        overrides = {k: v for k, v in (form.get("overrides") or {}).items() if k in THRESHOLD_KEYS}
        for key, value in overrides.items():  # '10分钟' is refused, never dropped
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UploadError(
                    f"阈值 {key} 须填数字（如 10，不带单位），现为 {value!r}。 "
                    f"Threshold {key} must be a number (10, without a unit), not {value!r}.",
                    control=f"threshold-{key}",
                )
        config: dict[str, Any] = {
            "city": str(form.get("city") or "未命名"),
            "slug": "city",
            "network": self._network(s, form, place),
            "layers": layers,
            "standard": {"profile": str(form.get("profile") or PROFILES[0])},
            "outputs": {"folder": "outputs", "language": str(form.get("language") or "zh")},
        }
        if overrides:
            config["standard"]["overrides"] = overrides
        if form.get("siting_k"):
            objective = "households" if form.get("objective") == "households" else "elderly"
            config["siting"] = {"k": int(form["siting_k"]), "objective": objective}
        header = f"# written by the geo_coverage {__version__} workbench; rerun: geo-coverage run\n"
        return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)

    @staticmethod
    def _network(s: Session, form: dict[str, Any], place: str) -> dict[str, Any]:
        """The config's network: the uploaded file, or a place name or bbox to download.

        A road layer carries the chosen coordinate system; a place of four numbers is a
        bbox "west,south,east,north".
        """
        if "network" in s.uploads:
            network: dict[str, Any] = {"path": s.uploads["network"]["path"]}
            coords = str(form.get("network_coords") or "")
            if s.uploads["network"]["type"] not in NETWORK_SUFFIXES and coords:
                network["coords"] = coords
            return network
        numbers = re.split(r"[,，\s]+", place)
        if len(numbers) == 4 and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers):
            return {"bbox": [float(n) for n in numbers]}
        return {"place": place}

    def start_run(self, sid: str, form: dict[str, Any]) -> None:
        """Write the config, check it, and run the pipeline in a worker thread."""
        s = self.session(sid)
        with self.lock:  # one run per session: the check and the claim together
            if s.status in {"queued", "running"}:
                raise UploadError(
                    "本会话已有评估在进行，请等待其完成。 A run of this session is already going."
                )
            s.status, s.stage, s.findings, s.error = "queued", "", [], ""
            s.outputs, s.warnings = [], []
            s.queued = time.time()
        try:
            path = s.folder / "config.yaml"
            path.write_text(self.config_text(sid, form), encoding="utf-8")
        except Exception:
            s.status = "idle"
            raise
        self.pool.submit(self._run, s, path)

    def place(self, sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Re-score the session's run with planned facilities placed on the map.

        ``payload["facilities"]``: up to ``MAX_PLACEMENTS`` of ``{lon, lat, type,
        floor_area_m2}`` (WGS84 degrees, a facility type key, square metres). Every call
        places them all on today's city, so moving one is sending the list again.

        Returns
        -------
        dict
            ``scorecard`` (each indicator today and with the placements), the compounds
            newly within the care circle, and the seconds it took.

        Raises
        ------
        UploadError
            No finished run, or a placement that is not a facility on the map.
        """
        import geopandas as gpd
        import shapely

        from ..scenarios import with_placements

        s = self.session(sid)
        result = s.result
        if s.status != "done" or result is None or result.layers is None:
            msg = "请先完成一次评估，再在地图上放置规划设施。 Run the assessment first."
            raise UploadError(msg, control="run")
        placed = _placements(payload)
        started = time.perf_counter()
        frame = gpd.GeoDataFrame(
            {
                "id": [f"规划{k + 1}" for k in range(len(placed))],
                "name": [f"规划设施 {k + 1}" for k in range(len(placed))],
                "type": [p["type"] for p in placed],
                "type_label": [FACILITY_TYPES[p["type"]].label_zh for p in placed],
                "floor_area_m2": [p["floor_area_m2"] for p in placed],
                "beds": 0.0,
                "nursing_beds": 0.0,
                "source_row": 0,
            },
            geometry=[shapely.Point(p["lon"], p["lat"]) for p in placed],
            crs="EPSG:4326",
        ).to_crs(result.network.crs)
        try:
            after = with_placements(result.network, result.assessment, result.layers, frame)
        except LayerError as exc:
            raise UploadError(
                "规划设施离步行道路过远，请放在道路旁。 " + exc.findings[0].message, control="map"
            ) from None
        before = result.assessment
        covered = after.communities["covered"].to_numpy(dtype=bool) & ~before.communities[
            "covered"
        ].reindex(after.communities.index, fill_value=False).to_numpy(dtype=bool)
        new = after.communities[covered]
        return {
            "scorecard": [
                {
                    "indicator": row["indicator"],
                    "label_zh": row["label_zh"],
                    "label_en": row["label_en"],
                    "before": json_value(old),
                    "after": json_value(row["measured"]),
                    "status": row["status"],
                }
                for row, old in zip(
                    after.scorecard.to_dict(orient="records"),
                    before.scorecard["measured"],
                    strict=True,
                )
            ],
            "newly_covered": [
                {"id": str(i), "name": str(n)} for i, n in zip(new["id"], new["name"], strict=True)
            ],
            "seconds": round(time.perf_counter() - started, 3),
        }

    def queue_position(self, s: Session) -> int:
        """How many runs wait before this queued one (0 when it is running or not queued)."""
        if s.status != "queued":
            return 0
        with self.lock:
            waiting = [o for o in self.sessions.values() if o.status == "queued"]
        return sum(1 for o in waiting if o.queued < s.queued) + 1

    def _run(self, s: Session, path: Path) -> None:
        from ..pipeline import run

        def stage(name: str) -> None:
            s.stage = name

        if s.folder not in {o.folder for o in self.sessions.values()}:
            s.status = "cancelled"  # the session expired while it waited
            return
        s.status, s.stage = "running", "config"
        try:
            result = run(load_config(path), on_stage=stage)
            s.result = result
            s.outputs = [p.name for p in result.outputs]
            s.warnings = [asdict(w) for w in result.warnings]
            s.status = "done"
        except LayerError as exc:
            s.findings = [asdict(f) for f in exc.findings]
            s.error, s.status = "the input layers have problems", "failed"
        except (ConfigError, GeoCoverageError) as exc:
            s.error, s.status = _no_paths(str(exc), s), "failed"
        except Exception as exc:  # reported to the page, never raised into the server
            s.error, s.status = f"internal error: {type(exc).__name__}: {exc}", "failed"

    def bundle(self, sid: str) -> bytes:
        """A zip of exactly the run's config.yaml, its input files and its outputs.

        A file uploaded and then replaced (a CSV, then the GeoJSON of the same list) is not
        in it; ``geo-coverage run config.yaml`` in the unzipped folder gives the same files.
        """
        s = self.session(sid)
        files = [s.folder / "config.yaml"]
        for info in s.uploads.values():
            path = s.folder / info["path"]
            files += sorted(path.parent.iterdir()) if info["type"] == "shp-zip" else [path]
        outputs = s.folder / "outputs"
        files += sorted(outputs / name for name in s.outputs)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                if path.is_file():
                    archive.write(path, path.relative_to(s.folder).as_posix())
        return buffer.getvalue()


def _sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _preview(kind: str, path: Path, sheet: str | None) -> dict[str, Any]:
    """The first rows of a layer and the columns a run would read (``layers.preview_layer``)."""
    preview = preview_layer(kind, LayerConfig(path=path, sheet=sheet))
    return {
        "headers": list(preview.headers),
        "rows": [list(r) for r in preview.rows],
        "columns": preview.columns,
        "wanted": list(preview.wanted),
        "required": list(preview.required),
        "type_words": preview.type_words,
        "findings": [asdict(f) for f in preview.findings],
    }


def _no_paths(text: str, s: Session) -> str:
    """A message for the page: the session's folder (a path on the server) taken out."""
    return text.replace(str(s.folder) + "/", "").replace(str(s.folder), "")


def profile_thresholds(name: str) -> list[dict[str, Any]]:
    """Every numeric threshold of a profile with its value (None: no target) and source."""
    s = standards_from_profile(name)
    return [
        {"key": k, "value": getattr(s, k), "source": s.source(k)}
        for k in THRESHOLD_KEYS
        if getattr(s, k) is None or isinstance(getattr(s, k), int | float)
    ]


def create_app(
    workdir: Path,
    *,
    data_dir: Path | None = None,
    listen_host: str = "127.0.0.1",
    allowed_hosts: tuple[str, ...] = (),
    token: str | None = None,
    openapi: bool = False,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> FastAPI:
    """The FastAPI application of the workbench, behind its guard (``_guard.Guard``).

    Parameters
    ----------
    workdir
        Where each session gets its own folder.
    data_dir
        A folder of street network files the page may offer (e.g. the city's .osm.pbf
        kept on an intranet server); None: uploads only.
    listen_host
        The address the server listens on; beyond loopback a token is required.
    allowed_hosts
        Host names the server answers to besides loopback (``--allowed-host``).
    token
        The server token (default: a new random one when ``listen_host`` is not loopback).
    openapi
        Serve ``/openapi.json`` (off: the API's description is not published).
    max_upload_bytes
        The largest upload; a larger request body is refused before it is stored.

    Returns
    -------
    fastapi.FastAPI
        The app (serve it with uvicorn, or test it with ``fastapi.testclient`` and a
        ``base_url`` on 127.0.0.1); ``app.state.token`` is the token (None on loopback).
    """
    bench = Workbench(workdir, data_dir=data_dir, max_upload_bytes=max_upload_bytes)
    app = FastAPI(
        title="geo_coverage 规划工作台",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if openapi else None,
    )
    app.state.bench = bench
    if token is None and not is_loopback(listen_host):
        token = secrets.token_urlsafe(24)
    app.state.token = token
    app.add_middleware(
        Guard,
        listen_host=listen_host,
        allowed_hosts=allowed_hosts,
        max_body_bytes=bench.max_upload_bytes + 2**20,  # the file and its form fields
        token=token,
    )

    @app.exception_handler(UploadError)
    def _refused(_request: Any, exc: UploadError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "control": exc.control}, status_code=400)

    @app.exception_handler(SessionLimitError)
    def _too_many(_request: Any, exc: SessionLimitError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=429)

    _page_routes(app)
    _session_routes(app, bench)
    _result_routes(app, bench)
    return app


def _page_routes(app: FastAPI) -> None:
    """The page, its two assets, and what the page needs to know (profiles, types)."""

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return (ASSETS / "index.html").read_text(encoding="utf-8")

    @app.get("/assets/{name}")
    def asset(name: str) -> FileResponse:
        if name not in {"app.js", "style.css"}:
            raise HTTPException(404)
        return FileResponse(ASSETS / name)

    @app.get("/api/meta")
    def meta() -> dict[str, Any]:
        return {
            "profiles": list(PROFILES),
            "types": {k: [t.label_zh, t.label_en] for k, t in FACILITY_TYPES.items()},
            "columns": {k: list(v) for k, v in COLUMN_LABELS.items()},
            "thresholds": {k: list(v) for k, v in THRESHOLD_LABELS.items()},
            "version": __version__,
        }

    @app.get("/api/profile/{name}")
    def profile(name: str) -> list[dict[str, Any]]:
        if name not in PROFILES:
            raise HTTPException(404, "unknown profile")
        return profile_thresholds(name)


def _session_routes(app: FastAPI, bench: Workbench) -> None:
    """Sessions: new, upload, network from the server, validate, run."""

    def session_or_404(sid: str) -> Session:
        return _session_or_404(bench, sid)

    @app.post("/api/session")
    def new_session() -> dict[str, str]:
        return {"session": bench.new_session()}

    @app.post("/api/{sid}/upload")
    async def upload(
        sid: str, kind: Annotated[str, Form()], file: Annotated[UploadFile, File()]
    ) -> dict[str, Any]:
        session_or_404(sid)
        data = await file.read(bench.max_upload_bytes + 1)
        return bench.upload(sid, kind, file.filename or "", data)

    @app.get("/api/server-files")
    def server_files() -> list[str]:
        return bench.server_files()

    @app.post("/api/{sid}/server-file")
    def server_file(sid: str, form: dict[str, Any]) -> dict[str, Any]:
        session_or_404(sid)
        return bench.use_server_file(sid, str(form.get("name", "")))

    @app.post("/api/{sid}/sheet")
    def sheet(sid: str, form: dict[str, Any]) -> dict[str, Any]:
        session_or_404(sid)
        return bench.choose_sheet(sid, str(form.get("kind", "")), str(form.get("sheet", "")))

    @app.post("/api/{sid}/validate")
    def validate(sid: str, form: dict[str, Any]) -> dict[str, Any]:
        session_or_404(sid)
        try:
            return bench.validate(sid, form)
        except ConfigError as exc:
            raise UploadError(str(exc)) from None

    @app.post("/api/{sid}/run")
    def start(sid: str, form: dict[str, Any]) -> dict[str, str]:
        session_or_404(sid)
        try:
            bench.start_run(sid, form)
        except ConfigError as exc:
            raise UploadError(str(exc)) from None
        return {"status": "running"}


def _session_or_404(bench: Workbench, sid: str) -> Session:
    try:
        return bench.session(sid)
    except KeyError:
        raise HTTPException(404, "no such session") from None


def _result_routes(app: FastAPI, bench: Workbench) -> None:
    """A session's run: status and results, each output, the reproducible bundle."""

    def session_or_404(sid: str) -> Session:
        return _session_or_404(bench, sid)

    @app.get("/api/{sid}/status")
    def status(sid: str) -> dict[str, Any]:
        s = session_or_404(sid)
        keys = ("status", "stage", "findings", "error", "outputs", "warnings")
        out = {k: getattr(s, k) for k in keys}
        out["position"] = bench.queue_position(s)
        out["uploads"] = {k: {"name": u["name"], "type": u["type"]} for k, u in s.uploads.items()}
        out["form"] = {"coords": (s.form or {}).get("coords", {})}
        if s.status == "done":
            folder = s.folder / "outputs"
            out["scorecard"] = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
            out["gaps"] = gap_page(s, limit=GAP_PAGE_ROWS)  # the first page; more on request
        return out

    @app.post("/api/{sid}/place")
    def place(sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        session_or_404(sid)
        return bench.place(sid, payload)

    @app.get("/api/{sid}/gaps")
    def gaps(
        sid: str, offset: int = 0, limit: int = GAP_PAGE_ROWS, sort: int = -1, desc: bool = False
    ) -> dict[str, Any]:
        s = session_or_404(sid)
        if s.status != "done":
            raise HTTPException(404, "no results yet")
        return gap_page(s, offset=offset, limit=limit, sort=sort, descending=desc)

    @app.get("/api/{sid}/outputs/{name}")
    def output(sid: str, name: str) -> FileResponse:
        s = session_or_404(sid)
        if name not in s.outputs:
            raise HTTPException(404)
        shown = "inline" if name.endswith(".html") else "attachment"  # the map opens in the page
        return FileResponse(
            s.folder / "outputs" / name, filename=name, content_disposition_type=shown
        )

    @app.get("/api/{sid}/bundle.zip")
    def bundle(sid: str) -> Response:
        session_or_404(sid)
        headers = {"Content-Disposition": 'attachment; filename="geo_coverage_city.zip"'}
        return Response(bench.bundle(sid), media_type="application/zip", headers=headers)


GAP_PAGE_ROWS = 100
"""Rows of the gap list per page: a poll stays small whatever the city's size."""


def gap_page(
    s: Session,
    *,
    offset: int = 0,
    limit: int = GAP_PAGE_ROWS,
    sort: int = -1,
    descending: bool = False,
) -> dict[str, Any]:
    """One page of a session's gap list, sorted by column ``sort`` (-1: the list's order).

    Returns
    -------
    dict
        ``headers``, ``rows`` (text), ``offset``, ``total``, ``sort`` and ``desc``.
    """
    import pandas as pd

    path = s.folder / "outputs" / "gaps.csv"
    if not path.is_file():
        return {"headers": [], "rows": [], "offset": 0, "total": 0, "sort": -1, "desc": False}
    if s.gap_table is None or s.gap_table[0] != path.stat().st_mtime:
        s.gap_table = (path.stat().st_mtime, pd.read_csv(path, encoding="utf-8-sig", dtype=str))
    frame = s.gap_table[1]
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    if 0 <= sort < frame.shape[1]:
        column = frame.iloc[:, sort]
        numbers = pd.to_numeric(column, errors="coerce")
        key = numbers if numbers.notna().sum() >= column.notna().sum() else column.fillna("")
        frame = frame.iloc[key.sort_values(ascending=not descending, kind="stable").index]
    else:
        sort = -1
    page = frame.iloc[offset : offset + limit].fillna("")
    return {
        "headers": list(frame.columns),
        "rows": page.to_numpy().tolist(),
        "offset": offset,
        "total": len(frame),
        "sort": sort,
        "desc": bool(descending),
    }


def start_urls(host: str, port: int, token: str | None) -> list[str]:
    """The addresses to open the workbench at (with the token when it listens on the network)."""
    query = f"/?token={token}" if token else "/"
    if is_loopback(host):
        return [f"http://{host}:{port}{query}"]
    names = sorted(machine_names()) if host in {"0.0.0.0", "::"} else [host]
    shown = [n for n in names if ":" not in n] or names  # IPv4 and names first
    return [f"http://{n}:{port}{query}" for n in shown]


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8501,
    workdir: Path | None = None,
    data_dir: Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> None:
    """Serve the workbench until interrupted (``geo-coverage serve``)."""
    import tempfile

    import uvicorn

    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="geo_coverage_bench_"))
    app = create_app(folder, data_dir=data_dir, listen_host=host, allowed_hosts=allowed_hosts)
    for url in start_urls(host, port, app.state.token):
        print(f"规划工作台: {url}")
    if not is_loopback(host):
        print(
            "注意：工作台对局域网开放；只有持上面地址（含口令）的人能使用。 Listening beyond this "
            "machine: only those with the address above (token included) can use it."
        )
    print("(Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
