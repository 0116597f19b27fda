"""Load of the new households on shared community facilities (共享设施负荷).

A community facility within the sharing distance (``parameters.sharing_distance_m``, 调剂距离)
of a proposed estate serves existing estates too. Its ratio before is
``floor_m2 / (households of existing estates within the sharing distance / 100)``; after, the
new households are added. The check flags a facility that meets the per-100-household standard
now and would not afterwards (``ratio_before ≥ rate > ratio_after``). Each proposal is checked
on its own against the existing estates (proposals of one file are not added up).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import network
from planning.analysis.origins import estate_origins
from planning.review.common import Verdict, citation_dict
from planning.rules import Rule, Ruleset


@dataclass
class SharedFacility:
    """A shared community facility within the sharing distance of the new estate."""

    facility_id: str
    name: str
    kind: str
    floor_m2: float
    walk_m: float
    existing_estates: int | None
    households_before: int | None
    households_after: int
    ratio_before: float | None
    ratio_after: float | None
    flag: bool | None


@dataclass
class SharingCheck:
    """Effect of the new households on nearby shared facilities (共享设施负荷)."""

    rule_id: str | None
    rate: float | None
    distance_m: float
    existing_given: bool
    facilities: list[SharedFacility]
    verdict: Verdict
    citation: dict[str, str]
    note: str


@dataclass
class SharingContext:
    """Shared-facility loads computed once for all proposals."""

    rule: Rule | None
    distance: float
    facilities: gpd.GeoDataFrame
    near: pd.DataFrame  # proposal row, facility position, walk
    before: dict[int, tuple[int, int]] | None  # facility position -> (estates, households)

    @classmethod
    def build(
        cls,
        ruleset: Ruleset,
        net: network.WalkNetwork,
        facilities: gpd.GeoDataFrame,
        f_snap: network.Snapped,
        active: np.ndarray,
        existing: gpd.GeoDataFrame | None,
        gates: gpd.GeoDataFrame | None,
        o_snap: network.Snapped,
        groups: np.ndarray,
        proposals: gpd.GeoDataFrame,
        max_snap_m: float | None = None,
    ) -> SharingContext:
        """Find the shared facilities near every proposal and the existing households they serve.

        Parameters
        ----------
        ruleset : Ruleset
            Gives the standard (existing-estate floor-area rule, else the new one) and distance.
        net : WalkNetwork
            The walking network.
        facilities : GeoDataFrame
            All facilities; ``f_snap`` are their attachments and ``active`` those that count.
        f_snap, active
            Facility attachments and the mask of facilities that exist (or count as planned).
        existing : GeoDataFrame or None
            Existing estates (None: the ratio uses the new households alone).
        gates : GeoDataFrame or None
            Gates of existing estates (and proposals).
        o_snap, groups
            Attachments of the proposals' origins and the proposal row of each.
        proposals : GeoDataFrame
            The proposals (their ids are left out of the existing estates).
        max_snap_m : float, optional
            Longest connector for existing estates; ``settings.max_snap_m`` when None.

        Returns
        -------
        SharingContext
        """
        rule = ruleset.floor_area_rule("existing") or ruleset.floor_area_rule("new")
        distance = ruleset.sharing_policy("existing").distance_m
        empty = pd.DataFrame({"row": [], "fac": [], "walk": []})
        if rule is None or not len(facilities):
            return cls(rule, distance, facilities, empty, None)
        kinds = facilities["kind"].isin(rule.facility_kinds).to_numpy() & active
        fac_pos = np.flatnonzero(kinds)
        if not len(fac_pos):
            return cls(rule, distance, facilities, empty, None)
        sub = f_snap.subset(fac_pos)
        od = network.od_sparse(net, o_snap, sub, distance)
        near = (
            pd.DataFrame({"row": groups[od.rows], "fac": fac_pos[od.cols], "walk": od.dist})
            .groupby(["row", "fac"])["walk"]
            .min()
            .reset_index()
        )
        before: dict[int, tuple[int, int]] | None = None
        if existing is not None:
            used = np.unique(near["fac"].to_numpy(dtype=np.int64))
            before = {int(f): (0, 0) for f in used}
            others = existing[~existing["estate_id"].astype(str).isin(proposals["estate_id"])]
            others = others.reset_index(drop=True)
            if len(others) and len(used):
                e_orig, e_groups = estate_origins(others, gates)
                e_snap = network.snap(net, e_orig.geometry, max_snap_m)
                od2 = network.od_sparse(net, e_snap, f_snap.subset(used), distance)
                # unique (estate, facility) pairs: an estate counts once however many gates reach
                pairs = np.unique(np.column_stack([e_groups[od2.rows], od2.cols]), axis=0)
                hh = others["households"].to_numpy(dtype=np.int64)
                n_est = np.bincount(pairs[:, 1], minlength=len(used))
                hh_sum = np.bincount(pairs[:, 1], weights=hh[pairs[:, 0]], minlength=len(used))
                before = {
                    int(f): (int(n_est[k]), round(float(hh_sum[k]))) for k, f in enumerate(used)
                }
        return cls(rule, distance, facilities, near, before)

    def check(self, row: int, households: int) -> SharingCheck:
        """Return the sharing check of proposal ``row`` with ``households`` new households."""
        rule = self.rule
        rate = None if rule is None else rule.minimum
        citation = citation_dict(rule)
        given = self.before is not None
        items: list[SharedFacility] = []
        mine = self.near[self.near["row"] == row].sort_values(["walk", "fac"])
        for f_raw, walk in zip(mine["fac"].to_numpy(), mine["walk"].to_numpy(), strict=True):
            f = int(f_raw)
            fac = self.facilities.iloc[f]
            floor_raw = pd.to_numeric(self.facilities["floor_m2"], errors="coerce").iloc[f]
            floor = float(floor_raw) if pd.notna(floor_raw) else 0.0
            n_est, hh_before = self.before.get(f, (0, 0)) if self.before is not None else (0, 0)
            hh_after = hh_before + households
            r_before = floor / (hh_before / 100.0) if given and hh_before > 0 else None
            r_after = floor / (hh_after / 100.0) if hh_after > 0 else None
            flag = None
            if given and rate is not None and r_after is not None:
                flag = bool(r_before is not None and r_before >= rate > r_after)
            items.append(
                SharedFacility(
                    str(fac["facility_id"]),
                    str(fac["name"]),
                    str(fac["kind"]),
                    floor,
                    round(float(walk), 2),
                    n_est if given else None,
                    hh_before if given else None,
                    hh_after,
                    None if r_before is None else round(r_before, 2),
                    None if r_after is None else round(r_after, 2),
                    flag,
                )
            )
        if not given:
            verdict: Verdict = "report"
            # The note goes into the sheet handed to an applicant: it names data, not options.
            note = (
                "未提供现有小区数据，仅按本小区户数计算比值 "
                "no existing estates given: ratios use the new households alone"
            )
        elif rule is None or rate is None:
            verdict, note = "report", "规则集无每百户面积标准 no per-100-household rule"
        else:
            verdict = "fail" if any(i.flag for i in items) else "pass"
            note = (
                f"共享距离 {self.distance:.0f} m 内的设施；比值 = 建筑面积 ÷ (户数/100)，"
                f"标准 {rate:g} m²/百户（{rule.title_zh}）"
            )
        if not items:
            verdict = "report"
            note = (
                f"步行 {self.distance:.0f} m 内无共享社区设施 no shared facility within reach; "
                + note
            )
        return SharingCheck(
            None if rule is None else rule.id, rate, self.distance, given, items, verdict,
            citation, note,
        )  # fmt: skip
