"""The demo city 示范区: a small, made-up but realistic district, generated deterministically.

``write_demo_city(folder)`` writes every input the demo config needs: a street
network as OSM XML (arterials, local streets, a park footpath, and ways a pedestrian
may not use: a motorway, a cycleway and a private service road), gated compounds
with households and elderly counts, three subdistricts, and facilities exported as
if from AMap (GCJ-02 coordinates, Chinese headers). Everything sits on a regular
grid 200 m × 150 m in the CGCS2000 Gauss-Krüger zone of Hohhot, so walking times can
be worked out by hand: at 1.0 m/s a block side takes 200 s or 150 s.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyproj

from ..coords import wgs84_to_gcj02

CRS = "EPSG:4546"
"""CGCS2000 / 3-degree Gauss-Krüger CM 111E: the demo's local metric frame."""
ORIGIN_LONLAT = (111.700, 40.820)
"""South-west corner of the street grid (WGS84)."""
DX, DY = 200.0, 150.0
NX, NY = 13, 13  # grid lines: x = 0..2400 m, y = 0..1800 m
ARTERIALS_X = {0: "新华大街", 6: "中山路", 12: "东风路"}
ARTERIALS_Y = {0: "南二环路", 6: "人民路", 12: "北垣街"}

SUFFIXES = ("嘉园", "花园", "小区", "新村", "家园")
SUBDISTRICTS = (
    ("S1", "新华街道", (0.0, 800.0)),
    ("S2", "中山街道", (800.0, 1600.0)),
    ("S3", "东风街道", (1600.0, 2400.0)),
)

# id, name, type word (as the city writes it), x, y (metres), floor m², beds, nursing beds
FACILITIES = (
    ("F01", "新华街道综合养老服务中心", "街道综合养老服务中心", 300.0, 470.0, 1200, 40, 25),
    ("F02", "中山街道综合养老服务中心", "街道综合养老服务中心", 1100.0, 920.0, 800, 30, 10),
    ("F03", "新华里日间照料中心", "日间照料中心", 420.0, 1210.0, 300, 0, 0),
    ("F04", "人民路社区养老服务站", "社区养老服务站", 1420.0, 610.0, 150, 0, 0),
    ("F05", "中山南居家养老服务驿站", "居家养老服务驿站", 1000.0, 170.0, 120, 0, 0),
    ("F06", "东风颐养院", "养老院", 2100.0, 1520.0, 3000, 200, 130),
    ("F07", "新华长者食堂", "老年食堂", 620.0, 760.0, 200, 0, 0),
    ("F08", "新华社区卫生服务站", "社区卫生服务站", 340.0, 430.0, 400, 0, 0),
    ("F09", "中山社区卫生服务站", "社区卫生服务站", 1620.0, 1230.0, 300, 0, 0),
    # the rural part east of the city: a mutual-aid home in one village, the township centre
    ("F10", "红旗嘎查互助幸福院", "互助幸福院", 3620.0, 930.0, 240, 0, 0),
    ("F11", "东郊苏木养老服务中心", "乡镇养老服务中心", 5420.0, 930.0, 1500, 30, 12),
)

# plans to test (config scenarios): two stations in 东风街道, or one comprehensive centre
PLANNED_STATIONS = (
    ("P01", "东风北居家养老服务站", "社区养老服务站", 2020.0, 1480.0, 300, 0, 0),
    ("P02", "东风南居家养老服务站", "社区养老服务站", 2020.0, 420.0, 300, 0, 0),
)
PLANNED_CENTRE = (
    ("P03", "东风街道综合养老服务中心", "街道综合养老服务中心", 2020.0, 920.0, 900, 30, 10),
)

