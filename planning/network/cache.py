"""On-disk cache of built networks (路网缓存), without pickle.

A built :class:`~planning.network.graph.WalkNetwork` is written as one ``.npz`` of plain numeric
arrays: node and edge arrays, the edge geometries as shapely ragged arrays (coordinates +
offsets), the CRS as WKT and the build report as JSON text. It is keyed on a hash of the inputs
(file bytes and build parameters), so a re-run with the same inputs starts in seconds. Beside each
entry a ``.sha256`` file holds the checksum of its bytes: an entry that is truncated (a disk
filled up, a copy interrupted) or changed is detected, removed and rebuilt, never trusted and
never an obstacle to later runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
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
        digest = _digest(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    # The checksum is written last: an entry without one is incomplete and gets rebuilt.
    checksum = _checksum_path(path)
    partial = checksum.with_name(f".{checksum.name}.{os.getpid()}.tmp")
    partial.write_text(digest + "\n", encoding="ascii")
    os.replace(partial, checksum)


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _intact(path: Path) -> bool:
    """Whether a cache entry's bytes match the checksum written with it."""
    try:
        expected = _checksum_path(path).read_text(encoding="ascii").strip()
        return expected == _digest(path)
    except (OSError, UnicodeDecodeError):
        return False


def _discard(path: Path, why: str) -> None:
    logger.warning("the cached network %s is %s; it is removed and rebuilt", path, why)
    for stale in (path, _checksum_path(path)):
        try:
            stale.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("could not remove %s (%s)", stale, exc)


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
    if path.exists() and not _intact(path):
        _discard(path, "damaged (truncated, changed or without its checksum)")
    if path.exists():
        try:
            net = read_network(path)
        except Exception as exc:  # numpy/zipfile raise many kinds for a damaged file
            _discard(path, f"unreadable ({type(exc).__name__}: {exc})")
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


# --------------------------------------------------------------------------- network layer

#: Bump when the network layer of ``results.gpkg`` is written differently (columns, options).
LAYER_VERSION = "1"


def network_layer_key(edges: Any) -> str:
    """Content hash of a network layer (a GeoDataFrame of lines) and of the GDAL writing it.

    Two runs on the same network get the same key however the network was built or cached;
    another GDAL or pyogrio version gets another key, since it may write other bytes.
    """
    import pyogrio

    h = hashlib.sha256(f"layer v{LAYER_VERSION}".encode())
    h.update(f"{pyogrio.__version__}|{pyogrio.__gdal_version_string__}".encode())
    h.update(str(edges.crs.to_wkt() if edges.crs is not None else "").encode())
    for column in edges.columns:
        values = edges[column]
        h.update(f"|{column}:{values.dtype}|".encode())
        if column == edges.geometry.name:
            _, coords, offsets = shapely.to_ragged_array(values.to_numpy())
            for part in (coords, *offsets):
                h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(np.ascontiguousarray(values.to_numpy()).tobytes())
    return h.hexdigest()


def _layer_path(key: str) -> Path:
    return network_cache_dir() / f"layer-{key}.gpkg"


def copy_network_layer(key: str, target: Path, write: Callable[[Path], None]) -> bool:
    """Copy the cached GeoPackage holding a network layer to ``target``, writing it first if new.

    The layer is encoded once per network: later runs copy its bytes (checked against the
    checksum written with them) instead of encoding ~1M lines again.

    Parameters
    ----------
    key : str
        :func:`network_layer_key` of the layer.
    target : Path
        The GeoPackage to start (it must not exist yet).
    write : callable
        ``write(path)`` writes a new GeoPackage holding only the layer.

    Returns
    -------
    bool
        False when the cache cannot be used (not writable, damaged): the caller writes the layer
        itself.
    """
    path = _layer_path(key)
    if path.exists() and not _checksum_path(path).exists():
        _discard(path, "without its checksum (a run stopped while writing it)")
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
            try:
                write(tmp)
                digest = _digest(tmp)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            checksum = _checksum_path(path)
            partial = checksum.with_name(f".{checksum.name}.{os.getpid()}.tmp")
            partial.write_text(digest + "\n", encoding="ascii")
            os.replace(partial, checksum)
        except Exception as exc:  # OSError, or GDAL refusing the cache folder: write in full
            logger.info("the network layer is not cached (%s); it is written in full", exc)
            return False
    h = hashlib.sha256()
    created = False
    try:
        expected = _checksum_path(path).read_text(encoding="ascii").strip()
        with path.open("rb") as source, target.open("xb") as dest:
            created = True
            # hashed while copied: the bytes are read once
            for chunk in iter(lambda: source.read(1 << 22), b""):
                h.update(chunk)
                dest.write(chunk)
    except (OSError, UnicodeDecodeError) as exc:
        logger.info("the cached network layer %s cannot be used (%s)", path, exc)
        if created:
            target.unlink(missing_ok=True)
        return False
    if h.hexdigest() != expected:
        target.unlink(missing_ok=True)
        _discard(path, "damaged (truncated, changed or without its checksum)")
        return False
    return True
