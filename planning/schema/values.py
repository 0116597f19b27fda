"""Cell values of planners' tables (单元格取值): missing values, numbers, years, kinds, statuses.

Planners write ``"1,200户"``, ``"约 350 ㎡"``, ``"1.2万"``, ``"2004年"``, ``"暂无"`` and free text
such as ``"XX街道综合养老服务中心"``; these functions read them: :func:`parse_number`,
:func:`parse_year`, :func:`is_missing`, facility kinds (设施类型, :func:`normalise_kind`) and
estate and facility status (建设状态, :func:`normalise_estate_status`,
:func:`normalise_facility_status`). Display names of the codes live in :mod:`planning.vocabulary`;
the synonyms here are only what is *recognised* in a cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd

from planning import vocabulary

__all__ = [
    "FACILITY_KINDS",
    "KIND_SYNONYMS",
    "MISSING_TOKENS",
    "SEPARATORS",
    "fold",
    "is_missing",
    "kind_help",
    "normalise_estate_status",
    "normalise_facility_status",
    "normalise_kind",
    "parse_number",
    "parse_year",
]

# fmt: off
#: Accepted facility kinds (设施类型, :data:`planning.vocabulary.FACILITY_KINDS`).
FACILITY_KINDS: tuple[str, ...] = tuple(vocabulary.FACILITY_KINDS)

#: Chinese (and English) synonyms per facility kind; free text containing one of them is matched
#: too, the longest synonym wins (so 街道综合养老服务中心 is a street centre, not a station).
KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    "community_station": (
        "社区养老服务站", "社区养老服务中心", "日间照料中心", "老年人日间照料中心", "日间照料站",
        "居家养老服务站", "居家养老服务中心", "社区居家养老服务站", "社区居家养老服务中心",
        "长者照护之家", "托老所", "嵌入式养老服务机构", "养老服务站", "为老服务站", "老年服务站",
        "长者服务站", "长者照护中心", "日托", "community_station", "community station", "day care",
    ),
    "street_centre": (
        "街道综合养老服务中心", "乡镇综合养老服务中心", "镇综合养老服务中心", "区域养老服务中心",
        "养老服务中心", "综合养老服务中心", "综合为老服务中心", "街道养老服务中心",
        "street_centre", "street centre", "street center",
    ),
    "institution": (
        "养老院", "敬老院", "老年养护院", "养护院", "特困人员供养服务机构", "供养服务机构",
        "光荣院", "福利院", "社会福利院", "护理院", "养老机构", "老年公寓", "颐养院",
        "institution", "nursing home",
    ),
    "rural_point": (
        "农村互助幸福院", "互助幸福院", "幸福院", "助老餐点", "老年食堂", "长者食堂",
        "农村互助养老服务点", "互助养老服务点", "互助养老点", "rural_point", "rural point",
    ),
}

#: Cell values treated as missing (empty) in any field.
MISSING_TOKENS: frozenset[str] = frozenset({
    "", "-", "--", "—", "——", "/", "na", "n/a", "nan", "null", "none", "无", "暂无", "暂无资料",
    "暂无数据", "未知", "不详", "缺失", "#n/a", "?", "？",
})

_ESTATE_STATUS: dict[str, tuple[str, ...]] = {
    "new": ("新建", "new", "规划", "拟建", "在建", "待建", "规划新建", "新建小区", "planned"),
    "existing": ("既有", "existing", "已建成", "已建", "建成", "老旧", "老旧小区", "现状", "现有",
                 "旧", "old", "既有小区", "已建小区"),
}
_FACILITY_STATUS: dict[str, tuple[str, ...]] = {
    # 在建 (under construction) counts as planned supply: it does not serve anybody yet.
    "planned": ("规划", "拟建", "在建", "待建", "新建", "规划新建", "计划", "planned", "proposed",
                "under construction"),
    "existing": ("现状", "已建", "已建成", "建成", "既有", "现有", "运营", "运营中", "在营", "开业",
                 "existing", "operating", "open"),
}
# fmt: on

#: Separators ignored when matching names and synonyms (spaces, ``_``, ``-``, ``:``, ``·``, ``.``).
SEPARATORS = re.compile(r"[\s_\-:：·.]+")
_UNIT_WORDS = re.compile(r"m2|m\^2|平方米|平米")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def fold(text: str) -> str:
    """Return ``text`` with full-width forms folded (NFKC), lower-cased and stripped.

    Examples
    --------
    >>> fold(" ＡＢ１ ")
    'ab1'
    """
    return unicodedata.normalize("NFKC", text).strip().lower()


def is_missing(value: object) -> bool:
    """Return ``True`` for empty cells: None, NaN, NA and placeholders such as ``暂无`` or ``-``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating) and math.isnan(value):
        return True
    return isinstance(value, str) and fold(value) in MISSING_TOKENS


