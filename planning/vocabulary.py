"""The one source of the package's fixed words (词汇表): facility kinds, verdicts, units, statuses.

Every code is stored with its Chinese and English display names, ``code: (中文, English)``; tables,
maps, reports, the workbook and the console all take their words from here.

Examples
--------
>>> FACILITY_KINDS["street_centre"][0]
'街道(乡镇)综合养老服务中心'
>>> label(RULE_VERDICTS, "fail", "zh")
'不达标'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

Lang = Literal["zh", "en"]
Words = Mapping[str, tuple[str, str]]

#: Facility kinds of the canonical facilities layer (设施类型).
FACILITY_KINDS: Words = MappingProxyType(
    {
        "community_station": ("社区养老服务站/日间照料中心", "Community station / day care"),
        "street_centre": ("街道(乡镇)综合养老服务中心", "Street comprehensive centre"),
        "institution": ("养老机构(养老院/敬老院)", "Care institution"),
        "rural_point": ("农村互助养老点", "Rural mutual-aid point"),
    }
)

#: Per-estate verdicts (结论), in legend order.
ESTATE_VERDICTS: Words = MappingProxyType(
    {
        "ok": ("两项均达标", "Meets both rules"),
        "area_shortfall": ("配建面积不足", "Floor-area shortfall"),
        "outside_circle": ("不在15分钟服务圈内", "Outside the 15-minute circle"),
        "both": ("面积不足且不在服务圈内", "Both"),
    }
)

#: Verdicts of a rule (规则结论).
RULE_VERDICTS: Words = MappingProxyType(
    {
        "pass": ("达标", "pass"),
        "fail": ("不达标", "fail"),
        "report": ("仅报告", "reported"),
        "no_data": ("无数据", "no data"),
    }
)

#: Units of rule thresholds and figures (单位).
UNITS: Words = MappingProxyType(
    {
        "m2_per_100hh": ("㎡/百户", "m² per 100 households"),
        "m2_per_person": ("㎡/人", "m² per resident"),
        "m": ("米", "m"),
        "min": ("分钟", "min"),
        "m_per_s": ("米/秒", "m/s"),
        "pct": ("%", "%"),
        "pct_estates": ("% 小区", "% of estates"),
        "count": ("个", "count"),
        "ratio": ("比例", "ratio"),
        "per_1000_elderly": ("每千名老年人", "per 1,000 elderly"),
    }
)

#: Status of an estate (新建/既有).
ESTATE_STATUSES: Words = MappingProxyType(
    {"new": ("新建", "new"), "existing": ("既有", "existing")}
)

#: Status of a facility (现状/规划).
FACILITY_STATUSES: Words = MappingProxyType(
    {"existing": ("现状", "existing"), "planned": ("规划", "planned")}
)

#: Evidence levels of a rule's citation (证据等级), strongest first.
EVIDENCE_LEVELS: Words = MappingProxyType(
    {
        "plan": ("规划原文", "plan text"),
        "found": ("公开资料", "public source"),
        "memory": ("未核实", "unverified"),
    }
)


def label(words: Words, code: str, lang: Lang = "zh") -> str:
    """Return the display name of ``code`` in ``lang`` (the code itself when unknown).

    Parameters
    ----------
    words : mapping
        One of this module's vocabularies.
    code : str
        The stored value, e.g. ``"area_shortfall"``.
    lang : {"zh", "en"}
        Language.

    Returns
    -------
    str
    """
    names = words.get(code)
    if names is None:
        return code
    return names[0] if lang == "zh" else names[1]
