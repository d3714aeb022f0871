"""Reading planners' GIS files: one reader for every stage (layers and road networks).

A Shapefile without ``.cpg`` is read as UTF-8, else GBK (ArcGIS China); coordinates in
GCJ-02 or BD-09 are undone vertex by vertex into WGS84.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ..coords import WGS84, to_wgs84


def read_vector(
    path: Path, *, encoding: str | None = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Read a GIS file; a Shapefile without .cpg is read as UTF-8, else GBK (ArcGIS China).

    Parameters
    ----------
    path
        A Shapefile, GeoPackage, GeoJSON or any format GDAL reads.
    encoding
        Text encoding of the attributes; default: detected as above.
    layer
        Layer of a multi-layer file (GeoPackage); default the first.

    Returns
    -------
    geopandas.GeoDataFrame
        The features as in the file (its own CRS).
    """
    kwargs: dict[str, str] = {}
    if layer is not None:
        kwargs["layer"] = layer
    if encoding:
        kwargs["encoding"] = encoding
    elif path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
        try:
            gdf = gpd.read_file(path, encoding="utf-8", engine="pyogrio", **kwargs)
            text = " ".join(gdf.select_dtypes(object).astype(str).to_numpy().ravel()[:2000])
            if "\ufffd" not in text:
                return gdf
        except (UnicodeDecodeError, ValueError):
            pass
        kwargs["encoding"] = "gbk"
    with warnings.catch_warnings():
        # a GeoJSON column of numbers and words (户数: 320, "暂无") is read as text, which
        # the numeric checks then read cell by cell: nothing to warn about
        warnings.filterwarnings("ignore", message="Could not parse column", category=UserWarning)
        return gpd.read_file(path, engine="pyogrio", **kwargs)


def reproject_to_wgs84(gdf: gpd.GeoDataFrame, coords: str, file_crs: object) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84, undoing a GCJ-02/BD-09 offset vertex by vertex.

    Parameters
    ----------
    gdf
        Features whose coordinates are as in their file.
    coords
        The declared system: "wgs84" (then the file's own CRS applies), "gcj02",
        "bd09" or "EPSG:<code>" (overrides the file's CRS).
    file_crs
        The CRS the file declares, or None.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in WGS84 (EPSG:4326).
    """
    if coords.startswith("EPSG:"):
        return gdf.set_crs(coords, allow_override=True).to_crs(WGS84)
    if coords == "wgs84":
        return gdf.set_crs(file_crs or WGS84, allow_override=True).to_crs(WGS84)

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
        return np.column_stack([lon, lat])

    converted = shapely.transform(gdf.geometry.to_numpy(), convert)
    return gdf.set_geometry(converted).set_crs(WGS84, allow_override=True)
