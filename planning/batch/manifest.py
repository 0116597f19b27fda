"""A manifest of per-county files (分县清单): one unit per entry.

A province often keeps each county's data in its own folder. A manifest (TOML) lists them;
paths are relative to the manifest::

    [defaults]                  # optional, for every unit
    coords = "bd09"
    [fields]                    # optional, canonical = source column
    households = "总户数"
    [network]                   # optional: one network for all units (else per unit)
    file = "路网/全省.osm.pbf"

    [[units]]
    id = "230102"
    name = "道里区"
    estates = "230102/小区.shp"
    facilities = "230102/养老设施.xlsx"
    gates = "230102/出入口.gpkg"
    streets = "230102/街道.gpkg"
    network = "230102/路网.gpkg"  # a county network that already reaches past its border

Each unit's layers are read with :func:`planning.load_inputs`; a unit whose files cannot be used
is reported and left out, the others go on. All units are measured in one CRS (the first
usable unit's), so the province figures add up.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._errors import InputFileError, PlanningError
from planning.api import load_inputs, load_network
from planning.batch.jobs import AuditChoices, NetworkSource
from planning.batch.plan import Plan, plan_units
from planning.batch.units import Unit
from planning.io import Inputs
from planning.io.sources import LayerRef
from planning.network import WalkNetwork
from planning.project import layer_ref

Say = Callable[[str], None]
LAYERS = ("estates", "facilities", "gates", "streets")
UNIT_KEYS = {"id", "name", "network", "network_layer"} | {
    f"{role}{suffix}" for role in LAYERS for suffix in ("", "_layer")
}


@dataclass(frozen=True)
class ManifestUnit:
    """One entry of a manifest: a unit and its files."""

    unit_id: str
    name: str
    layers: dict[str, LayerRef]
    network: LayerRef | None = None


@dataclass(frozen=True)
class Manifest:
    """A manifest: its units, an optional shared network, and reading options."""

    path: Path
    units: list[ManifestUnit]
    network: LayerRef | None = None
    barriers: LayerRef | None = None
    fields: dict[str, str] = field(default_factory=dict)
    coords: Any = None
    crs: Any = None


def read_manifest(path: str | Path) -> Manifest:
    """Read a manifest file (TOML), checking every entry.

    Parameters
    ----------
    path : str or Path
        The manifest.

    Returns
    -------
    Manifest
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputFileError(f"{path}: manifest not found.") from error
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"{path}: not valid TOML ({error}).") from error
    unknown = set(data) - {"defaults", "fields", "network", "units"}
    if unknown:
        raise InputFileError(
            f"{path}: unknown section(s) {sorted(unknown)}; use defaults, fields, network, units."
        )
    entries = data.get("units", [])
    if not isinstance(entries, list) or not entries:
        raise InputFileError(f"{path}: list the units as [[units]] entries with id and estates.")
    base = path.parent
    units, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, unit {number}"
        extra = set(entry) - UNIT_KEYS
        if extra:
            raise InputFileError(f"{where}: unknown key(s) {sorted(extra)}.")
        if not entry.get("id") or not entry.get("estates"):
            raise InputFileError(f"{where}: every unit needs an id and an estates file.")
        unit_id = str(entry["id"])
        if unit_id in seen:
            raise InputFileError(f"{where}: unit id {unit_id!r} is listed twice.")
        seen.add(unit_id)
        layers = {
            role: ref
            for role in LAYERS
            if (ref := layer_ref(entry.get(role), entry.get(f"{role}_layer"), base)) is not None
        }
        network = layer_ref(entry.get("network"), entry.get("network_layer"), base)
        units.append(ManifestUnit(unit_id, str(entry.get("name", unit_id)), layers, network))
    net = data.get("network", {})
    defaults = data.get("defaults", {})
    return Manifest(
        path=path,
        units=units,
        network=layer_ref(net.get("file"), net.get("layer"), base),
        barriers=layer_ref(net.get("barriers"), net.get("barriers_layer"), base),
        fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
        coords=defaults.get("coords"),
        crs=defaults.get("crs"),
    )


def _load_unit(unit: ManifestUnit, manifest: Manifest, choices: AuditChoices,
               fields: Mapping[str, str], coords: Any, crs: Any) -> Inputs:  # fmt: skip
    refs = unit.layers
    return load_inputs(
        refs["estates"].path,
        *(refs[r].path if r in refs else None for r in LAYERS[1:]),
        layers={role: ref.layer for role, ref in refs.items() if ref.layer},
        fields={**manifest.fields, **dict(fields)},
        coords=coords if coords is not None else manifest.coords,
        crs=crs if crs is not None else manifest.crs,
        rules=choices.ruleset,
    )


