"""One task per unit (分片任务): its inputs, its clipped network, and a hash of both.

:func:`build_jobs` cuts province-wide layers into :class:`UnitJob` s: the unit's own estates and
their gates, every facility in its region (so estates near a border find facilities across it),
the streets it touches, and the network clipped to the region (or a network file the worker
loads itself, for per-county networks on shared storage). :meth:`UnitJob.input_hash` identifies
what a finished unit was computed from, so a re-run skips it while nothing changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from shapely.geometry.base import BaseGeometry

from planning import __version__, settings
from planning.audit import AuditOptions
from planning.batch.units import Unit, assign, clip_network, region_of, unit_key, within_region
from planning.io import Inputs
from planning.io.frames import file_hashes, frame_hash
from planning.network import WalkNetwork
from planning.rules import Ruleset

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AuditChoices:
    """What every unit's audit is run with (the same for all units)."""

    ruleset: Ruleset
    options: AuditOptions
    #: Walkability profile to audit (the network's own when None).
    profile: str | None = None

    def fingerprint(self) -> str:
        """Return text that changes when any choice changes (part of every unit's input hash)."""
        return f"{self.ruleset!r}|{self.options!r}|{self.profile}"


@dataclass(frozen=True)
class NetworkSource:
    """A network file a worker loads itself (a county's network on shared storage)."""

    path: Path
    layer: str | None = None
    barriers: Path | None = None
    barriers_layer: str | None = None

    def fingerprint(self) -> str:
        """Return the files' content hashes and layers."""
        files = dict(file_hashes(self.path))
        if self.barriers is not None:
            files.update(file_hashes(self.barriers))
        return f"{sorted(files.items())}|{self.layer}|{self.barriers_layer}"


@dataclass(frozen=True)
class StagedNetwork:
    """A unit's network clip written to shared storage by the client, read by the worker.

    Keeps the clips out of the task graph: the scheduler holds a path, not megabytes of
    geometry, and a task rescheduled after a lost worker reads the same file again.
    """

    path: Path
    barriers: gpd.GeoDataFrame | None = None


@dataclass
class UnitJob:
    """Everything one unit's task needs; pickled to a Dask worker.

    Attributes
    ----------
    unit : Unit
        The unit.
    inputs : Inputs
        Its estates and their gates, the facilities of its region, the streets it touches.
    network : WalkNetwork or NetworkSource
        The network clipped to the region, or a file to load and clip on the worker.
    region : shapely geometry
        The unit's hull buffered by the halo.
    choices : AuditChoices
        Ruleset and options.
    estate_rows, facility_rows : array of int
        Rows of the job's estates and facilities in the province layers.
    core_facility : array of bool
        Which of the job's facilities belong to the unit (the others lie across a border).
    settings : dict
        The client's package settings, applied on the worker.
    """

    unit: Unit
    inputs: Inputs
    network: WalkNetwork | NetworkSource | StagedNetwork
    region: BaseGeometry
    choices: AuditChoices
    estate_rows: IntArray
    facility_rows: IntArray
    core_facility: npt.NDArray[np.bool_]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Return the unit's folder name."""
        return unit_key(self.unit.unit_id)

    def input_hash(self) -> str:
        """SHA-256 of everything the unit's figures depend on (tool version included)."""
        digest = hashlib.sha256(f"eldercare-batch {__version__}\n".encode())
        digest.update(self.choices.fingerprint().encode())
        digest.update(repr(sorted(self.settings.items())).encode())
        for frame in (self.inputs.estates, self.inputs.facilities, self.inputs.gates,
                      self.inputs.streets):  # fmt: skip
            digest.update(b"-" if frame is None else frame_hash(frame).encode())
        digest.update(self.region.wkb)
        net = self.network
        if isinstance(net, StagedNetwork):
            raise TypeError("hash a job before staging its network")
        if isinstance(net, NetworkSource):
            digest.update(net.fingerprint().encode())
        else:
            for array in (net.node_x, net.node_y, net.u, net.v, net.length, net.bridge):
                digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(self.estate_rows.tobytes() + self.facility_rows.tobytes())
        return digest.hexdigest()


def stage(job: UnitJob, folder: Path) -> UnitJob:
    """Return the job with its network clip written under ``folder`` (shared storage)."""
    from planning.network.cache import save_network

    if not isinstance(job.network, WalkNetwork):
        return job
    path = Path(folder) / f"{job.key}.network.npz"
    save_network(job.network, path)
    return dataclasses.replace(job, network=StagedNetwork(path, job.network.barrier_polygons))


