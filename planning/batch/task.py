"""What one Dask task does for one unit (分片计算): the audit on its clipped network.

:func:`measure_unit` runs on a worker. It calls the public API (:func:`planning.load_network`
for a county's own network file, :func:`planning.audit` on the unit's layers) and returns a
:class:`UnitMeasure`: the unit's audited estates, the estate × facility pairs within the sharing
distance (so the province can share floor area across unit borders once, not per unit), the
facilities' streets, the service areas of the unit's own facilities and the speed-sensitivity
counts. The whole unit audit is also kept on shared storage for writing the unit's folder later.

Bad input (any :class:`~planning.PlanningError`) gives a :class:`UnitFailure` instead of an
exception, so Dask does not retry it and the other units go on; anything else (a lost worker,
an out-of-memory kill) is retried by Dask.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planning import network as networks
from planning import settings
from planning._errors import PlanningError
from planning.api import audit, load_network, network_summary
from planning.audit.provision import Provision
from planning.batch.jobs import NetworkSource, StagedNetwork, UnitJob
from planning.batch.units import clip_network
from planning.io import write_atomic
from planning.results import AuditResult

#: Dask event topic carrying unit progress from the workers to the client.
TOPIC = "eldercare-batch"


@dataclass
class UnitMeasure:
    """What the province needs from one unit (small; returned to the client).

    Attributes
    ----------
    unit_id : str
        The unit.
    estate_rows : array of int
        Province rows of the unit's estates, in the order of ``estates``.
    estates : GeoDataFrame
        The unit's audited estates (walk distances, circles, street; floor area as the unit
        alone would share it, replaced by the province allocation).
    facility_rows : array of int
        Province rows of the facilities the unit's audit saw.
    facility_street : array
        Street (``street_id``) of each of those facilities.
    core_facility : array of bool
        Which of those facilities belong to the unit.
    reach_rows, reach_cols : array of int
        Province estate and facility rows of every pair within the sharing distance.
    reach_values : array of float
        Their best-gate walking distance + 1 m (the audit's convention).
    streets : GeoDataFrame
        The unit audit's streets (``street_id``, ``name``, ``county``, geometry).
    service_areas : GeoDataFrame
        Service areas of the unit's own facilities and the unit's merged areas.
    sensitivity : DataFrame
        Households covered at each sensitivity speed.
    totals : dict
        The unit audit's headline figures (counts of its own estates add up to the province's).
    parameters : dict
        The unit audit's parameters (tiers, measure, CRS, network summary).
    network : dict
        Size of the clipped network.
    seconds : float
        Wall time of the task.
    """

    unit_id: str
    estate_rows: npt.NDArray[np.int64]
    estates: gpd.GeoDataFrame
    facility_rows: npt.NDArray[np.int64]
    facility_street: npt.NDArray[Any]
    core_facility: npt.NDArray[np.bool_]
    reach_rows: npt.NDArray[np.int64]
    reach_cols: npt.NDArray[np.int64]
    reach_values: npt.NDArray[np.float64]
    streets: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    sensitivity: pd.DataFrame
    totals: dict[str, Any]
    parameters: dict[str, Any]
    network: dict[str, Any]
    seconds: float
    worker: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnitFailure:
    """A unit that could not be audited: bad input, reported, not retried."""

    unit_id: str
    message: str
    error: str


def audit_path(state_dir: Path, key: str) -> Path:
    """Return where a unit's whole audit is kept between the measuring and the writing task."""
    return Path(state_dir) / f"{key}.audit.pkl"


