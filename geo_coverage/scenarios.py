"""Stage 5b, scenarios: a planner's own plan, walked and assessed like today's city.

A scenario (``config.scenarios``) edits today's layers — planned facilities built,
facilities closed, new estates added, households changed — and the edited city goes
through the reach and assessment stages on the same network. What it changes is then
plain: every indicator before and after, the compounds whose status changes and the
floor area the plan adds. Several plans of one city are ranked (``RANKING_RULE``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import Finding, LayerError
from .assess.verdicts import Assessment, assess, community_status
from .config import CityConfig, ScenarioConfig
from .inputs.layers import Layers, read_layer
from .network.streets import WalkNetwork
from .reach.placement import with_facility
from .reach.walks import reach_city

RANKING_RULE = (
    "more targets met first, then more households within the care circle, "
    "then less floor area added"
)
"""How plans are ranked, in words for the outputs."""


@dataclass(frozen=True)
class ScenarioResult:
    """One plan, assessed.

    Attributes
    ----------
    name
        The plan's name.
    assessment
        The edited city's assessment.
    planned
        The planned facilities (network CRS; empty when the plan builds none).
    closed
        Ids of the facilities the plan closes.
    changed
        ``id``, ``name``, ``old_status``, ``new_status`` ("" for a compound new in the
        plan) and geometry (network CRS) of every compound whose status changes.
    area_added_m2
        Floor area built minus floor area closed (given floor areas only).
    """

    name: str
    assessment: Assessment
    planned: gpd.GeoDataFrame
    closed: tuple[str, ...]
    changed: gpd.GeoDataFrame
    area_added_m2: float


def run_scenarios(
    config: CityConfig,
    layers: Layers,
    network: WalkNetwork,
    baseline: Assessment,
) -> tuple[ScenarioResult, ...]:
    """Assess every plan of ``config.scenarios`` against today's ``baseline``.

    Parameters
    ----------
    config
        The city config (its scenarios, reach settings and standards).
    layers
        Today's layers in the network CRS.
    network
        The walking network (shared by every plan).
    baseline
        Today's assessment.

    Returns
    -------
    tuple of ScenarioResult
        In config order.

    Raises
    ------
    LayerError
        A plan's layer fails its checks, reuses an existing id, closes or changes an id
        that does not exist.
    """
    results = []
    for number, scenario in enumerate(config.scenarios):
        edited, planned = scenario_layers(layers, scenario, config, number)
        reach = reach_city(
            network,
            edited,
            config.standards,
            snap_limit_m=config.network.snap_limit_m,
            far_points=config.network.far_points,
            files={kind: str(path) for kind, path in config.layer_files().items()},
        )
        after = assess(reach, edited, config.standards)
        closed = layers.facilities["id"].astype(str).isin(scenario.closed)
        area = float(planned["floor_area_m2"].fillna(0).sum()) - float(
            layers.facilities.loc[closed.to_numpy(), "floor_area_m2"].fillna(0).sum()
        )
        results.append(
            ScenarioResult(
                scenario.name,
                after,
                planned,
                tuple(scenario.closed),
                changed_compounds(baseline, after),
                area,
            )
        )
    return tuple(results)


def scenario_layers(
    layers: Layers, scenario: ScenarioConfig, config: CityConfig, number: int
) -> tuple[Layers, gpd.GeoDataFrame]:
    """Today's layers with one plan applied, and the plan's new facilities (network CRS)."""
    where = f"scenarios[{number}] ({scenario.name})"
    facilities = layers.facilities
    ids = set(facilities["id"].astype(str))
    unknown = [i for i in scenario.closed if i not in ids]
    if unknown:
        msg = f"closes facilities that do not exist: {', '.join(unknown)}; use ids of the list"
        raise LayerError([Finding("config", None, f"{where}.closed", msg)])
    kept = facilities[~facilities["id"].astype(str).isin(scenario.closed)]
    planned = facilities.iloc[:0]
    if scenario.facilities is not None:
        cfg = scenario.facilities
        if not cfg.types:  # the city's own type words apply to its plans too
            cfg = cfg.model_copy(update={"types": config.layers.facilities.types})
        planned = read_layer("facilities", cfg).to_crs(facilities.crs)
        _refuse_reused_ids(planned, ids, str(cfg.path))
    communities = layers.communities
    if scenario.communities is not None:
        estates = read_layer("communities", scenario.communities).to_crs(communities.crs)
        _refuse_reused_ids(
            estates, set(communities["id"].astype(str)), str(scenario.communities.path)
        )
        communities = pd.concat([communities, estates], ignore_index=True)
    if scenario.households:
        known = communities["id"].astype(str)
        missing = sorted(set(scenario.households) - set(known))
        if missing:
            msg = f"changes households of compounds that do not exist: {', '.join(missing)}"
            raise LayerError([Finding("config", None, f"{where}.households", msg)])
        new = known.map(scenario.households)
        communities = communities.assign(
            households=new.where(new.notna(), communities["households"]).astype(float)
        )
    edited = replace(
        layers,
        facilities=gpd.GeoDataFrame(
            pd.concat([kept, planned], ignore_index=True), geometry="geometry", crs=facilities.crs
        ),
        communities=gpd.GeoDataFrame(communities, geometry="geometry", crs=layers.communities.crs),
    )
    return edited, planned.reset_index(drop=True)


def _refuse_reused_ids(frame: gpd.GeoDataFrame, taken: set[str], file: str) -> None:
    """A planned feature may not take the id of an existing one (results would mix up)."""
    reused = frame[frame["id"].astype(str).isin(taken)]
    if len(reused):
        raise LayerError(
            [
                Finding(
                    file,
                    int(row["source_row"]),
                    "id",
                    f"id {row['id']} is already used by the existing list; give the planned "
                    "one its own id",
                    f"编号 {row['id']} 与现有名单重复：请为规划项另编编号",
                )
                for _, row in reused.iterrows()
            ]
        )


def changed_compounds(before: Assessment, after: Assessment) -> gpd.GeoDataFrame:
    """The compounds whose status differs between two assessments of one city.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``name``, ``old_status`` ("" when new), ``new_status`` and geometry.
    """
    old = pd.Series(
        community_status(before.communities), index=before.communities["id"].astype(str)
    )
    com = after.communities
    new = community_status(com)
    ids = com["id"].astype(str)
    was = ids.map(old).fillna("").to_numpy()
    moved = was != new
    return gpd.GeoDataFrame(
        {
            "id": ids.to_numpy()[moved],
            "name": com["name"].to_numpy()[moved],
            "old_status": was[moved],
            "new_status": np.asarray(new)[moved],
        },
        geometry=com.geometry.to_numpy()[moved],
        crs=com.crs,
    )


def ranking(baseline: Assessment, results: tuple[ScenarioResult, ...]) -> pd.DataFrame:
    """The plans ranked by ``RANKING_RULE``, today first for reference.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``rank`` (0 for today), ``targets_met``, ``households_share``,
        ``households_change`` (share points), ``area_added_m2``, ``compounds_changed``.
    """
    today = _households_share(baseline)
    rows = [
        {
            "name": result.name,
            "targets_met": int((result.assessment.scorecard["status"] == "pass").sum()),
            "households_share": _households_share(result.assessment),
            "area_added_m2": result.area_added_m2,
            "compounds_changed": len(result.changed),
        }
        for result in results
    ]
    frame = pd.DataFrame(
        rows,
        columns=["name", "targets_met", "households_share", "area_added_m2", "compounds_changed"],
    )
    frame = frame.sort_values(
        ["targets_met", "households_share", "area_added_m2", "name"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    frame.insert(1, "rank", np.arange(1, len(frame) + 1))
    frame["households_change"] = frame["households_share"] - today
    first = {
        "name": "",
        "rank": 0,
        "targets_met": int((baseline.scorecard["status"] == "pass").sum()),
        "households_share": today,
        "area_added_m2": 0.0,
        "compounds_changed": 0,
        "households_change": 0.0,
    }
    return pd.concat([pd.DataFrame([first]), frame], ignore_index=True)


def _households_share(assessment: Assessment) -> float:
    """Share of households within the care circle (the first indicator's measure)."""
    card = assessment.scorecard.set_index("indicator")
    value = card.loc["care_circle_households", "measured"]
    return float(value) if pd.notna(value) else 0.0


def with_placements(
    network: WalkNetwork,
    baseline: Assessment,
    layers: Layers,
    placed: gpd.GeoDataFrame,
) -> Assessment:
    """Today's city with ``placed`` facilities added, re-scored without a full search.

    Each facility is added by ``reach.placement.with_facility`` (its own bounded
    searches, merged with today's walks), then the city is assessed again: what the
    workbench shows while a planner places and moves facilities on the map.

    Parameters
    ----------
    network
        The walking network of today's run.
    baseline
        Today's assessment (its ``reach`` and ``standards`` are used).
    layers
        Today's layers (network CRS).
    placed
        The planned facilities, network CRS, with the facility columns.

    Returns
    -------
    Assessment
        As a full run of the layers with ``placed`` added would give it.
    """
    reach, edited = baseline.reach, layers
    for k in range(len(placed)):
        reach, edited = with_facility(network, reach, edited, baseline.standards, placed.iloc[[k]])
    return assess(reach, edited, baseline.standards)
