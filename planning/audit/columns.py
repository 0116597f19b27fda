"""Column names of the audit's outputs, with their Chinese headers.

One place defines what ``results.gpkg``, ``estates.csv``, ``streets.csv`` and ``audit.xlsx`` carry,
so the audit, the gap map, the siting step and the review sheet agree. Tier columns are generated
from the ruleset's service-circle tiers (``5min``, ``10min``, ``15min``).
"""

from __future__ import annotations

from collections.abc import Sequence

#: Per-estate columns, in output order, with (Chinese header, English header).
ESTATE_COLUMNS: dict[str, tuple[str, str]] = {
    "estate_id": ("小区编号", "Estate id"),
    "name": ("小区名称", "Estate name"),
    "households": ("户数", "Households"),
    "status": ("新建/既有", "Status (new/existing)"),
    "street": ("所属街道", "Street"),
    "population": ("常住人口", "Residents"),
    "elderly": ("60岁及以上人口", "Residents aged 60+"),
    "area_rule_id": ("面积规则", "Floor-area rule"),
    "rate_m2_per_100hh": ("配建标准(㎡/百户)", "Rate (m² per 100 households)"),
    "required_m2": ("应配建面积(㎡)", "Required floor area (m²)"),
    "onsite_m2": ("本小区配建面积(㎡)", "On-site floor area (m²)"),
    "shared_m2": ("调剂共享面积(㎡)", "Shared floor area (m²)"),
    "provided_m2": ("合计面积(㎡)", "Provided floor area (m²)"),
    "shortfall_m2": ("面积缺口(㎡)", "Shortfall (m²)"),
    "area_ok": ("面积达标", "Floor area met"),
    "area_judged": ("面积规则判定", "Floor-area rule judges"),
    "land_rule_id": ("用地规则", "Land rule"),
    "land_required_m2": ("应配用地(㎡)", "Required land (m²)"),
    "land_provided_m2": ("已配用地(㎡)", "Provided land (m²)"),
    "land_ok": ("用地达标", "Land met"),
    "land_judged": ("用地规则判定", "Land rule judges"),
    "nearest_facility_id": ("最近设施编号", "Nearest facility id"),
    "nearest_facility_name": ("最近设施名称", "Nearest facility name"),
    "walk_m": ("步行距离(m)", "Walking distance (m)"),
    # the nearest facility of the largest circle's kinds at any distance up to the search radius
    "nearest_any_id": ("不限距离最近设施编号", "Nearest facility id (any distance)"),
    "nearest_any_name": ("不限距离最近设施名称", "Nearest facility (any distance)"),
    "walk_any_m": ("不限距离步行距离(m)", "Walk to the nearest facility (any distance, m)"),
    "reachable": ("可接入路网", "On the walking network"),
    # too_far / only_fragment (planning.vocabulary.UNREACHABLE_REASONS); empty when reachable
    "unreachable_reason": ("无法接入原因", "Why off the network"),
    "verdict": ("结论", "Verdict"),
}

#: Per-street columns (街道/乡镇).
STREET_COLUMNS: dict[str, tuple[str, str]] = {
    "street_id": ("街道编码", "Street id"),
    "name": ("街道名称", "Street"),
    "county": ("区县", "County"),
    "estates": ("小区数", "Estates"),
    "households": ("户数", "Households"),
    "elderly": ("60岁及以上人口", "Residents aged 60+"),
    "required_m2": ("应配建面积(㎡)", "Required floor area (m²)"),
    "provided_m2": ("合计面积(㎡)", "Provided floor area (m²)"),
    "shortfall_m2": ("面积缺口(㎡)", "Shortfall (m²)"),
    "estates_area_failing": ("面积不达标小区数", "Estates short of floor area"),
    "street_centres": ("综合养老服务中心数", "Comprehensive centres"),
    "has_street_centre": ("建有综合中心", "Has a comprehensive centre"),
}


def tier_columns(tiers: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Per-tier estate columns for the given tier names (e.g. ``["5min", "15min"]``).

    Parameters
    ----------
    tiers : sequence of str
        Tier names from the ruleset, such as ``"15min"``.

    Returns
    -------
    dict
        Column name to (Chinese header, English header).

    Examples
    --------
    >>> list(tier_columns(["5min"]))
    ['nearest_5min_id', 'walk_5min_m', 'covered_5min']
    """
    out: dict[str, tuple[str, str]] = {}
    for tier in tiers:
        minutes = tier.removesuffix("min")
        out[f"nearest_{tier}_id"] = (f"{minutes}分钟圈最近设施", f"Nearest facility ({tier})")
        out[f"walk_{tier}_m"] = (f"{minutes}分钟圈步行距离(m)", f"Walk ({tier}, m)")
        out[f"covered_{tier}"] = (f"{minutes}分钟圈覆盖", f"Covered ({tier})")
    return out


def street_tier_columns(tiers: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Per-tier street columns: households covered and the covered share.

    Parameters
    ----------
    tiers : sequence of str
        Tier names from the ruleset.

    Returns
    -------
    dict
        Column name to (Chinese header, English header).
    """
    out: dict[str, tuple[str, str]] = {}
    for tier in tiers:
        minutes = tier.removesuffix("min")
        out[f"households_covered_{tier}"] = (
            f"{minutes}分钟圈覆盖户数",
            f"Households covered ({tier})",
        )
        out[f"coverage_{tier}"] = (f"{minutes}分钟圈户数覆盖率", f"Household coverage ({tier})")
        out[f"elderly_coverage_{tier}"] = (
            f"{minutes}分钟圈老年人覆盖率",
            f"Elderly coverage ({tier})",
        )
    return out