def worker_settings() -> dict[str, Any]:
    """Return the settings a unit's audit reads, taken from this (the client's) process."""
    names = ("max_snap_m", "service_area_buffer_m", "search_radius_m", "fragment_min_nodes",
             "fragment_min_share", "cache_folder")  # fmt: skip
    values = {name: getattr(settings, name) for name in names if hasattr(settings, name)}
    values["cache_folder"] = str(values["cache_folder"])
    return values


def _rows(frame: gpd.GeoDataFrame | None, mask: npt.NDArray[np.bool_]) -> gpd.GeoDataFrame | None:
    if frame is None:
        return None
    return frame.iloc[np.flatnonzero(mask)].reset_index(drop=True)


def build_jobs(
    inputs: Inputs,
    units: list[Unit],
    estate_unit: IntArray,
    facility_unit: IntArray,
    networks: list[WalkNetwork | NetworkSource],
    choices: AuditChoices,
    radius_m: float,
) -> list[UnitJob]:
    """Cut the province layers into one job per unit.

    Parameters
    ----------
    inputs : Inputs
        Province-wide layers in one metric CRS.
    units : list of Unit
        The units.
    estate_unit, facility_unit : array of int
        Unit of every estate and facility (see :func:`~planning.batch.units.assign`).
    networks : list
        Per unit: the province network (clipped here) or a file the worker loads.
    choices : AuditChoices
        Ruleset and options.
    radius_m : float
        Halo around each unit (longest measured walk plus the snapping limit).

    Returns
    -------
    list of UnitJob
        Units without estates get no job.
    """
    estates, facilities, gates, streets = (
        inputs.estates, inputs.facilities, inputs.gates, inputs.streets
    )  # fmt: skip
    estate_ids = estates["estate_id"].astype(str).to_numpy()
    gate_estate = (
        gates["estate_id"].astype(str).to_numpy() if gates is not None else np.zeros(0, str)
    )
    linked = (
        facilities["estate_id"].astype("string").fillna("").to_numpy(str)
        if facilities is not None
        else np.zeros(0, str)
    )
    n_fac = 0 if facilities is None else len(facilities)
    jobs = []
    for index, unit in enumerate(units):
        rows = np.flatnonzero(estate_unit == index)
        if not len(rows):
            continue
        own_ids = set(estate_ids[rows])
        gate_mask = np.isin(gate_estate, list(own_ids))
        core = facility_unit == index if n_fac else np.zeros(0, bool)
        parts = [estates.geometry.to_numpy()[rows]]
        if gates is not None:
            parts.append(gates.geometry.to_numpy()[gate_mask])
        if n_fac and facilities is not None:
            parts.append(facilities.geometry.to_numpy()[core])
        region = region_of(unit, parts, radius_m)
        fac_mask = core | within_region(facilities, region) | np.isin(linked, list(own_ids))
        street_mask = within_region(streets, region)
        if streets is not None and "street" in estates:
            named = set(estates["street"].iloc[rows].dropna().astype(str))
            street_mask |= streets["name"].astype(str).isin(named).to_numpy()
        unit_inputs = Inputs(
            estates=estates.iloc[rows].reset_index(drop=True),
            facilities=_rows(facilities, fac_mask),
            gates=_rows(gates, gate_mask),
            streets=_rows(streets, street_mask),
            crs=inputs.crs,
            source_files=dict(inputs.source_files),
        )
        source = networks[index]
        network = source if isinstance(source, NetworkSource) else clip_network(source, region)
        jobs.append(
            UnitJob(
                unit=unit,
                inputs=unit_inputs,
                network=network,
                region=region,
                choices=choices,
                estate_rows=rows.astype(np.int64),
                facility_rows=np.flatnonzero(fac_mask).astype(np.int64),
                core_facility=core[fac_mask] if n_fac else np.zeros(0, bool),
                settings=worker_settings(),
            )
        )
    return jobs


def split_inputs(inputs: Inputs, units: list[Unit]) -> tuple[IntArray, IntArray]:
    """Return the unit of every estate and facility of province-wide inputs (by location)."""
    estate_unit = assign(inputs.estates.geometry, units)
    facility_unit = (
        assign(inputs.facilities.geometry, units)
        if inputs.facilities is not None
        else np.zeros(0, np.int64)
    )
    return estate_unit, facility_unit