def save_pickle(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (internal batch state, never user input)."""
    import cloudpickle  # what Dask itself sends tasks with (rulesets hold mapping proxies)

    path.parent.mkdir(parents=True, exist_ok=True)
    data = cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def load_pickle(path: Path) -> Any:
    """Return what :func:`save_pickle` wrote (the batch's own state files only)."""
    return pickle.loads(Path(path).read_bytes())


def emit(kind: str, unit_id: str, **data: Any) -> None:
    """Send a progress event to the client (a no-op outside a Dask worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(TOPIC, {"kind": kind, "unit": unit_id, "pid": os.getpid(), **data})


def _network(job: UnitJob) -> networks.WalkNetwork:
    if isinstance(job.network, StagedNetwork):
        from planning.network.cache import read_network

        net = read_network(job.network.path)
        net.barrier_polygons = job.network.barriers
        return net
    if isinstance(job.network, NetworkSource):
        source = job.network
        net = load_network(
            source.path,
            crs=job.inputs.crs,
            layer=source.layer,
            barriers=source.barriers,
            barriers_layer=source.barriers_layer,
        )
        return clip_network(net, job.region)
    return job.network


def _reach(
    result: AuditResult, net: networks.WalkNetwork, job: UnitJob
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Return the estate × facility pairs within the sharing distance, in province rows."""
    options = job.choices.options
    fac_snaps = networks.snap(net, result.facilities.geometry, options.max_snap_m)
    provision = Provision.build(
        result.estates, result.facilities, job.choices.ruleset, net,
        result.origins, result.origin_groups, fac_snaps,
    )  # fmt: skip
    if provision.reach is None:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    coo = provision.reach.tocoo()
    return (
        job.estate_rows[coo.row].astype(np.int64),
        job.facility_rows[coo.col].astype(np.int64),
        np.asarray(coo.data, dtype=np.float64),
    )


def _own_service_areas(result: AuditResult, job: UnitJob) -> gpd.GeoDataFrame:
    """Return the service areas of the unit's own facilities (whole: the halo holds them) and merged ones."""
    areas = result.service_areas
    if not len(areas):
        return areas
    own = set(result.facilities["facility_id"].astype(str).to_numpy()[job.core_facility])
    keep = areas["merged"].astype(bool) | areas["facility_id"].astype(str).isin(own)
    return areas[keep.to_numpy()].reset_index(drop=True)


def measure_unit(job: UnitJob, state_dir: str) -> UnitMeasure | UnitFailure:
    """Audit one unit on its clipped network (runs on a Dask worker).

    Parameters
    ----------
    job : UnitJob
        The unit's layers, network and choices.
    state_dir : str
        Shared folder where the unit's whole audit is kept for :func:`write_unit`.

    Returns
    -------
    UnitMeasure or UnitFailure
    """
    unit_id = job.unit.unit_id
    start = time.perf_counter()
    emit("started", unit_id)
    options = job.choices.options
    try:
        with settings.override(**job.settings):
            net = _network(job)
            result = audit(
                job.inputs,
                net,
                job.choices.ruleset,
                measure=options.measure,
                walk_speed=options.walk_speed_m_per_s,
                include_planned=options.include_planned,
                max_snap_m=options.max_snap_m,
                progress=lambda message: emit("step", unit_id, message=message),
                search_radius_m=options.search_radius_m,
                profile=job.choices.profile,
            )
            rows, cols, values = _reach(result, net, job)
    except PlanningError as error:
        emit("failed", unit_id, message=error.raw_message)
        return UnitFailure(unit_id, error.raw_message, type(error).__name__)
    # The unit's folder is written from its edges table; the network itself stays behind.
    kept = dataclasses.replace(
        result, network=networks.WalkNetwork([], [], [], [], [], [], net.crs)
    )
    save_pickle(audit_path(Path(state_dir), job.key), (job.unit, job.core_facility, kept))
    streets = result.streets
    keep = [c for c in ("street_id", "name", "county") if c in streets.columns]
    return UnitMeasure(
        unit_id=unit_id,
        estate_rows=job.estate_rows,
        estates=result.estates,
        facility_rows=job.facility_rows,
        facility_street=result.facilities["street_id"].to_numpy()
        if len(result.facilities)
        else np.zeros(0, object),
        core_facility=job.core_facility,
        reach_rows=rows,
        reach_cols=cols,
        reach_values=values,
        streets=gpd.GeoDataFrame(streets[keep], geometry=streets.geometry, crs=streets.crs),
        service_areas=_own_service_areas(result, job),
        sensitivity=result.sensitivity,
        totals=dict(result.totals),
        parameters=dict(result.parameters),
        network={**network_summary(net.report), "nodes": net.n_nodes, "edges": net.n_edges},
        seconds=time.perf_counter() - start,
        worker={"pid": os.getpid()},
    )
