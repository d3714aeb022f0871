"""geo_coverage: elderly-care service coverage on real walking networks.

Public API::

    import geo_coverage as gc
    result = gc.run("configs/demo.yaml")      # whole pipeline, writes outputs
    config = gc.load_config("configs/demo.yaml")
    result.assessment.gaps                     # GeoDataFrame of under-served communities
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geo-coverage")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from . import assess as assess
from . import checks as checks
from . import config as config
from . import coords as coords
from . import engine as engine
from . import export as export
from . import isochrones as isochrones
from . import layers as layers
from . import maps as maps
from . import network as network
from . import qgis_styles as qgis_styles
from . import reach as reach
from . import report as report
from . import roads as roads
from . import settings as settings
from . import standards as standards
from ._errors import ConfigError as ConfigError
from ._errors import Finding as Finding
from ._errors import GeoCoverageError as GeoCoverageError
from ._errors import LayerError as LayerError
from ._errors import NetworkError as NetworkError
from .config import CityConfig as CityConfig
from .config import load_config as load_config
from .pipeline import Result as Result
from .pipeline import run as run
from .pipeline import validate as validate
from .standards import standards_from_profile as standards_from_profile

__all__ = [
    "CityConfig",
    "ConfigError",
    "Finding",
    "GeoCoverageError",
    "LayerError",
    "NetworkError",
    "Result",
    "__version__",
    "assess",
    "checks",
    "config",
    "coords",
    "engine",
    "export",
    "isochrones",
    "layers",
    "load_config",
    "maps",
    "network",
    "qgis_styles",
    "reach",
    "report",
    "roads",
    "run",
    "settings",
    "standards",
    "standards_from_profile",
    "validate",
]
