"""Print figures of an assessment for the report: the overview map, the sites map, the charts.

Drawn with matplotlib from the run's own geometries in its metric CRS (no tiles, so it
works offline), sized for an A4 page at print resolution, with a CJK font found on the
system (Noto Sans CJK, Source Han Sans, WenQuanYi, Microsoft YaHei, SimHei, PingFang) so
Chinese is never drawn as boxes. Each figure is returned as PNG bytes; nothing is written
here (``export`` writes, ``report`` places the figures).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from ..assess.verdicts import Assessment
from ..standards import FACILITY_TYPES
from .palette import BAND_COLOURS, NO_CENTRE, SITE, TYPE_COLOURS

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)
"""Fonts with Chinese glyphs, in order of preference."""

DPI = 200
"""Print resolution of every figure."""
WIDTH_IN = 6.3
"""Figure width: the text width of an A4 page with 2.5 cm margins, inches."""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family of ``CJK_FAMILIES``, or None."""
    installed = {f.name for f in fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def _font(size: float = 8.0, *, bold: bool = False) -> FontProperties:
    return FontProperties(
        family=cjk_font() or "sans-serif", size=size, weight="bold" if bold else None
    )


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes without a timestamp or software tag (identical runs, same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _patches(geoms: np.ndarray) -> list[PathPatch]:
    """Matplotlib patches of (multi)polygons, holes kept."""
    patches = []
    for geom in geoms:
        for part in shapely.get_parts(geom):
            if part.is_empty or part.geom_type != "Polygon":
                continue
            rings = [part.exterior, *part.interiors]
            verts = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate(
                [
                    [MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2) + [MplPath.CLOSEPOLY]
                    for r in rings
                ]
            )
            patches.append(PathPatch(MplPath(verts, codes)))
    return patches


def _draw_polygons(ax: Axes, gdf: gpd.GeoDataFrame, **style: object) -> None:
    patches = _patches(gdf.geometry.to_numpy())
    if patches:
        ax.add_collection(PatchCollection(patches, match_original=False, **style))


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontproperties=_font(9, bold=True),
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
    )


def _scale_bar(ax: Axes, width_m: float) -> None:
    """A bar of a round length (100 m … 10 km) at the bottom left, in the data's metres."""
    target = width_m / 5
    length = max(
        (v for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000) if v <= target),
        default=50,
    )
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([x, x + length], [y, y], color="black", lw=3, solid_capstyle="butt")
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(
        x + length / 2,
        y + 0.015 * (y1 - y0),
        label,
        ha="center",
        va="bottom",
        fontproperties=_font(7),
    )


def _frame(ax: Axes, bounds: np.ndarray) -> float:
    """Fit the axes to ``bounds`` (minx, miny, maxx, maxy) with a margin; return the width."""
    minx, miny, maxx, maxy = bounds
    pad = 0.06 * max(maxx - minx, maxy - miny, 200.0)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return float(maxx - minx + 2 * pad)


MAP_SHARE = 0.68
"""Share of the figure's width the map takes; the legend is to its right."""


def _map_figure(extent: np.ndarray) -> Figure:
    """A figure whose map axes match the data's shape (no empty bands above and below)."""
    minx, miny, maxx, maxy = extent
    aspect = max(maxy - miny, 1.0) / max(maxx - minx, 1.0)
    height = float(np.clip(WIDTH_IN * MAP_SHARE * aspect / 0.9, 3.4, 8.0))
    fig = Figure(figsize=(WIDTH_IN, height))
    bottom = 0.3 / height
    fig.add_axes((0.01, bottom, MAP_SHARE, 1 - bottom - 0.02))
    return fig


def _legend(ax: Axes, handles: list[Artist], labels: list[str]) -> None:
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        prop=_font(7),
        handlelength=1.4,
    )


MAX_STREETS_DRAWN = 80_000
"""Street lines drawn at most: beyond a district, streets at A4 scale only grey the page."""


