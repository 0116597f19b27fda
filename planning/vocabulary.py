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
        "m2": ("㎡", "m²"),
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

#: Why an estate is off the walking network (无法接入原因): farther than the snap limit from every
#: street, or near only a stray fragment of the network (路网碎片) that was dropped.
UNREACHABLE_REASONS: Words = MappingProxyType(
    {
        "too_far": ("离路网过远", "too far from the walking network"),
        "only_fragment": ("仅邻近路网碎片", "near only a stray fragment of the network"),
    }
)

#: Evidence levels of a rule's citation (证据等级), strongest first.
EVIDENCE_LEVELS: Words = MappingProxyType(
    {
        "plan": ("规划原文", "plan text"),
        "found": ("公开资料", "public source"),
        "memory": ("未核实", "unverified"),
    }
)


#: Ownership of a facility (举办性质): 公办, 公建民营, 民办.
OWNERSHIP: Words = MappingProxyType(
    {
        "public": ("公办", "public"),
        "public_private": ("公建民营", "publicly built, privately run"),
        "private": ("民办", "private"),
    }
)

#: Administrative level a facility serves (设施层级): 县级, 乡镇（街道）级, 村级, 社区级.
FACILITY_LEVELS: Words = MappingProxyType(
    {
        "county": ("县级", "county"),
        "township": ("乡镇（街道）级", "township/street"),
        "village": ("村级", "village"),
        "community": ("社区级", "community"),
    }
)

#: Named roles of facilities that plans single out (设施职能).
FACILITY_ROLES: Words = MappingProxyType(
    {
        "welfare_home": ("社会福利院", "welfare home"),
        "guidance_centre": ("养老服务指导中心", "elderly-care guidance centre"),
        "regional_centre": ("区域养老服务中心", "regional elderly-care centre"),
        "meal_point": ("助餐点", "meal point"),
        "mutual_aid": ("互助养老点", "mutual-aid point"),
    }
)

#: Types of admin units (行政单元类型) in the streets and villages layers.
ADMIN_UNIT_TYPES: Words = MappingProxyType(
    {
        "street": ("街道", "street"),
        "township": ("乡镇", "township"),
        "village": ("村", "village"),
        "community": ("社区", "community"),
    }
)

#: Planning zones (规划分区) a rule can be limited to.
ZONES: Words = MappingProxyType(
    {
        "main_urban_area": ("主城区", "main urban area"),
        "central_urban_area": ("中心城区", "central urban area"),
        "urban_area": ("城区", "urban area"),
        "township": ("乡镇", "townships"),
        "rural": ("农村", "rural area"),
    }
)

#: Why a rule judges (达标/不达标) or only reports its figure (判定依据).
RULE_BASES: Words = MappingProxyType(
    {
        "plan": ("判定：数值见本地规划原文", "judged: the figure is in the local plan"),
        "standard": ("判定：数值见国家标准", "judged: the figure is in a national standard"),
        "public_source": (
            "判定：全国默认值，数值见公开资料",
            "judged: national default, figure found in a public source",
        ),
        "memory": (
            "判定：数值出处未核实（规则集要求判定）",
            "judged: figure unverified (the ruleset asks for a verdict)",
        ),
        "not_in_plan": (
            "仅报告：本地规划未规定该数值（沿用上级默认值）",
            "report only: the local plan does not state this figure (inherited default)",
        ),
        "unverified": (
            "仅报告：数值出处未核实",
            "report only: the figure is recalled, not verified",
        ),
        "no_figure": ("仅报告：规划未给出数值", "report only: the plan gives no figure"),
        "no_fields": (
            "仅报告：现有数据无对应字段",
            "report only: the data model has no field for it",
        ),
        "marked": (
            "仅报告：规则集标注为仅报告（见出处说明）",
            "report only: marked so in the ruleset (see the citation note)",
        ),
    }
)

#: Status of a siting answer (选址求解状态): whether its bound proves it.
SOLVE_STATUSES: Words = MappingProxyType(
    {
        "optimal": ("已证明最优", "proven optimal"),
        "time_limit": ("未证明最优（达到时限）", "not proven (time limit reached)"),
        "heuristic": ("启发式，未证明", "heuristic, not proven"),
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