def _prefix_ids(loaded: dict[str, Inputs]) -> list[str]:
    """Make ids unique across units by prefixing ``unit/`` where two counties use the same."""
    changed = []
    for layer, column in (("estates", "estate_id"), ("facilities", "facility_id"),
                          ("gates", "gate_id")):  # fmt: skip
        frames = [
            getattr(i, layer)[column] for i in loaded.values() if getattr(i, layer) is not None
        ]
        if frames and pd.concat(frames).duplicated().any():
            changed.append(column)
    for unit_id, inputs in loaded.items():

        def tag(frame: gpd.GeoDataFrame | None, column: str, prefix: str = unit_id) -> None:
            if frame is not None and column in frame:
                frame[column] = [None if pd.isna(v) else f"{prefix}/{v}" for v in frame[column]]

        if "estate_id" in changed:
            tag(inputs.estates, "estate_id")
            tag(inputs.gates, "estate_id")
            tag(inputs.facilities, "estate_id")
        if "facility_id" in changed:
            tag(inputs.facilities, "facility_id")
        if "gate_id" in changed:
            tag(inputs.gates, "gate_id")
    return changed


def _concat(frames: list[gpd.GeoDataFrame | None], crs: Any) -> gpd.GeoDataFrame | None:
    present = [f for f in frames if f is not None]
    if not present:
        return None
    return gpd.GeoDataFrame(pd.concat(present, ignore_index=True), crs=crs)


def plan_manifest(
    manifest: Manifest,
    choices: AuditChoices,
    *,
    fields: Mapping[str, str] | None = None,
    coords: Any = None,
    crs: Any = None,
    say: Say | None = None,
) -> Plan:
    """Read every unit of a manifest and plan one job per unit.

    Parameters
    ----------
    manifest : Manifest
        From :func:`read_manifest`.
    choices : AuditChoices
        Ruleset and options.
    fields, coords, crs : optional
        As for :func:`planning.load_inputs`; they win over the manifest's own.
    say : callable, optional
        Receives progress messages.

    Returns
    -------
    Plan
        Units whose files could not be used are in ``failed``.
    """
    tell = say or (lambda message: None)
    loaded: dict[str, Inputs] = {}
    failed: dict[str, str] = {}
    for unit in manifest.units:
        try:
            loaded[unit.unit_id] = _load_unit(unit, manifest, choices, fields or {}, coords, crs)
        except PlanningError as error:
            failed[unit.unit_id] = error.raw_message
            tell(f"Unit {unit.unit_id} ({unit.name}): its inputs cannot be used; left out")
    if not loaded:
        raise InputFileError(f"{manifest.path}: no unit's inputs could be used.")
    work_crs = next(iter(loaded.values())).crs
    for inputs in loaded.values():
        for layer in LAYERS:
            frame = getattr(inputs, layer)
            if frame is not None and not frame.crs.equals(work_crs):
                setattr(inputs, layer, frame.to_crs(work_crs))
    changed = _prefix_ids(loaded)
    if changed:
        tell(f"Ids repeat across units ({', '.join(changed)}): prefixed with the unit id")
    units = [Unit(u.unit_id, u.name, _outline(loaded.get(u.unit_id))) for u in manifest.units]
    index = {u.unit_id: i for i, u in enumerate(manifest.units)}
    province = Inputs(
        estates=_concat([i.estates for i in loaded.values()], work_crs),
        facilities=_concat([i.facilities for i in loaded.values()], work_crs),
        gates=_concat([i.gates for i in loaded.values()], work_crs),
        streets=_concat([i.streets for i in loaded.values()], work_crs),
        crs=work_crs,
        source_files={k: v for i in loaded.values() for k, v in i.source_files.items()},
    )
    estate_unit = np.concatenate(
        [np.full(len(i.estates), index[u], np.int64) for u, i in loaded.items()]
    )
    facility_unit = np.concatenate(
        [np.full(0 if i.facilities is None else len(i.facilities), index[u], np.int64)
         for u, i in loaded.items()]
    )  # fmt: skip
    shared = None
    if manifest.network is not None:
        shared = load_network(
            manifest.network.path,
            crs=work_crs,
            layer=manifest.network.layer,
            barriers=None if manifest.barriers is None else manifest.barriers.path,
            barriers_layer=None if manifest.barriers is None else manifest.barriers.layer,
        )
    networks: list[WalkNetwork | NetworkSource] = []
    for unit in manifest.units:
        if unit.network is not None:
            networks.append(NetworkSource(unit.network.path, unit.network.layer))
        elif shared is not None:
            networks.append(shared)
        else:
            raise InputFileError(
                f"{manifest.path}: unit {unit.unit_id} has no network; give it a network file "
                "or one [network] file for all units."
            )
    plan = plan_units(
        province, shared, units, estate_unit, facility_unit, networks, choices, str(manifest.path)
    )
    plan.failed.update(failed)
    return plan


def _outline(inputs: Inputs | None) -> shapely.Geometry | None:
    """Return a unit's polygon: the union of its streets, when it has them."""
    if inputs is None or inputs.streets is None or not len(inputs.streets):
        return None
    geoms = inputs.streets.geometry.dropna().to_numpy()
    return shapely.union_all(geoms) if len(geoms) else None
