"""Chinese web-map coordinate systems (GCJ-02, BD-09) and the choice of a projected CRS.

AMap/Gaode and Tencent POIs are in GCJ-02, Baidu POIs in BD-09; both are WGS84
shifted by a deliberate, position-dependent offset of several hundred metres.
Forward formulas are the published ones; the inverses are solved iteratively
(fixed-point on the forward transform) to sub-millimetre accuracy, unlike the
common one-step approximation that errs by up to about 2 m.
All functions are vectorised over numpy arrays of longitudes and latitudes in degrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

WGS84 = "EPSG:4326"
"""Longitude-latitude on the WGS84 datum: every layer as read, every file for QGIS."""

FloatArray = NDArray[np.float64]


def _in_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Return where the GCJ-02 offset applies (the rectangle the published formula uses)."""
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset (dlon, dlat) in degrees at WGS84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lon: FloatArray,
    lat: FloatArray,
    est_lon: FloatArray,
    est_lat: FloatArray,
    tolerance_deg: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration from an estimate."""
    for _ in range(max_iter):
        fwd_lon, fwd_lat = forward(est_lon, est_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        est_lon, est_lat = est_lon - err_lon, est_lat - err_lat
        if np.all(np.abs(err_lon) < tolerance_deg) and np.all(np.abs(err_lat) < tolerance_deg):
            break
    return est_lon, est_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 to GCJ-02 (the published forward formula).

    Parameters
    ----------
    lon, lat
        WGS84 longitudes and latitudes in degrees (EPSG:4326).

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees. Points outside China are unchanged.
    """
    lon, lat = _as_arrays(lon, lat)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to WGS84 exactly, by iterating the forward transform.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitudes and latitudes in degrees (AMap, Tencent).
    tolerance_deg
        Stop when the forward transform of the estimate is this close to the input
        (1e-10 degrees is about 0.01 mm).
    max_iter
        Upper bound on iterations (convergence takes 5 to 8 in practice).

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitudes and latitudes in degrees (EPSG:4326).
    """
    lon, lat = _as_arrays(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, lon.copy(), lat.copy(), tolerance_deg, max_iter)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to Baidu's BD-09 (the published forward formula).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitudes and latitudes in degrees.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitudes and latitudes in degrees.
    """
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 to GCJ-02 exactly, by iterating the forward transform.

    Parameters
    ----------
    lon, lat
        BD-09 longitudes and latitudes in degrees (Baidu).
    tolerance_deg
        Convergence tolerance in degrees.
    max_iter
        Upper bound on iterations.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees.
    """
    lon, lat = _as_arrays(lon, lat)
    return _invert(gcj02_to_bd09, lon, lat, lon - 0.0065, lat - 0.006, tolerance_deg, max_iter)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 to BD-09 (through GCJ-02).

    Parameters
    ----------
    lon, lat
        WGS84 longitudes and latitudes in degrees.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitudes and latitudes in degrees.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 to WGS84 exactly (through GCJ-02).

    Parameters
    ----------
    lon, lat
        BD-09 longitudes and latitudes in degrees.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitudes and latitudes in degrees.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: str) -> tuple[FloatArray, FloatArray]:
    """Convert longitudes/latitudes in a Chinese web-map system to WGS84.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees.
    system
        {"wgs84", "gcj02", "bd09"}

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitudes and latitudes in degrees.
    """
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return bd09_to_wgs84(lon, lat)
    if system == "wgs84":
        return _as_arrays(lon, lat)
    msg = f"unknown coordinate system {system!r}; use 'wgs84', 'gcj02', 'bd09' or 'EPSG:<code>'"
    raise ValueError(msg)


def projected_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """Choose a metric CRS for a study area centred at (lon, lat).

    Inside China this is the CGCS2000 3-degree Gauss-Krüger zone whose central
    meridian is nearest (EPSG:4534 for 75°E to EPSG:4554 for 135°E, e.g. 4546 for
    Hohhot and Baotou, 4549 for Chifeng, 4550 for Siping); elsewhere the UTM zone.

    Parameters
    ----------
    lon, lat
        Centre of the study area in WGS84 degrees.

    Returns
    -------
    pyproj.CRS
        A projected CRS with metre units.
    """
    central_meridian = int(round(lon / 3.0) * 3)
    if 18.0 <= lat <= 54.0 and 75 <= central_meridian <= 135:
        return pyproj.CRS.from_epsg(4534 + (central_meridian - 75) // 3)
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
