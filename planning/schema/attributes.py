"""Facility attributes, planning zones and admin-unit types read from cells (设施属性与分区取值).

The rules of the plans count only some facilities: 特困人员供养服务机构 (``serves_tekun``), 公办
institutions (``ownership``), ones with 医养结合 (``medical_care``), a 县级 facility (``level``),
the 区社会福利院 (``role``), meal service (``meal_service``). Planners write these as free text
(``公办``, ``公建民营``, ``是``/``否``, ``县级``) or only in the name (``XX县特困人员供养服务中心``).
The functions here read one cell; :mod:`planning.io.attributes` applies them to a layer.
Display names of the codes are in :mod:`planning.vocabulary`; the synonyms here are only what is
*recognised*.

Examples
--------
>>> parse_ownership("公建民营"), parse_flag("否"), parse_flag("√")
('public_private', False, True)
>>> level_from_text("大冶市金湖街道综合养老服务中心"), level_from_text("XX村互助幸福院")
('township', 'village')
>>> parse_zone("城市主城区"), parse_zone("高新区")
('main_urban_area', '高新区')
>>> unit_type_from_name("城关镇"), unit_type_from_name("红旗村村委会")
('township', 'village')
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from planning.schema.values import SEPARATORS, fold, is_missing

__all__ = [
    "FLAG_FALSE",
    "FLAG_TRUE",
    "LEVEL_SYNONYMS",
    "OWNERSHIP_SYNONYMS",
    "ROLE_SYNONYMS",
    "UNIT_TYPE_SYNONYMS",
    "ZONE_SYNONYMS",
    "level_from_text",
    "meal_from_text",
    "medical_from_text",
    "ownership_from_text",
    "parse_flag",
    "parse_level",
    "parse_ownership",
    "parse_role",
    "parse_unit_type",
    "parse_zone",
    "role_from_text",
    "tekun_from_text",
    "unit_type_from_name",
]

# fmt: off
#: 举办性质: what a cell may say for each ownership code.
OWNERSHIP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "public_private": ("公建民营", "公办民营", "public_private", "publicly built"),
    "public": ("公办", "公办公营", "公营", "公立", "国有", "政府办", "政府举办", "事业单位",
               "public", "state"),
    "private": ("民办", "民营", "私营", "私立", "社会办", "社会力量举办", "民办公助", "private"),
}

#: 设施层级: what a level cell may say.
LEVEL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "county": ("县级", "县", "区级", "县区级", "县市区级", "市级", "县（市、区）级", "county"),
    "township": ("乡镇级", "乡镇", "乡级", "镇级", "街道级", "街道", "街镇", "乡镇（街道）",
                 "township", "street"),
    "village": ("村级", "村", "行政村", "village"),
    "community": ("社区级", "社区", "community"),
}

#: 设施职能: named roles, recognised in a role cell or in the name.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "welfare_home": ("社会福利院", "福利院", "welfare home", "welfare_home"),
    "guidance_centre": ("养老服务指导中心", "指导中心", "guidance centre", "guidance_centre"),
    "regional_centre": ("区域养老服务中心", "区域性养老服务中心", "区域综合养老服务中心",
                        "regional centre", "regional_centre"),
    "meal_point": ("助餐点", "助老餐点", "老年食堂", "长者食堂", "幸福老年餐厅", "助老餐桌",
                   "好邻居助老餐桌", "配餐点", "老年餐桌", "meal point", "meal_point"),
    "mutual_aid": ("互助幸福院", "幸福大院", "互助养老", "mutual aid", "mutual_aid"),
}

#: 规划分区: what a zone cell (or a zones file's name) may say.
ZONE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "main_urban_area": ("主城区", "城市主城区", "主城", "main urban area", "main_urban_area"),
    "central_urban_area": ("中心城区", "中心城", "central urban area", "central_urban_area"),
    "urban_area": ("城区", "城镇", "urban area", "urban_area", "urban"),
    "township": ("乡镇", "镇区", "乡镇区域", "township", "townships"),
    "rural": ("农村", "乡村", "村庄", "rural", "rural area"),
}

#: 行政单元类型 of streets/townships and villages/communities.
UNIT_TYPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "street": ("街道", "街道办", "街道办事处", "街", "street", "subdistrict"),
    "township": ("乡镇", "镇", "乡", "民族乡", "township", "town"),
    "village": ("村", "行政村", "村委会", "村民委员会", "village"),
    "community": ("社区", "居委会", "居民委员会", "社区居委会", "community"),
}

#: Cell values read as yes / no in flag columns (特困供养, 医养结合, 助餐). ``无`` is "no" here,
#: although it means "missing" in other fields.
FLAG_TRUE: frozenset[str] = frozenset({
    "是", "有", "具备", "具有", "提供", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对",
})
FLAG_FALSE: frozenset[str] = frozenset({
    "否", "无", "不", "不是", "没有", "不具备", "不提供", "n", "no", "false", "f", "0", "×", "✗",
    "非",
})

# Words in a name or description that say what a facility does.
_TEKUN_WORDS = ("特困人员供养", "特困供养", "供养服务", "特困")
_MEDICAL_WORDS = ("医养结合", "医养", "两院一体")
_MEAL_WORDS = ("助餐", "食堂", "餐厅", "餐桌", "配餐", "送餐", "膳食")

# The last place word in a name decides its level: 大冶市金湖街道综合养老服务中心 → 街道. 区 in
# 社区/小区/园区/城区/区域 and 市 in 超市/城市/市场 are not place words.
_PLACE = re.compile(
    r"(?P<community>社区|居委会)|(?P<village>村委会|村)|(?P<township>街道|乡镇|镇|乡)"
    r"|(?P<county>县|(?<![超城])市(?!场)|(?<![小社园城景片校街])区(?!域)|旗)"
)
# fmt: on


def _compact(value: object) -> str:
    return SEPARATORS.sub("", fold(str(value)))


def _lookup(value: object, synonyms: Mapping[str, tuple[str, ...]]) -> str | None:
    """Return the code whose synonym equals the cell, else the code of the longest one in it."""
    if is_missing(value):
        return None
    text = _compact(value)
    best: tuple[int, str] | None = None
    for code, words in synonyms.items():
        for word in words:
            key = _compact(word)
            if text == key:
                return code
            if key and key in text and (best is None or len(key) > best[0]):
                best = (len(key), code)
    return None if best is None else best[1]


def parse_ownership(value: object) -> str | None:
    """Return ``public``, ``public_private`` or ``private`` for a cell, ``None`` if unknown."""
    return _lookup(value, OWNERSHIP_SYNONYMS)


def parse_level(value: object) -> str | None:
    """Return ``county``, ``township``, ``village`` or ``community`` for a level cell."""
    return _lookup(value, LEVEL_SYNONYMS)


def parse_role(value: object) -> str | None:
    """Return the role code (:data:`planning.vocabulary.FACILITY_ROLES`) named in a cell."""
    return _lookup(value, ROLE_SYNONYMS)


def parse_unit_type(value: object) -> str | None:
    """Return ``street``, ``township``, ``village`` or ``community`` for a unit-type cell."""
    return _lookup(value, UNIT_TYPE_SYNONYMS)


def parse_zone(value: object) -> str | None:
    """Return the zone code of a cell (主城区 → ``main_urban_area``), else the text as written.

    A zone the vocabulary does not know (``高新区``) stays as written so a user ruleset can name
    it; ``None`` for an empty cell.
    """
    if is_missing(value):
        return None
    text = _compact(value)
    for code, words in ZONE_SYNONYMS.items():
        if text in {_compact(w) for w in words}:
            return code
    return _lookup(value, ZONE_SYNONYMS) or str(value).strip()


def parse_flag(value: object) -> bool | None:
    """Return ``True``/``False`` for a yes/no cell (是/否, 有/无, 1/0, √/×), ``None`` otherwise."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return value
    text = _compact(value)
    if text in FLAG_TRUE:
        return True
    if text in FLAG_FALSE:
        return False
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    return None


