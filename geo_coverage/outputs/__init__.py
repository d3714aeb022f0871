"""Stage 6, outputs: every file a run writes, all or nothing (``export.write_outputs``).

``maps`` (Folium, with ``packed`` canvas layers), ``report`` and ``figures`` (the
评估报告), ``qgis_styles`` and ``palette`` (one set of colours for all of them).
"""

from __future__ import annotations

from .export import write_outputs

__all__ = ["write_outputs"]
