"""Read facilities, communities, entrances, subdistricts and candidate sites into WGS84 frames.

Reads CSV (lon/lat columns), XLSX, GeoJSON, GeoPackage and Shapefile (GBK DBF
included); maps the user's headers (Chinese or English) to the tool's column names;
converts GCJ-02 and BD-09 to WGS84; and checks everything a planner's file can get
wrong, collecting all findings before raising one ``LayerError``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.validation import explain_validity

from ._errors import Finding, LayerError
from .config import CityConfig, FacilityLayerConfig, LayerConfig
from .coords import to_wgs84
from .standards import FACILITY_TYPES
from .utils import log

WGS84 = "EPSG:4326"
ROW_COL = "source_row"
"""Column holding each feature's row as the user sees it in the source file."""

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "代码", "编码", "fid", "objectid", "设施编号", "小区编号"),
    "name": (
        "name",
        "名称",
        "机构名称",
        "设施名称",
        "小区名称",
        "社区名称",
        "街道名称",
        "站点名称",
    ),
    "type": ("type", "类型", "设施类型", "机构类型", "类别"),
    "floor_area_m2": ("floor_area_m2", "floor_area", "建筑面积", "面积", "用房面积"),
    "beds": ("beds", "床位", "床位数", "床位数量"),
    "nursing_beds": ("nursing_beds", "护理床位", "护理型床位", "护理型床位数"),
    "capacity": ("capacity", "容量", "服务容量"),
    "households": ("households", "户数", "住户数", "总户数", "户籍户数"),
    "population": ("population", "人口", "常住人口", "人口数", "总人口"),
    "elderly": ("elderly", "老年人口", "60岁以上人口", "老年人数", "老人数", "60岁以上老人"),
    "subdistrict": ("subdistrict", "街道", "所属街道", "街道办事处", "街道（乡镇）"),
    "facility_land_m2": ("facility_land_m2", "养老设施用地面积", "养老用地面积", "养老设施用地"),
    "facility_area_m2": (
        "facility_area_m2",
        "养老用房面积",
        "配套养老面积",
        "养老设施面积",
        "配建养老面积",
    ),
    "community_id": ("community_id", "所属小区", "小区id", "所属小区编号"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
}


@dataclass(frozen=True)
class LayerSpec:
    """What one layer must and may hold."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    numeric: tuple[str, ...]
    geometry: tuple[str, ...]


SPECS: dict[str, LayerSpec] = {
    "facilities": LayerSpec(
        "facilities",
        ("id", "name", "type"),
        ("floor_area_m2", "beds", "nursing_beds", "capacity"),
        ("floor_area_m2", "beds", "nursing_beds", "capacity"),
        ("Point",),
    ),
    "communities": LayerSpec(
        "communities",
        ("id", "name", "households"),
        ("population", "elderly", "subdistrict", "facility_land_m2", "facility_area_m2"),
        ("households", "population", "elderly", "facility_land_m2", "facility_area_m2"),
        ("Polygon", "MultiPolygon", "Point"),
    ),
    "entrances": LayerSpec(
        "entrances", ("community_id",), ("id", "households"), ("households",), ("Point",)
    ),
    "subdistricts": LayerSpec("subdistricts", ("name",), ("id",), (), ("Polygon", "MultiPolygon")),
    "candidates": LayerSpec(
        "candidates", ("id",), ("name",), (), ("Point", "Polygon", "MultiPolygon")
    ),
}

MAX_FINDINGS_PER_COLUMN = 20


@dataclass(frozen=True)
class Layers:
    """All input layers of a city in WGS84 (EPSG:4326), columns renamed to the tool's names."""

    facilities: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame | None = None
    subdistricts: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None

    def to_crs(self, crs: object) -> Layers:
        """Return a copy of every layer reprojected to ``crs``."""
        return Layers(
            **{
                name: (None if gdf is None else gdf.to_crs(crs))
                for name, gdf in self.__dict__.items()
            }
        )


def _normalise(header: str) -> str:
    """Lower-case, drop spaces and a trailing unit in brackets: '建筑面积（㎡）' -> '建筑面积'."""
    text = str(header).strip().lower().replace(" ", "").replace("_", "")
    return re.split(r"[(（\[【]", text, maxsplit=1)[0]


