"""A batch plan (任务规划): the province layers, the units and one job per unit.

:func:`plan_split` cuts province-wide inputs by a polygon layer (the streets, the streets
grouped by ``county``, or a county boundary file); :mod:`planning.batch.manifest` builds the same
plan from per-county files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from planning import settings
from planning.batch.jobs import AuditChoices, NetworkSource, UnitJob, build_jobs, split_inputs
from planning.batch.units import (
    Unit,
    halo_radius_m,
    parse_split,
    read_split_layer,
    units_from_frame,
)
from planning.io import Inputs
from planning.network import WalkNetwork

Say = Callable[[str], None]
IntArray = npt.NDArray[np.int64]

#: Segments per quarter circle of the halo buffer; the radius is enlarged so the polygon
#: contains the true circle (its chords would otherwise cut a few metres off it).
HALO_QUAD_SEGS = 8


@dataclass
class Plan:
    """What a batch will run.

    Attributes
    ----------
    inputs : Inputs
        The province-wide layers (one CRS).
    network : WalkNetwork or None
        The province network, when there is one (units may load their own).
    units : list of Unit
        Every unit, including those that failed before any task ran.
    jobs : list of UnitJob
        One per unit with estates.
    failed : dict
        Unit id → message, for units whose inputs could not be read.
    choices : AuditChoices
        Ruleset and options.
    halo_m : float
        Buffer around each unit (metres).
    split : str
        How the units were made (for the summary).
    estate_unit, facility_unit : array of int
        Position in ``units`` of every province estate and facility.
    """

    inputs: Inputs
    network: WalkNetwork | None
    units: list[Unit]
    jobs: list[UnitJob]
    choices: AuditChoices
    halo_m: float
    split: str
    estate_unit: IntArray
    facility_unit: IntArray
    failed: dict[str, str] = field(default_factory=dict)


def halo_m(choices: AuditChoices) -> float:
    """Buffer around a unit: longest measured walk + snapping limit, as a circumscribed polygon.

    Examples
    --------
    >>> from planning.audit import AuditOptions
    >>> from planning.rules import load_ruleset
    >>> round(halo_m(AuditChoices(load_ruleset("national"), AuditOptions())))
    3317
    """
    options = choices.options
    snap = float(settings.max_snap_m if options.max_snap_m is None else options.max_snap_m)
    reach = halo_radius_m(choices.ruleset, options) + snap
    return reach / math.cos(math.pi / (4 * HALO_QUAD_SEGS)) + 1.0


def plan_split(
    inputs: Inputs,
    network: WalkNetwork,
    split: str | gpd.GeoDataFrame,
    choices: AuditChoices,
    *,
    split_field: str | None = None,
    say: Say | None = None,
) -> Plan:
    """Plan a batch over province-wide inputs split by a polygon layer.

    Parameters
    ----------
    inputs : Inputs
        Province-wide layers.
    network : WalkNetwork
        The province network (clipped per unit).
    split : str or GeoDataFrame
        ``"streets"`` (one unit per street), ``"streets:county"`` (streets grouped by county), a
        polygon file ``"县界.gpkg:code"``, or polygons in memory.
    choices : AuditChoices
        Ruleset and options.
    split_field : str, optional
        Field to group a GeoDataFrame ``split`` by.
    say : callable, optional
        Receives progress messages.

    Returns
    -------
    Plan
    """
    tell = say or (lambda message: None)
    if isinstance(split, gpd.GeoDataFrame):
        frame, field_name, label = split.to_crs(inputs.crs), split_field, "polygons"
    else:
        layer, field_name = parse_split(str(split))
        frame, label = read_split_layer(layer, inputs), str(split)
    units = units_from_frame(frame, field_name)
    estate_unit, facility_unit = split_inputs(inputs, units)
    halo = halo_m(choices)
    tell(f"Split by {label}: {len(units)} units; each measured with a {halo:,.0f} m halo")
    jobs = build_jobs(
        inputs, units, estate_unit, facility_unit, [network] * len(units), choices, halo
    )
    return Plan(inputs, network, units, jobs, choices, halo, label, estate_unit, facility_unit)


def plan_units(
    inputs: Inputs,
    network: WalkNetwork | None,
    units: list[Unit],
    estate_unit: IntArray,
    facility_unit: IntArray,
    networks: list[WalkNetwork | NetworkSource],
    choices: AuditChoices,
    label: str,
) -> Plan:
    """Plan a batch whose units are already known (a manifest of per-county files)."""
    halo = halo_m(choices)
    jobs: list[UnitJob] = build_jobs(
        inputs, units, estate_unit, facility_unit, networks, choices, halo
    )
    return Plan(inputs, network, units, jobs, choices, halo, label, estate_unit, facility_unit)