def _draw_streets(ax: Axes, streets: np.ndarray | None, extent: np.ndarray) -> None:
    """The walking network, thin and light grey, clipped to the map's extent."""
    if streets is None or not len(streets):
        return
    minx, miny, maxx, maxy = extent
    pad = 0.1 * max(maxx - minx, maxy - miny, 200.0)
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    inside = streets[shapely.intersects(streets, box)]
    if not len(inside) or len(inside) > MAX_STREETS_DRAWN:
        return
    coords, which = shapely.get_coordinates(inside, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(which)) + 1]
    lines = np.split(coords, starts[1:])
    ax.add_collection(LineCollection(lines, colors="#c8c8c8", linewidths=0.35, zorder=0.5))


def _finish_map(
    fig: Figure, extent: np.ndarray, handles: list[Artist], texts: list[str], credit: str
) -> bytes:
    """Frame the map to ``extent``; add north arrow, scale bar, legend and the data credit."""
    ax = fig.axes[0]
    width = _frame(ax, extent)
    _north_arrow(ax)
    _scale_bar(ax, width)
    _legend(ax, handles, texts)
    fig.text(0.01, 0.08 / fig.get_figheight(), credit, fontproperties=_font(6), color="#555555")
    return _png(fig)


def _compounds(
    ax: Axes, com: gpd.GeoDataFrame, colours: dict[str, str], status: np.ndarray
) -> None:
    points = shapely.get_type_id(com.geometry.to_numpy()) == 0
    for key, colour in colours.items():
        mine = status == key
        if (mine & ~points).any():
            _draw_polygons(
                ax, com[mine & ~points], facecolor=colour, edgecolor=colour, lw=0.3, alpha=0.8
            )
        if (mine & points).any():
            xy = shapely.get_coordinates(com.geometry.to_numpy()[mine & points])
            ax.scatter(
                xy[:, 0], xy[:, 1], s=9, c=colour, edgecolors="#222222", linewidths=0.3, zorder=4
            )


def overview_figure(
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame | None,
    *,
    status: np.ndarray,
    status_colours: dict[str, str],
    status_labels: dict[str, str],
    labels: dict[str, str],
    credit: str,
    streets: np.ndarray | None = None,
) -> bytes:
    """The overview map (现状图): compounds by status, bands, facilities, centre-less subdistricts.

    Parameters
    ----------
    assessment
        The assessment (its metric CRS is used as is).
    isochrones
        Bands with ``group`` and ``band_min`` in the same CRS, or None.
    status
        Each compound's status key (``assess.verdicts.community_status``).
    status_colours, status_labels
        Colour and legend text per status key.
    labels
        Texts: ``bands`` ("{b}分钟步行圈"), ``no_centre``, ``facility`` types by key.
    credit
        The data credit printed under the map.
    streets
        The walking network's lines, drawn light grey underneath (None: not drawn).

    Returns
    -------
    bytes
        PNG at ``DPI``.
    """
    com = assessment.communities
    layers = [com] + [
        g for g in (assessment.villages, assessment.townships) if g is not None and len(g)
    ]
    bounds = np.array([g.total_bounds for g in layers])
    extent = np.r_[bounds[:, :2].min(axis=0), bounds[:, 2:].max(axis=0)]
    fig = _map_figure(extent)
    ax = fig.axes[0]
    _draw_streets(ax, streets, extent)
    legend = _Legend()
    if isochrones is not None and len(isochrones):
        _draw_bands(ax, isochrones, labels["bands"], legend)
    _draw_outlines(ax, assessment, labels["no_centre"], legend)
    _compounds(ax, com, status_colours, status)
    for key in dict.fromkeys(status):
        legend.add(Patch(facecolor=status_colours[key], edgecolor="none"), status_labels[key])
    if assessment.villages is not None and len(assessment.villages):
        vil = assessment.villages
        xy = shapely.get_coordinates(vil.geometry.representative_point().to_numpy())
        served = vil["served"].to_numpy(dtype=bool)
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=22,
            marker="^",
            c=np.where(served, "#1a9850", "#d73027"),
            edgecolors="#333333",
            linewidths=0.4,
            zorder=5,
        )
    _draw_facilities(ax, assessment.facilities, labels, legend)
    return _finish_map(fig, extent, legend.handles, legend.texts, credit)