def _read_table(path: Path, cfg: LayerConfig) -> pd.DataFrame:
    """Read a CSV or XLSX file; CSV is tried as UTF-8 (with or without BOM), then GBK."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return pd.read_excel(path, sheet_name=cfg.sheet or 0, dtype=object)
    encodings = [cfg.encoding] if cfg.encoding else ["utf-8-sig", "gbk"]
    for i, encoding in enumerate(encodings):
        try:
            return pd.read_csv(path, encoding=encoding, dtype=object, skipinitialspace=True)
        except UnicodeDecodeError:
            if i == len(encodings) - 1:
                raise
    raise AssertionError  # pragma: no cover


def _read_vector(path: Path, cfg: LayerConfig) -> gpd.GeoDataFrame:
    """Read a GIS file; a Shapefile without .cpg is read as UTF-8, else GBK (ArcGIS China)."""
    kwargs: dict[str, str] = {}
    if cfg.encoding:
        kwargs["encoding"] = cfg.encoding
    elif path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
        try:
            gdf = gpd.read_file(path, encoding="utf-8", engine="pyogrio")
            text = " ".join(gdf.select_dtypes(object).astype(str).to_numpy().ravel()[:2000])
            if "\ufffd" not in text:
                return gdf
        except (UnicodeDecodeError, ValueError):
            pass
        kwargs["encoding"] = "gbk"
    return gpd.read_file(path, engine="pyogrio", **kwargs)


def _map_columns(
    frame: pd.DataFrame, cfg: LayerConfig, spec: LayerSpec, file: str
) -> tuple[dict[str, str], list[Finding]]:
    """Return tool column -> user header for every column found, and findings for the missing."""
    headers = [str(c) for c in frame.columns if c != "geometry"]
    by_norm = {_normalise(h): h for h in headers}
    findings: list[Finding] = []
    mapping: dict[str, str] = {}
    wanted = list(spec.required) + list(spec.optional)
    if not isinstance(frame, gpd.GeoDataFrame):
        wanted += ["lon", "lat"]
    for canonical, header in cfg.columns.items():
        if canonical not in ALIASES:
            findings.append(
                Finding(
                    file,
                    None,
                    header,
                    f"config maps unknown tool column '{canonical}'; known: {', '.join(wanted)}",
                )
            )
        elif header not in headers:
            close = difflib.get_close_matches(header, headers, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            findings.append(
                Finding(
                    file,
                    None,
                    header,
                    f"column '{header}' (configured for '{canonical}') is not in the file; "
                    f"the file has: {', '.join(headers)}.{hint}",
                )
            )
        else:
            mapping[canonical] = header
    for canonical in wanted:
        if canonical in mapping or canonical in cfg.columns:
            continue
        found = next(
            (by_norm[_normalise(a)] for a in ALIASES[canonical] if _normalise(a) in by_norm), None
        )
        if found is not None:
            mapping[canonical] = found
        elif canonical in spec.required or canonical in {"lon", "lat"}:
            close = difflib.get_close_matches(canonical, headers, n=1) or difflib.get_close_matches(
                ALIASES[canonical][1], headers, n=1, cutoff=0.3
            )
            hint = f"; did you mean '{close[0]}'?" if close else ""
            findings.append(
                Finding(
                    file,
                    None,
                    None,
                    f"required column '{canonical}' ({'/'.join(ALIASES[canonical][1:3])}) not "
                    f"found; the file has: {', '.join(headers)}{hint}. Rename the header or "
                    f"add 'columns: {{{canonical}: <your header>}}' to this layer in the config",
                )
            )
    return mapping, findings


def _check_numeric(
    frame: pd.DataFrame, columns: list[str], rows: np.ndarray, file: str, headers: dict[str, str]
) -> tuple[pd.DataFrame, list[Finding]]:
    """Convert numeric columns; report text that is not a number and negative values."""
    findings: list[Finding] = []
    out = frame.copy()
    for col in columns:
        if col not in out:
            continue
        raw = out[col]
        text = raw.astype(str).str.replace(",", "", regex=False).str.strip()
        blank = raw.isna() | text.isin(["", "nan", "None"])
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        bad = np.flatnonzero((values.isna() & ~blank).to_numpy())
        neg = np.flatnonzero((values < 0).to_numpy())
        for kind, idx in (("not a number", bad), ("negative", neg)):
            for i in idx[:MAX_FINDINGS_PER_COLUMN]:
                findings.append(
                    Finding(
                        file,
                        int(rows[i]),
                        headers[col],
                        f"value {raw.iloc[i]!r} is {kind}; enter a number ≥ 0 "
                        "(no units or text such as '约300户')",
                    )
                )
            if len(idx) > MAX_FINDINGS_PER_COLUMN:
                findings.append(
                    Finding(
                        file,
                        None,
                        headers[col],
                        f"… and {len(idx) - MAX_FINDINGS_PER_COLUMN} more rows {kind}",
                    )
                )
        out[col] = values
    return out, findings


def _points_from_table(
    frame: pd.DataFrame, rows: np.ndarray, file: str, headers: dict[str, str]
) -> tuple[np.ndarray, np.ndarray, list[Finding]]:
    """Return lon/lat arrays and findings for missing, out-of-range or swapped pairs."""
    findings: list[Finding] = []
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(np.isnan(lon) | np.isnan(lat))[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                f"{headers['lon']}/{headers['lat']}",
                f"coordinates missing or not numbers ({frame['lon'].iloc[i]!r}, "
                f"{frame['lat'].iloc[i]!r}); give decimal degrees",
            )
        )
    ok = ~(np.isnan(lon) | np.isnan(lat))
    looks_swapped = ok & (np.abs(lat) > 60) & (np.abs(lon) <= 60)
    for i in np.flatnonzero(looks_swapped)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                f"{headers['lon']}/{headers['lat']}",
                f"longitude {lon[i]} and latitude {lat[i]} look swapped (in China longitude "
                "is 73–135 and latitude 18–54); exchange the two columns or fix the "
                "'columns: {lon: …, lat: …}' mapping",
            )
        )
    out_of_range = ok & ~looks_swapped & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    for i in np.flatnonzero(out_of_range)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                f"{headers['lon']}/{headers['lat']}",
                f"({lon[i]}, {lat[i]}) is not a longitude/latitude in degrees; if the file "
                "holds projected metres set 'coords: EPSG:<code>' for this layer",
            )
        )
    return lon, lat, findings


def _check_geometries(gdf: gpd.GeoDataFrame, spec: LayerSpec, file: str) -> list[Finding]:
    """Report empty, invalid or wrongly typed geometries by feature."""
    findings: list[Finding] = []
    rows = gdf[ROW_COL].to_numpy()
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(missing)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(Finding(file, int(rows[i]), "geometry", "geometry is empty; draw it"))
    present = ~missing
    types = np.array(shapely.get_type_id(geoms))
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    for i in np.flatnonzero(present & ~np.isin(names[np.clip(types, 0, 7)], spec.geometry)):
        findings.append(
            Finding(
                file,
                int(rows[i]),
                "geometry",
                f"geometry is a {names[types[i]]}; {spec.kind} must be "
                f"{' or '.join(spec.geometry)}",
            )
        )
    invalid = present & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                "geometry",
                f"invalid geometry ({explain_validity(geoms[i])}); repair it in QGIS "
                "(Vector ▸ Geometry Tools ▸ Fix Geometries) or ArcGIS (Repair Geometry)",
            )
        )
    return findings


def _check_ids(gdf: pd.DataFrame, file: str, header: str) -> list[Finding]:
    """Report duplicate ids, naming the row that first used each."""
    findings: list[Finding] = []
    ids = gdf["id"].astype(str)
    first_row = dict(zip(ids[~ids.duplicated()], gdf[ROW_COL][~ids.duplicated()], strict=True))
    for i in np.flatnonzero(ids.duplicated().to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(gdf[ROW_COL].iloc[i]),
                header,
                f"duplicate id {ids.iloc[i]!r} (first used in row {first_row[ids.iloc[i]]}); "
                "ids must be unique",
            )
        )
    blank = ids.isin(["", "nan", "None"])
    for i in np.flatnonzero(blank.to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(Finding(file, int(gdf[ROW_COL].iloc[i]), header, "id is empty"))
    return findings


def _map_types(
    gdf: gpd.GeoDataFrame, cfg: FacilityLayerConfig | LayerConfig, file: str, header: str
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Map the city's facility-type words to tool type keys; report words nobody knows."""
    words: dict[str, str] = {}
    for key, ftype in FACILITY_TYPES.items():
        words[key] = key
        words[ftype.label_zh] = key
        words[ftype.label_en.lower()] = key
        for alias in ftype.aliases:
            words[alias] = key
    words.update(getattr(cfg, "types", {}))
    raw = gdf["type"].astype(str).str.strip()
    mapped = raw.map(lambda w: words.get(w, words.get(w.lower())))
    findings = []
    for i in np.flatnonzero(mapped.isna().to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(gdf[ROW_COL].iloc[i]),
                header,
                f"unknown facility type {raw.iloc[i]!r}; use one of "
                f"{'、'.join(t.label_zh for t in FACILITY_TYPES.values())}, or map it in the "
                f"config: 'types: {{{raw.iloc[i]}: <{'|'.join(FACILITY_TYPES)}>}}'",
            )
        )
    out = gdf.copy()
    out["type_label"] = raw
    out["type"] = mapped
    return out, findings


