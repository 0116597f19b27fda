"""On-disk cache of built networks (路网缓存), without pickle.

A built :class:`~planning.network.graph.WalkNetwork` is written as one ``.npz`` of plain numeric
arrays: node and edge arrays, the edge geometries as shapely ragged arrays (coordinates +
offsets), the CRS as WKT and the build report as JSON text. It is keyed on a hash of the inputs
(file bytes and build parameters), so a re-run with the same inputs starts in seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from planning import settings
from planning.network.graph import BuildReport, WalkNetwork

logger = logging.getLogger(__name__)

#: Bump when the build logic changes so old cache entries are not reused.
CACHE_VERSION = "2"  # 2: walkability profiles, step-free flags, stray fragments


def network_cache_dir() -> Path:
    """Folder of built networks: ``settings.cache_folder / "networks"``."""
    return Path(settings.cache_folder) / "networks"


def hash_inputs(parts: Iterable[Any]) -> str:
    """Hash build inputs: paths hash their bytes, other values their ``repr``.

    Parameters
    ----------
    parts : iterable
        Paths (``pathlib.Path``), bytes, or values with a stable ``repr``.

    Returns
    -------
    str
        Hex SHA-256 digest.
    """
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for part in parts:
        if isinstance(part, Path):
            h.update(b"file:")
            with part.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        elif isinstance(part, bytes | bytearray):
            h.update(b"bytes:")
            h.update(part)
        else:
            h.update(b"val:")
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


def save_network(net: WalkNetwork, path: Path) -> None:
    """Write a network to ``path`` (``.npz``) atomically."""
    gtype, coords, offsets = shapely.to_ragged_array(net.geometry)
    if gtype != shapely.GeometryType.LINESTRING:
        raise ValueError("only LineString geometries can be cached")
    arrays: dict[str, Any] = {
        "node_x": net.node_x,
        "node_y": net.node_y,
        "node_id": net.node_id,
        "u": net.u,
        "v": net.v,
        "length": net.length,
        "bridge": net.bridge,
        "step_free": net.step_free,
        "coords": coords,
        "offsets": offsets[0],
        "crs_wkt": np.array(net.crs.to_wkt()),
        "report": np.array(json.dumps(net.report.to_dict(), ensure_ascii=False)),
    }
    if len(net.fragments):
        _, f_coords, f_offsets = shapely.to_ragged_array(net.fragments)
        arrays["fragment_coords"], arrays["fragment_offsets"] = f_coords, f_offsets[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_network(path: Path) -> WalkNetwork:
    """Read a network written by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as z:
        geoms = shapely.from_ragged_array(
            shapely.GeometryType.LINESTRING, z["coords"], (z["offsets"],)
        )
        report = BuildReport.from_dict(json.loads(str(z["report"])))
        fragments = (
            shapely.from_ragged_array(
                shapely.GeometryType.LINESTRING, z["fragment_coords"], (z["fragment_offsets"],)
            )
            if "fragment_coords" in z
            else None
        )
        return WalkNetwork(
            z["node_x"],
            z["node_y"],
            z["u"],
            z["v"],
            z["length"],
            geoms,
            CRS.from_wkt(str(z["crs_wkt"])),
            node_id=z["node_id"],
            bridge=z["bridge"],
            report=report,
            step_free=z["step_free"],
            fragments=fragments,
        )


def cached(key: str, build: Callable[[], WalkNetwork], use_cache: bool = True) -> WalkNetwork:
    """Return the cached network for ``key`` or build, cache and return it.

    Parameters
    ----------
    key : str
        Hash of the inputs (:func:`hash_inputs`).
    build : callable
        Builds the network when it is not cached.
    use_cache : bool, default True
        False builds without reading or writing the cache.

    Returns
    -------
    WalkNetwork
        ``report.cache_hit`` tells whether it came from the cache.
    """
    if not use_cache:
        return build()
    path = network_cache_dir() / f"{key}.npz"
    if path.exists():
        try:
            net = read_network(path)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("ignoring unreadable cached network %s (%s)", path, exc)
        else:
            net.report.cache_hit = True
            net.report.cache_key = key
            logger.info("read the walking network from the cache %s", path)
            return net
    net = build()
    net.report.cache_key = key
    net.report.cache_hit = False
    try:
        save_network(net, path)
    except OSError as exc:
        logger.warning("could not write the network cache %s (%s)", path, exc)
    return net