def _has(text: object, words: tuple[str, ...]) -> bool | None:
    if is_missing(text):
        return None
    compact = _compact(text)
    return True if any(w in compact for w in words) else None


def tekun_from_text(text: object) -> bool | None:
    """Return ``True`` when a name says 特困人员供养 (destitute care), else ``None``."""
    return _has(text, _TEKUN_WORDS)


def medical_from_text(text: object) -> bool | None:
    """Return ``True`` when a name says 医养结合 (medical and elderly care), else ``None``."""
    return _has(text, _MEDICAL_WORDS)


def meal_from_text(text: object) -> bool | None:
    """Return ``True`` when a name says it serves meals (助餐, 食堂, 餐桌 …), else ``None``."""
    return _has(text, _MEAL_WORDS)


def ownership_from_text(text: object) -> str | None:
    """Return the ownership a name states outright (公办, 公建民营, 民办), or ``None``."""
    if is_missing(text):
        return None
    compact = _compact(text)
    for code, word in (("public_private", "公建民营"), ("public_private", "公办民营"),
                       ("public", "公办"), ("private", "民办")):  # fmt: skip
        if word in compact:
            return code
    return None


def role_from_text(text: object) -> str | None:
    """Return the role named inside free text (a name), or ``None``."""
    return _lookup(text, ROLE_SYNONYMS)


def level_from_text(text: object) -> str | None:
    """Return the level of a facility from the last place word of its name, or ``None``.

    ``XX县社会福利院`` → ``county``; ``XX镇敬老院`` and ``XX街道综合养老服务中心`` → ``township``;
    ``XX村互助幸福院`` → ``village``; ``XX社区养老服务站`` → ``community``. Explicit words
    (县级, 乡镇级, 村级, 社区级) win over place words.
    """
    if is_missing(text):
        return None
    compact = _compact(text)
    for code, word in (("county", "县级"), ("township", "乡镇级"), ("township", "街道级"),
                       ("village", "村级"), ("community", "社区级")):  # fmt: skip
        if word in compact:
            return code
    matches = list(_PLACE.finditer(compact))
    return None if not matches else str(matches[-1].lastgroup)


def unit_type_from_name(name: object) -> str | None:
    """Return the type of an admin unit from its name's ending (XX镇 → ``township``)."""
    if is_missing(name):
        return None
    text = _compact(name)
    for code, endings in (
        ("community", ("社区", "居委会", "居民委员会")),
        ("village", ("村", "村委会", "村民委员会")),
        ("street", ("街道", "街道办", "街道办事处", "办事处")),
        ("township", ("镇", "乡", "镇人民政府", "乡人民政府")),
    ):
        if text.endswith(endings):
            return code
    return None
