"""Reviewing proposed estates (新建小区养老服务设施配建审查)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from planning import io
from planning import network as networks
from planning._errors import OptionError, param
from planning.api._sources import as_source, check_network, ruleset_of, split_source
from planning.audit.result import Measure
from planning.results import Review
from planning.review.core import ReviewOptions, review_estates
from planning.review.inputs import ProposalOptions, read_gates, read_proposals
from planning.rules import Ruleset


def _proposal_frame(estate: Any, crs: Any, layer: str | None) -> Any:
    """Return a shapely geometry as a one-row GeoDataFrame in ``crs``; others as sources."""
    if isinstance(estate, shapely.Geometry):
        if crs is None:
            raise OptionError(
                f"A shapely estate geometry needs its CRS: {param('estate_crs')}.", "estate_crs"
            )
        return gpd.GeoDataFrame({"estate_id": ["P1"]}, geometry=[estate], crs=crs)
    return as_source(estate, "estates", layer, "layers.estate")


def check_estate(
    estate: str | Path | gpd.GeoDataFrame | shapely.Geometry,
    *,
    facilities: str | Path | pd.DataFrame,
    network: networks.WalkNetwork,
    rules: str | Path | Ruleset = "national",
    households: int | None = None,
    status: str | None = None,
    planned_floor_m2: float | None = None,
    planned_land_m2: float | None = None,
    gates: str | Path | pd.DataFrame | None = None,
    existing_estates: str | Path | pd.DataFrame | None = None,
    estate_crs: Any = None,
    coords: str | None = None,
    fields: Mapping[str, str] | None = None,
    layers: Mapping[str, str] | None = None,
    measure: Measure | None = None,
    walk_speed: float | None = None,
    include_planned: bool = False,
    max_snap_m: float | None = None,
) -> Review:
    """Review proposed estates for civil-affairs approval (新建小区养老服务设施配建审查).

    Parameters
    ----------
    estate : path, GeoDataFrame or shapely geometry
        The proposed estate(s); every feature gets its own review.
    facilities : path or (Geo)DataFrame
        Elderly-care facilities 养老服务设施.
    network : WalkNetwork
        From :func:`load_network`, in a metric CRS; everything is measured in it.
    rules : str, Path or Ruleset
        The ruleset.
    households, status, planned_floor_m2, planned_land_m2 : optional
        Values of a single proposal (override the file's columns; ``status`` applies to all).
    gates, existing_estates : path or (Geo)DataFrame, optional
        Gates 出入口 of the proposal; existing estates 现有小区 for the shared-facility check.
    estate_crs : CRS-like, optional
        CRS of a shapely ``estate``.
    coords, fields : optional
        As for :func:`load_inputs`.
    layers : mapping, optional
        Layer per input of multi-layer files: ``estate``, ``facilities``, ``gates``,
        ``existing_estates``.
    measure, walk_speed, include_planned, max_snap_m : optional
        As for :func:`audit`.

    Returns
    -------
    Review
        One :class:`~planning.review.core.EstateReview` per proposal; ``.write(dir)`` writes
        review.json, review.html (one A4 sheet each) and review.xlsx.
    """
    check_network(network)
    ruleset = ruleset_of(rules)
    options = ReviewOptions(walk_speed, measure, include_planned, None, max_snap_m)
    names = dict(layers or {})
    crs = network.crs
    field_map = dict(fields or {})
    source, layer = split_source(
        as_source(facilities, "facilities", names.get("facilities"), "layers.facilities")
    )
    fac_frame, report = io.load_facilities(
        source, fields=field_map, coords=coords, layer=layer, target_crs=crs
    )
    existing = None
    if existing_estates is not None:
        source, layer = split_source(
            as_source(
                existing_estates,
                "estates",
                names.get("existing_estates"),
                "layers.existing_estates",
            )
        )
        existing, report = io.load_estates(
            source,
            fields=field_map,
            coords=coords,
            layer=layer,
            new_estate_cutoff_year=ruleset.parameters.new_estate_cutoff_year,
            target_crs=crs,
            report=report,
        )
    report.raise_if_unusable()
    source, layer = split_source(_proposal_frame(estate, estate_crs, names.get("estate")))
    proposals = read_proposals(
        source,
        layer,
        options=ProposalOptions(households, status, planned_floor_m2, planned_land_m2),
        fields=field_map,
        coords=coords,
    ).to_crs(crs)
    gate_frame = None
    if gates is not None:
        source, layer = split_source(as_source(gates, "gates", names.get("gates"), "layers.gates"))
        gate_frame = read_gates(
            source,
            layer,
            proposals,
            coords=coords,
            fields=field_map,
        )
    core = review_estates(
        proposals, fac_frame, ruleset, network, gates=gate_frame, existing=existing, options=options
    )
    return Review.from_review(core, network=network, barriers=network.barrier_polygons)
