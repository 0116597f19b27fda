"""Stray fragments (路网碎片) and walkability profiles of a built network.

Clipped extracts and centre-line layers leave small pieces of street unconnected to anything: a
point attached to one reaches nothing. :func:`drop_fragments` removes every connected component
with fewer than ``settings.fragment_min_nodes`` nodes or less than
``settings.fragment_min_share`` of the network's length (whichever is stricter), and keeps real
separate components (an island with its own streets and facilities) that pass both. The removed
edges stay on the network (:attr:`WalkNetwork.fragments`) so that a point near one only can be
reported as such.

:func:`for_profile` derives the step-free network (无障碍) from a walk network by dropping the
edges that are not step-free, then the fragments that leaves.
"""

from __future__ import annotations

import logging

import numpy as np

from planning import settings
from planning._errors import NetworkError, param
from planning.network.graph import WalkNetwork
from planning.network.walkability import check_profile

logger = logging.getLogger(__name__)

#: Kept components listed in the report at most.
MAX_COMPONENTS_LISTED = 50


def build_key(profile: str, fragments: bool) -> tuple[object, ...]:
    """Return the choices of :func:`~planning.network.barriers.finish_network` for a cache key.

    The profile, whether fragments are dropped and the settings that decide what is dropped
    (fragment thresholds, expressway inference on stripped OSM exports).
    """
    return (
        "profile", check_profile(profile), bool(fragments), int(settings.fragment_min_nodes),
        float(settings.fragment_min_share), bool(settings.infer_expressways),
    )  # fmt: skip


def drop_fragments(
    net: WalkNetwork, min_nodes: int | None = None, min_share: float | None = None
) -> WalkNetwork:
    """Remove stray fragments: components too small to be a real part of the network.

    Parameters
    ----------
    net : WalkNetwork
        The network.
    min_nodes : int, optional
        Components with fewer nodes are fragments (``settings.fragment_min_nodes``).
    min_share : float, optional
        Components with less than this share of the network's length are fragments
        (``settings.fragment_min_share``).

    Returns
    -------
    WalkNetwork
        The network without fragments (the largest component is always kept); the report
        counts them (``fragments_dropped``, ``fragment_nodes``, ``fragment_edges``,
        ``fragment_km``) and lists the kept components (``components_kept``).
    """
    low_n = int(settings.fragment_min_nodes if min_nodes is None else min_nodes)
    share = float(settings.fragment_min_share if min_share is None else min_share)
    if net.n_edges == 0:
        return net
    k, labels = net.component_labels()
    nodes = np.bincount(labels, minlength=k)
    edge_comp = labels[net.u]
    edges = np.bincount(edge_comp, minlength=k)
    length = np.bincount(edge_comp, weights=net.length, minlength=k)
    fragment = (nodes < low_n) | (length < share * float(net.length.sum()))
    fragment[edges == 0] = False  # isolated nodes have no street to snap to
    fragment[int(np.argmax(length))] = False
    drop = fragment[edge_comp]
    out = net.subset_edges(~drop) if drop.any() else _copy(net)
    out.fragments = np.concatenate([net.fragments, net.geometry[drop]])
    r = out.report
    r.fragments_dropped += int(fragment.sum())
    r.fragment_nodes += int(nodes[fragment].sum())
    r.fragment_edges += int(drop.sum())
    r.fragment_km = round(r.fragment_km + float(length[fragment].sum()) / 1000.0, 3)
    kept = np.flatnonzero(~fragment & (edges > 0))
    kept = kept[np.lexsort((-nodes[kept], -length[kept]))]
    r.components_kept = [
        {"nodes": int(nodes[c]), "edges": int(edges[c]), "km": round(float(length[c]) / 1000, 3)}
        for c in kept[:MAX_COMPONENTS_LISTED]
    ]
    if fragment.any():
        logger.info(
            "dropped %d stray fragments (%d nodes, %.2f km); kept %d components",
            int(fragment.sum()),
            int(nodes[fragment].sum()),
            float(length[fragment].sum()) / 1000,
            len(kept),
        )
    return out


def _copy(net: WalkNetwork) -> WalkNetwork:
    """Return the same network with its own report (counting then leaves the caller's alone)."""
    return net.subset_edges(np.ones(net.n_edges, dtype=bool), drop_isolated=False)


def for_profile(net: WalkNetwork, profile: str) -> WalkNetwork:
    """Return the network of a walkability profile (步行 ``walk`` or 无障碍 ``step_free``).

    Parameters
    ----------
    net : WalkNetwork
        A walk network (its edges know whether they are step-free), or a step-free one.
    profile : {"walk", "step_free"}
        The profile wanted.

    Returns
    -------
    WalkNetwork
        ``net`` itself when it already is of that profile; the step-free network (edges that
        are not step-free removed, then the fragments this leaves) from a walk network.

    Raises
    ------
    NetworkError
        A walk network is asked of a step-free one (load the network with ``profile="walk"``).
    """
    wanted = check_profile(profile)
    if wanted == net.profile:
        return net
    if wanted == "walk":
        raise NetworkError(
            f"This network was built for step-free walking; the walk profile needs the network "
            f"loaded with {param('profile', 'walk')}."
        )
    out = net.subset_edges(net.step_free) if not net.step_free.all() else _copy(net)
    out.report.profile = "step_free"
    removed, km = net.report.removed_total("not_step_free")
    if not net.report.not_step_free:
        out.report.notes.append(
            "no steps, kerbs, inclines or wheelchair tags in the data: the step-free network is "
            "the walk network"
        )
    else:
        logger.info("step-free profile: %d %s (%.2f km) are not step-free", removed,
                    net.report.filter_unit or "ways", km)  # fmt: skip
    out = drop_fragments(out)
    out.barrier_polygons = net.barrier_polygons
    return out