def _reproject_to_wgs84(gdf: gpd.GeoDataFrame, coords: str, file_crs: object) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84, undoing a GCJ-02/BD-09 offset vertex by vertex."""
    if coords.startswith("EPSG:"):
        return gdf.set_crs(coords, allow_override=True).to_crs(WGS84)
    if coords == "wgs84":
        return gdf.set_crs(file_crs or WGS84, allow_override=True).to_crs(WGS84)

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
        return np.column_stack([lon, lat])

    converted = shapely.transform(gdf.geometry.to_numpy(), convert)
    return gdf.set_geometry(converted).set_crs(WGS84, allow_override=True)


def read_layer(kind: str, cfg: LayerConfig) -> gpd.GeoDataFrame:
    """Read and check one input layer.

    Parameters
    ----------
    kind
        {"facilities", "communities", "entrances", "subdistricts", "candidates"}
    cfg
        The layer's config (path, coordinate system, column mapping).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in WGS84 (EPSG:4326) with the tool's column names, numeric columns
        as floats, and ``source_row`` giving each feature's row in the file.

    Raises
    ------
    LayerError
        With every problem found, each naming file, row and column.
    """
    spec = SPECS[kind]
    path = Path(cfg.path)
    file = str(path)
    frame, is_table = _read_frame(kind, path, cfg)
    rows = np.arange(len(frame)) + (2 if is_table else 1)
    mapping, findings = _map_columns(frame, cfg, spec, file)
    if findings:
        raise LayerError(findings)
    headers = dict(mapping)
    renamed = frame.rename(columns={v: k for k, v in mapping.items()})
    keep = [c for c in [*spec.required, *spec.optional] if c in renamed]
    renamed, num_findings = _check_numeric(renamed, list(spec.numeric), rows, file, headers)
    findings += num_findings
    file_crs = None
    if is_table:
        lon, lat, coord_findings = _points_from_table(renamed, rows, file, headers)
        findings += coord_findings
        gdf = gpd.GeoDataFrame(renamed[keep], geometry=gpd.points_from_xy(lon, lat), crs=None)
    else:
        file_crs = frame.crs
        gdf = gpd.GeoDataFrame(renamed[keep], geometry=renamed.geometry.to_numpy(), crs=None)
    gdf[ROW_COL] = rows
    gdf = gdf.reset_index(drop=True)
    if not is_table:
        findings += _check_geometries(gdf, spec, file)
    gdf, value_findings = _check_values(kind, gdf, cfg, file, headers)
    findings += value_findings
    if findings:
        raise LayerError(findings)
    gdf["id"] = gdf["id"].astype(str)
    if "name" in gdf:
        gdf["name"] = gdf["name"].fillna("").astype(str)
    for col in spec.numeric:
        if col not in gdf:
            gdf[col] = np.nan
    gdf = _reproject_to_wgs84(gdf, cfg.coords, file_crs)
    log(f"{kind}: {len(gdf):,} features from {path.name}")
    return gdf


def _read_frame(kind: str, path: Path, cfg: LayerConfig) -> tuple[pd.DataFrame, bool]:
    """Read the file as a table or GIS layer; a missing, unreadable or empty file is an error."""
    file = str(path)
    if not path.exists():
        msg = f"{kind} file not found; check layers.{kind}.path in the config"
        raise LayerError([Finding(file, None, None, msg)])
    is_table = path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
    try:
        frame = _read_table(path, cfg) if is_table else _read_vector(path, cfg)
    except Exception as exc:  # any reader failure becomes a located finding
        raise LayerError([Finding(file, None, None, f"cannot read the file ({exc})")]) from None
    if len(frame) == 0:
        msg = f"the {kind} layer is empty; it needs at least one row"
        raise LayerError([Finding(file, None, None, msg)])
    return frame, is_table


def _check_values(
    kind: str, gdf: gpd.GeoDataFrame, cfg: LayerConfig, file: str, headers: dict[str, str]
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Check ids, facility types and elderly counts; fill ids where the layer has none."""
    findings: list[Finding] = []
    if "id" in gdf:
        findings += _check_ids(gdf, file, headers["id"])
    else:
        gdf["id"] = [f"{kind[:3]}-{r}" for r in gdf[ROW_COL]]
    if kind == "facilities":
        gdf, type_findings = _map_types(gdf, cfg, file, headers["type"])
        findings += type_findings
    if kind == "communities" and {"elderly", "population"} <= set(gdf.columns):
        for i in np.flatnonzero((gdf["elderly"] > gdf["population"]).to_numpy()):
            findings.append(
                Finding(
                    file,
                    int(gdf[ROW_COL].iloc[i]),
                    headers["elderly"],
                    "elderly (60+) exceeds population",
                )
            )
    return gdf, findings


