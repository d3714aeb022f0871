"""geo_coverage: elderly-care service coverage on real walking networks.

Public API::

    import geo_coverage as gc
    result = gc.run("configs/demo.yaml")      # whole pipeline, writes outputs
    config = gc.load_config("configs/demo.yaml")
    result.assessment.gaps                     # GeoDataFrame of under-served communities

The stage modules and names below are imported on first use (PEP 562), so
``import geo_coverage`` and ``geo-coverage --version`` do not load geopandas, osmnx or
folium until something needs them.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("geo-coverage")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_MODULES = {
    # the stages, in the order a run goes through them
    "inputs": "inputs",
    "network": "network",
    "reach": "reach",
    "assess": "assess",
    "siting": "siting",
    "outputs": "outputs",
    # what every stage shares
    "config": "config",
    "coords": "coords",
    "settings": "settings",
    "standards": "standards",
    "text": "text",
}
"""The modules of the public API -> where they live in the package."""

_NAMES = {
    "ConfigError": "_errors",
    "Finding": "_errors",
    "GeoCoverageError": "_errors",
    "LayerError": "_errors",
    "NetworkError": "_errors",
    "OutputError": "_errors",
    "CityConfig": "config",
    "load_config": "config",
    "Result": "results",
    "run": "pipeline",
    "validate": "pipeline",
    "standards_from_profile": "standards",
}
"""Public names -> the module that defines them."""

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, __getattr__ loads them
    from . import assess as assess
    from . import config as config
    from . import coords as coords
    from . import inputs as inputs
    from . import network as network
    from . import outputs as outputs
    from . import reach as reach
    from . import settings as settings
    from . import siting as siting
    from . import standards as standards
    from . import text as text
    from ._errors import ConfigError as ConfigError
    from ._errors import Finding as Finding
    from ._errors import GeoCoverageError as GeoCoverageError
    from ._errors import LayerError as LayerError
    from ._errors import NetworkError as NetworkError
    from ._errors import OutputError as OutputError
    from .config import CityConfig as CityConfig
    from .config import load_config as load_config
    from .pipeline import run as run
    from .pipeline import validate as validate
    from .results import Result as Result
    from .standards import standards_from_profile as standards_from_profile


def __getattr__(name: str) -> Any:
    """Load a stage module or public name on first use."""
    if name in _MODULES:
        return importlib.import_module(f".{_MODULES[name]}", __name__)
    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["__version__", *sorted(_MODULES), *sorted(_NAMES)]