# the rural part: a county road east from 人民路 (y = 900) through one township
COUNTY_ROAD_X = (2400.0, 3600.0, 4600.0, 5400.0, 6400.0)
TOWNSHIP = ("T1", "东郊苏木", (3000.0, -600.0, 6800.0, 2400.0))
# id, name, x, y (metres), population, elderly; served when a home-care facility is ≤ 1 km
VILLAGES = (
    ("V1", "红旗嘎查", 3600.0, 900.0, 820, 210),  # its own 互助幸福院: served
    ("V2", "新胜村", 4600.0, 1700.0, 640, 180),  # 1.25 km from F10: not served
    ("V3", "东郊苏木所在地", 5400.0, 900.0, 1900, 430),  # the township centre: served
    ("V4", "沙力嘎查", 6300.0, 200.0, 450, 150),  # 1.14 km from F11: not served
    ("V5", "哈拉村", 4600.0, 300.0, 560, 160),  # 1.03 km from F11, 1.17 km from F10
)


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local grid metres (origin at the south-west corner) to WGS84 lon/lat."""
    fwd = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    inv = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    x0, y0 = fwd.transform(*ORIGIN_LONLAT)
    lon, lat = inv.transform(np.asarray(x) + x0, np.asarray(y) + y0)
    return np.round(lon, 7), np.round(lat, 7)


def _streets_xml() -> str:
    """The street network as OSM XML 0.6."""
    nodes: dict[tuple[float, float], int] = {}
    for i in range(NX):
        for j in range(NY):
            nodes[(i * DX, j * DY)] = len(nodes) + 1
    extra = [(400.0, 300.0), (500.0, 375.0), (600.0, 450.0)]  # park path (diagonal)
    motorway = [(-100.0, 1950.0), (1200.0, 1950.0), (2500.0, 1950.0)]
    county = [(x, 900.0) for x in COUNTY_ROAD_X]
    for xy in extra[1:2] + motorway + county[1:]:
        nodes[xy] = len(nodes) + 1
    xs = np.array([k[0] for k in nodes])
    ys = np.array([k[1] for k in nodes])
    lon, lat = _to_lonlat(xs, ys)
    ways: list[tuple[list[int], dict[str, str]]] = []
    for i in range(NX):
        tags = (
            {"highway": "primary", "name": ARTERIALS_X[i]}
            if i in ARTERIALS_X
            else {"highway": "residential", "name": f"经{i}街"}
        )
        ways.append(([nodes[(i * DX, j * DY)] for j in range(NY)], tags))
    for j in range(NY):
        tags = (
            {"highway": "secondary", "name": ARTERIALS_Y[j]}
            if j in ARTERIALS_Y
            else {"highway": "residential", "name": f"纬{j}路"}
        )
        ways.append(([nodes[(i * DX, j * DY)] for i in range(NX)], tags))
    ways.append(([nodes[xy] for xy in extra], {"highway": "footway", "name": "游园步道"}))
    ways.append(([nodes[xy] for xy in motorway], {"highway": "motorway", "name": "绕城高速"}))
    ways.append(([nodes[xy] for xy in county], {"highway": "tertiary", "name": "东郊县道"}))
    # not for pedestrians: a cycleway and a private service road inside blocks
    ways.append(
        (
            [nodes[(1800.0, 0.0)], nodes[(2000.0, 150.0)]],
            {"highway": "cycleway", "name": "自行车专用道"},
        )
    )
    ways.append(
        (
            [nodes[(2000.0, 300.0)], nodes[(2200.0, 450.0)]],
            {"highway": "service", "access": "private"},
        )
    )
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="geo_coverage demo city">',
        f'  <bounds minlat="{lat.min()}" minlon="{lon.min()}" maxlat="{lat.max()}" '
        f'maxlon="{lon.max()}"/>',
    ]
    lines += [
        f'  <node id="{nid}" lat="{la:.7f}" lon="{lo:.7f}" version="1"/>'
        for nid, lo, la in zip(nodes.values(), lon, lat, strict=True)
    ]
    for k, (refs, tags) in enumerate(ways, start=1001):
        lines.append(f'  <way id="{k}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(a)} v={quoteattr(b)}/>" for a, b in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _polygon(x0: float, y0: float, x1: float, y1: float) -> list[list[list[float]]]:
    """A closed WGS84 ring for a local rectangle."""
    lon, lat = _to_lonlat(np.array([x0, x1, x1, x0, x0]), np.array([y0, y0, y1, y1, y0]))
    return [[[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]]


def _feature_collection(name: str, features: list[dict]) -> str:
    return (
        json.dumps(
            {"type": "FeatureCollection", "name": name, "features": features},
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )


def _compounds() -> list[dict]:
    """Gated compounds: one per block in a checkerboard, inset 15 m from the streets."""
    rng = np.random.default_rng(20261122)
    features = []
    k = 0
    for i in range(NX - 1):
        for j in range(NY - 1):
            if (i + j) % 2 or (i, j) == (2, 2):  # (2, 2) is the park
                continue
            k += 1
            x0, y0 = i * DX + 15.0, j * DY + 15.0
            households = int(rng.integers(6, 30)) * 20
            population = round(households * rng.uniform(2.4, 2.9))
            elderly = round(population * rng.uniform(0.14, 0.30))
            sub = next(name for _, name, (a, b) in SUBDISTRICTS if a <= x0 + 85.0 < b)
            # some older compounds have a small elderly room of their own
            area = int(rng.choice([0, 0, 0, 40, 60, 120]))
            # compounds built after 2015 record the land set aside for elderly facilities
            land = round(population * float(rng.choice([0.05, 0.1, 0.15]))) if k % 3 == 0 else None
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "小区编号": f"C{k:02d}",
                        "小区名称": f"{sub[:2]}{SUFFIXES[k % 5]}{k}号院",
                        "户数": households,
                        "常住人口": population,
                        "60岁以上人口": elderly,
                        "所属街道": sub,
                        "养老用房面积": area,
                        "养老设施用地面积": land,
                    },
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": _polygon(x0, y0, x0 + DX - 30.0, y0 + DY - 30.0),
                    },
                    "centre": (x0 + (DX - 30.0) / 2, y0 + (DY - 30.0) / 2),
                }
            )
    return features


def _communities() -> str:
    """The compounds as polygons (a GIS file of the planning bureau)."""
    features = [{k: v for k, v in f.items() if k != "centre"} for f in _compounds()]
    return _feature_collection("communities", features)


UNKNOWN_HOUSEHOLDS = (5, 23)
"""Compounds whose household count the crawled list gives as 0 (unknown)."""


def _communities_points_csv() -> str:
    """The same compounds as a crawled point list (安居客-like).

    Centre points, no id column, 总户数 0 where the count is unknown.
    """
    compounds = _compounds()
    xs = np.array([f["centre"][0] for f in compounds])
    ys = np.array([f["centre"][1] for f in compounds])
    lon, lat = _to_lonlat(xs, ys)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["小区名称", "总户数", "常住人口", "60岁以上人口", "所属街道", "经度", "纬度"])
    for k, (f, lo, la) in enumerate(zip(compounds, lon, lat, strict=True)):
        p = f["properties"]
        households = 0 if k in UNKNOWN_HOUSEHOLDS else p["户数"]
        writer.writerow(
            [
                p["小区名称"],
                households,
                p["常住人口"],
                p["60岁以上人口"],
                p["所属街道"],
                f"{lo:.7f}",
                f"{la:.7f}",
            ]
        )
    return out.getvalue()


def _subdistricts() -> str:
    features = [
        {
            "type": "Feature",
            "properties": {"编号": sid, "街道名称": name},
            "geometry": {"type": "Polygon", "coordinates": _polygon(a, -60.0, b, 1860.0)},
        }
        for sid, name, (a, b) in SUBDISTRICTS
    ]
    return _feature_collection("subdistricts", features)


def _townships() -> str:
    tid, name, (x0, y0, x1, y1) = TOWNSHIP
    feature = {
        "type": "Feature",
        "properties": {"编号": tid, "苏木乡镇名称": name},
        "geometry": {"type": "Polygon", "coordinates": _polygon(x0, y0, x1, y1)},
    }
    return _feature_collection("townships", [feature])


def _villages() -> str:
    lon, lat = _to_lonlat(np.array([v[2] for v in VILLAGES]), np.array([v[3] for v in VILLAGES]))
    features = [
        {
            "type": "Feature",
            "properties": {
                "嘎查村编号": v[0],
                "嘎查村名称": v[1],
                "常住人口": v[4],
                "60岁以上人口": v[5],
            },
            "geometry": {"type": "Point", "coordinates": [float(lo), float(la)]},
        }
        for v, lo, la in zip(VILLAGES, lon, lat, strict=True)
    ]
    return _feature_collection("villages", features)


def _facilities_csv(rows: tuple[tuple, ...] = FACILITIES) -> str:
    """Facilities as an AMap export would give them: GCJ-02 lon/lat, Chinese headers."""
    xs = np.array([f[3] for f in rows])
    ys = np.array([f[4] for f in rows])
    lon, lat = wgs84_to_gcj02(*_to_lonlat(xs, ys))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["编号", "名称", "类型", "建筑面积（㎡）", "床位数", "护理型床位数", "经度", "纬度"]
    )
    for f, lo, la in zip(rows, lon, lat, strict=True):
        writer.writerow([f[0], f[1], f[2], f[5], f[6], f[7], f"{lo:.7f}", f"{la:.7f}"])
    return out.getvalue()


def write_demo_city(folder: str | Path) -> list[Path]:
    """Write the demo city's input layers into ``folder`` (byte-identical on every run).

    Parameters
    ----------
    folder
        Target folder, e.g. ``layers/demo``; created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "streets.osm": _streets_xml(),
        "communities.geojson": _communities(),
        "communities_points.csv": "\ufeff" + _communities_points_csv(),
        "subdistricts.geojson": _subdistricts(),
        "townships.geojson": _townships(),
        "villages.geojson": _villages(),
        # UTF-8 with BOM, as Excel on Chinese Windows expects
        "facilities.csv": "\ufeff" + _facilities_csv(),
        "planned_stations.csv": "\ufeff" + _facilities_csv(PLANNED_STATIONS),
        "planned_centre.csv": "\ufeff" + _facilities_csv(PLANNED_CENTRE),
    }
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written
