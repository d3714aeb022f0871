"""Stage 1, inputs: a city's layers read, located and checked (``Layers``).

Planners' CSV, XLSX, GIS and OSM files become one ``Layers`` in WGS84 with the tool's
column names; every problem is a ``Finding`` naming the file, row and column.
``checks`` holds what is checked before anything is computed (files readable,
coordinate systems that fit the streets).
"""

from __future__ import annotations

from .layers import Layers, layers_from_config, read_layer

__all__ = ["Layers", "layers_from_config", "read_layer"]