@dataclass
class _Legend:
    """A figure's legend entries, in the order they are drawn."""

    handles: list[Artist] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(self, handle: Artist, text: str) -> None:
        """One entry: its symbol and its text."""
        self.handles.append(handle)
        self.texts.append(text)


def _draw_bands(ax: Axes, isochrones: gpd.GeoDataFrame, label: str, legend: _Legend) -> None:
    """The care circle's walking bands, nested, largest first; legend smallest first."""
    bands = isochrones[isochrones["group"] == "care_circle"].sort_values(
        "band_min", ascending=False
    )
    for k, (_, band) in enumerate(bands.iterrows()):
        colour = BAND_COLOURS[min(len(bands) - 1 - k, len(BAND_COLOURS) - 1)]
        _draw_polygons(
            ax,
            gpd.GeoDataFrame(geometry=[band.geometry], crs=bands.crs),
            facecolor=colour,
            edgecolor="none",
            alpha=0.9,
        )
    for k, (_, band) in enumerate(bands.iloc[::-1].iterrows()):
        legend.add(
            Patch(facecolor=BAND_COLOURS[min(k, len(BAND_COLOURS) - 1)], edgecolor="none"),
            label.format(b=f"{float(band['band_min']):g}"),
        )


def _draw_outlines(ax: Axes, assessment: Assessment, no_centre: str, legend: _Legend) -> None:
    """Subdistricts (those without a centre in red) and townships, dashed."""
    subs = assessment.subdistricts
    if subs is not None and len(subs):
        ok = subs["has_centre"].to_numpy(dtype=bool)
        _draw_polygons(ax, subs[ok], facecolor="none", edgecolor="#555555", lw=0.8, linestyle="--")
        if (~ok).any():
            _draw_polygons(
                ax, subs[~ok], facecolor="none", edgecolor=NO_CENTRE, lw=1.6, linestyle="--"
            )
            legend.add(Line2D([], [], color=NO_CENTRE, lw=1.6, linestyle="--"), no_centre)
    if assessment.townships is not None and len(assessment.townships):
        _draw_polygons(
            ax, assessment.townships, facecolor="none", edgecolor="#1a9850", lw=1.0, linestyle=":"
        )


def _draw_facilities(
    ax: Axes, fac: gpd.GeoDataFrame, labels: dict[str, str], legend: _Legend
) -> None:
    """Facilities as dots coloured by type (centres larger), one legend entry per type."""
    for key in FACILITY_TYPES:
        mine = fac[fac["type"] == key]
        if not len(mine):
            continue
        xy = shapely.get_coordinates(mine.geometry.to_numpy())
        size = 34 if key == "centre" else 20
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size,
            c=TYPE_COLOURS[key],
            edgecolors="white",
            linewidths=0.8,
            zorder=6,
        )
        marker = Line2D(
            [],
            [],
            marker="o",
            color="none",
            markerfacecolor=TYPE_COLOURS[key],
            markeredgecolor="white",
            markersize=6,
        )
        legend.add(marker, labels[key])