def _vocabulary_match(value: object, vocabulary: Mapping[str, tuple[str, ...]]) -> str | None:
    """Return the key whose synonym equals or (longest) occurs in ``value``."""
    if is_missing(value):
        return None
    text = SEPARATORS.sub(" ", fold(str(value))).strip()
    compact = text.replace(" ", "")
    best: tuple[int, str] | None = None
    for key, synonyms in vocabulary.items():
        for synonym in synonyms:
            syn = SEPARATORS.sub(" ", fold(synonym)).strip()
            if text == syn or compact == syn.replace(" ", ""):
                return key
            hit = syn in text or (" " not in syn and syn in compact)
            if hit and (best is None or len(syn) > best[0]):
                best = (len(syn), key)
    return best[1] if best else None


def normalise_kind(value: object) -> str | None:
    """Classify a facility type (设施类型) into one of :data:`FACILITY_KINDS`.

    Exact synonyms are matched first; otherwise the longest synonym contained in the text wins,
    so ``"XX街道综合养老服务中心"`` → ``"street_centre"`` and ``"XX社区日间照料中心"`` →
    ``"community_station"``.

    Parameters
    ----------
    value : object
        The cell value (type column or facility name).

    Returns
    -------
    str or None
        The canonical kind, or ``None`` when nothing matches or the value is empty.
    """
    return _vocabulary_match(value, KIND_SYNONYMS)


def kind_help(lang: str = "en") -> str:
    """Return the accepted facility kinds with their Chinese synonyms, for messages."""
    parts = []
    for kind, synonyms in KIND_SYNONYMS.items():
        zh = [s for s in synonyms if not s.isascii()]
        parts.append(f"{kind} ({'、'.join(zh)})")
    joiner = "；" if lang == "zh" else "; "
    return joiner.join(parts)


def normalise_estate_status(value: object) -> str | None:
    """Return ``"new"`` (新建), ``"existing"`` (既有) or ``None`` for an estate status cell.

    ``新建``/``规划``/``在建`` → new; ``既有``/``已建成``/``老旧``/``现状`` → existing.
    """
    return _vocabulary_match(value, _ESTATE_STATUS)


def normalise_facility_status(value: object) -> str | None:
    """Return ``"existing"`` (现状), ``"planned"`` (规划) or ``None`` for a facility status cell.

    ``现状``/``已建``/``运营`` → existing; ``规划``/``拟建``/``在建``/``新建`` → planned (a facility
    under construction does not serve anybody yet, so it counts as planned supply).
    """
    return _vocabulary_match(value, _FACILITY_STATUS)


def parse_number(value: object) -> float | None:
    """Parse a number that may carry units or thousands separators.

    Parameters
    ----------
    value : object
        E.g. ``1200``, ``"1,200"``, ``"1200户"``, ``"约 350 ㎡"``, ``"１２００"`` (full-width),
        ``"1.2万"`` (= 12 000).

    Returns
    -------
    float or None
        ``None`` when the cell is empty or holds no single number (``"暂无"``, ``"100-200"``).
    """
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    text = _UNIT_WORDS.sub("", fold(str(value)).replace(",", "").replace("，", ""))
    numbers = _NUMBER.findall(text)
    if len(numbers) != 1:
        return None
    rest = text.replace(numbers[0], "", 1)
    if re.search(r"\d", rest):
        return None
    number = float(numbers[0]) * (10000.0 if "万" in rest else 1.0)
    return number if math.isfinite(number) else None


def parse_year(value: object) -> int | None:
    """Parse a build year (建成年代): ``2004``, ``"2004年"``, ``"2004-05-01"``, ``"90年代"``.

    Returns
    -------
    int or None
        The year, or ``None`` when no plausible year (1800–2200) is found. Two-digit decades
        (``"90年代"``) are read as 19xx.
    """
    if is_missing(value):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            return None
        year = int(value) if float(value).is_integer() else None
        return year if year is not None and 1800 <= year <= 2200 else None
    text = fold(str(value))
    match = re.search(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)", text)
    if match:
        return int(match.group(1))
    match = re.fullmatch(r"(\d\d)年代", text)
    if match:
        return 1900 + int(match.group(1))
    number = parse_number(text)
    if number is not None and number.is_integer() and 1800 <= number <= 2200:
        return int(number)
    return None
