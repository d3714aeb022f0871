"""The osmnx reading of an OSM XML file: the reference the fast pyosmium reader is tested against.

osmnx keeps only the way tags named in ``ox.settings.useful_tags_way``; the walk rules
need a few more, so they are added for the duration of the read (tests run in one
thread; the package itself never touches osmnx's settings).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo_coverage.network.streets import _WAY_TAGS, walkable_mask


def segments_from_osm_xml(path: Path) -> gpd.GeoDataFrame:
    """Read walkable segments (u, v, length, geometry; WGS84) from an OSM XML file via osmnx."""
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(saved) | set(_WAY_TAGS))
    try:
        G = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = saved
    edges = ox.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True).reset_index()
    walk = edges[walkable_mask(edges)]
    G_walk = G.edge_subgraph(zip(walk["u"], walk["v"], walk["key"], strict=True)).copy()
    G_walk = ox.simplify_graph(G_walk)
    return ox.graph_to_gdfs(G_walk, nodes=False, fill_edge_geometry=True).reset_index()