def sites_figure(
    assessment: Assessment,
    sites: gpd.GeoDataFrame,
    *,
    outside: np.ndarray,
    labels: dict[str, str],
    credit: str,
    streets: np.ndarray | None = None,
) -> bytes:
    """The proposed sites, numbered, over the compounds outside the care circle.

    Parameters
    ----------
    assessment
        The assessment.
    sites
        Proposed sites (``siting``) in the assessment's CRS, with ``rank``.
    outside
        Which compounds lie outside the care circle (drawn red; the others grey).
    labels
        Texts: ``outside``, ``inside``, ``site``.
    credit
        The data credit.
    streets
        The walking network's lines, drawn light grey underneath (None: not drawn).

    Returns
    -------
    bytes
        PNG at ``DPI``.
    """
    com = assessment.communities
    fig = _map_figure(com.total_bounds)
    ax = fig.axes[0]
    _draw_streets(ax, streets, com.total_bounds)
    status = np.where(outside, "outside", "inside")
    _compounds(ax, com, {"inside": "#d9d9d9", "outside": "#d73027"}, status)
    sites = sites.to_crs(com.crs)
    xy = shapely.get_coordinates(sites.geometry.centroid.to_numpy())
    ax.scatter(
        xy[:, 0], xy[:, 1], s=120, marker="s", c=SITE, edgecolors="white", linewidths=1.2, zorder=7
    )
    for (x, y), rank in zip(xy, sites["rank"], strict=True):
        ax.text(
            x,
            y,
            str(int(rank)),
            ha="center",
            va="center",
            color="white",
            fontproperties=_font(7, bold=True),
            zorder=8,
        )
    handles = [
        Patch(facecolor="#d73027"),
        Patch(facecolor="#d9d9d9"),
        Line2D([], [], marker="s", color="none", markerfacecolor=SITE, markersize=8),
    ]
    texts = [labels["outside"], labels["inside"], labels["site"]]
    return _finish_map(fig, com.total_bounds, handles, texts, credit)


def bar_chart(
    table: pd.DataFrame,
    *,
    name: str,
    share: str,
    deficit: str | None,
    labels: dict[str, str],
) -> bytes:
    """Care-circle coverage (bars, %) and floor-area deficit (bars, m²) by subdistrict or township.

    Parameters
    ----------
    table
        One row per place.
    name, share, deficit
        Columns: the place's name, its share of households in the care circle (0–1) and
        its missing floor area in m² (None: not drawn, e.g. no floor-area data).
    labels
        Texts: ``share``, ``deficit``.

    Returns
    -------
    bytes
        PNG at ``DPI``.
    """
    order = table.sort_values(share)
    n = len(order)
    panels = 2 if deficit is not None else 1
    fig = Figure(figsize=(WIDTH_IN, 0.9 + 0.28 * n))
    axes = fig.subplots(1, panels, sharey=True, squeeze=False)[0]
    y = np.arange(n)
    names = [str(v) for v in order[name]]
    values = 100 * order[share].to_numpy(dtype=float)
    ax = axes[0]
    ax.barh(y, values, color=np.where(values >= 100 - 1e-9, "#1a9850", "#d73027"), height=0.6)
    ax.set_xlim(0, 105)
    ax.set_yticks(y, names, fontproperties=_font(7))
    ax.set_title(labels["share"], fontproperties=_font(8, bold=True))
    for yy, v in zip(y, values, strict=True):
        ax.text(min(v + 1, 92), yy, f"{v:.0f}%", va="center", fontproperties=_font(6))
    if deficit is not None:
        gap = order[deficit].fillna(0).to_numpy(dtype=float)
        ax2 = axes[1]
        ax2.barh(y, gap, color="#fdae61", height=0.6)
        ax2.set_title(labels["deficit"], fontproperties=_font(8, bold=True))
        top = max(float(gap.max()), 1.0)
        ax2.set_xlim(0, top * 1.25)
        for yy, v in zip(y, gap, strict=True):
            ax2.text(v + top * 0.02, yy, f"{v:,.0f}", va="center", fontproperties=_font(6))
    for a in axes:
        for tick in a.get_xticklabels():
            tick.set_fontproperties(_font(6))
        a.spines[["top", "right"]].set_visible(False)
    fig.subplots_adjust(
        left=0.2,
        right=0.97,
        top=1 - 0.45 / fig.get_figheight(),
        bottom=0.35 / fig.get_figheight(),
        wspace=0.15,
    )
    return _png(fig)