def layers_from_config(config: CityConfig) -> Layers:
    """Read every layer of a city, collecting the findings of all layers before raising.

    Parameters
    ----------
    config
        The validated city config.

    Returns
    -------
    Layers
        Every layer in WGS84 (EPSG:4326).

    Raises
    ------
    LayerError
        With every problem in every layer.
    """
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    findings: list[Finding] = []
    for kind in SPECS:
        cfg = getattr(config.layers, kind)
        if cfg is None:
            frames[kind] = None
            continue
        try:
            if cfg.source == "osm":
                frames[kind] = _read_osm_layer(kind, config.layer_path(kind), cfg)
            else:
                frames[kind] = read_layer(kind, cfg)
        except LayerError as exc:
            findings += exc.findings
    if findings:
        raise LayerError(findings)
    layers = Layers(**frames)  # type: ignore[arg-type]
    _check_entrances(layers, str(config.layers.entrances.path) if config.layers.entrances else "")
    return layers


def _read_osm_layer(kind: str, path: Path, cfg: LayerConfig) -> gpd.GeoDataFrame:
    """Facilities or communities from an OSM file (see ``osm_layers``)."""
    from .osm_layers import communities_from_osm, facilities_from_osm

    if kind == "facilities":
        return facilities_from_osm(path, cfg.osm.rules)
    if kind == "communities":
        return communities_from_osm(path, cfg.osm)
    msg = f"layers.{kind} cannot come from OSM; only facilities and communities can"
    raise LayerError([Finding(str(path), None, None, msg)])


def _check_entrances(layers: Layers, file: str) -> None:
    """Every entrance must name a community that exists."""
    if layers.entrances is None:
        return
    known = set(layers.communities["id"])
    bad = ~layers.entrances["community_id"].astype(str).isin(known)
    if bad.any():
        raise LayerError(
            [
                Finding(
                    file,
                    int(r),
                    "community_id",
                    f"entrance names community {c!r}, which is not in the communities layer",
                )
                for r, c in zip(
                    layers.entrances.loc[bad, ROW_COL],
                    layers.entrances.loc[bad, "community_id"],
                    strict=True,
                )
            ][:MAX_FINDINGS_PER_COLUMN]
        )
