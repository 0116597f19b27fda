"""Chinese names and Chinese-labelled outputs of the synthetic sample district 示例区 (合成示例数据).

Helpers of :mod:`planning.sample`: word lists and deterministic name drawing for estates
(居住小区), roads (道路), communities (社区) and facilities (养老服务设施); the copies planners
would hand over (estates as a GBK Shapefile with Chinese field names and no ``.cpg``, facilities
as a workbook with Chinese headers and 经度/纬度); and ``gis_data/README.md``. Every draw takes the
caller's :class:`numpy.random.Generator`, so the same seed gives the same names.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: County-level district name written into every layer (示例区 = "sample district").
COUNTY = "示例区"

#: Label written into layer metadata, the Shapefile and the workbook.
SYNTHETIC_LABEL = "合成示例数据 (synthetic sample data)"

#: Name of the river (玉带河) crossing the district.
RIVER_NAME = "玉带河"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Two-character stems of estate names (小区名称).
_STEMS_2 = _words(
    "锦绣 东湖 幸福 阳光 金色 翠竹 和平 春江 桂园 丽景 紫荆 新华 长青 绿洲 明珠 清水 梧桐 银杏 枫林 "
    "海棠 玉兰 芙蓉 牡丹 碧水 蓝湾 鸿福 盛世 嘉禾 康乐 安居 祥和 天悦 名都 水岸 江畔 湖滨 南苑 北辰 "
    "西园 东方 世纪 香樟 云景 星河 龙湾 凤凰 锦华 荷塘 书香 学府 文华 育才 工农 红旗 建设 光明 团结 "
    "胜利 友谊 百合 晴川 万福 恒安 泰和 瑞祥 金桥 银河 彩虹 丹桂 青枫 白鹭 翡翠 琥珀 芳草 月湖 莲花"
)
#: Second halves of four-character stems (e.g. 锦绣 + 江南).
_STEMS_TAIL = _words("江南 春晓 山水 湖畔 半岛 御景 丽都 天地 水郡 花都 蓝庭 明珠 新居")
#: Work-unit compounds of the 1980s–1990s (单位宿舍/家属院).
_WORK_UNITS = _words(
    "纺织厂 机械厂 电力局 粮食局 铁路 造纸厂 化工厂 供电所 邮电局 水泥厂 棉纺厂 汽修厂"
)
_SUFFIX = {
    "old": _words("小区 新村 里 小区 新村"),
    "mid": _words("花园 小区 家园 苑 公寓 雅居 佳园"),
    "new": _words("花园 华庭 家园 名邸 公馆 府 苑 壹号"),
    "rural": _words("新村 还建小区 安置小区"),
}
#: Village names (村) of the rural fringe.
VILLAGES = _words("北岸 湖口 杨湾 李家墩 陈家岭 柳树湾 石桥 何家湾")
#: Stems of branch-road names (路名).
_ROAD_STEMS = _words(
    "光华 育才 青年 民主 前进 新民 公园 文化 体育 学院 园林 花桥 杨柳 石桥 沙湖 桃源 竹林 杏林 兴业 "
    "兴华 永安 长春 振兴 科技 创业 三元 四新 五福 六合 七里 八一 九峰 十堰 黄鹤 南湖 北湖 西湖 东亭 "
    "新村 联合 合作 幸福 健康 平安 长丰 大兴 高新 金融 商贸 市场 车站 码头 江堤 渔场 农场 果园 "
    "桂花 樱花 茶山 松涛 雁塔 玉泉 清风 明月 朝阳 晨光 春晖 秋实 冬青 夏荷 荷花 兰亭 梅岭 菊园"
)
_ROAD_SUFFIX = _words("路 街 一路 二路 巷 三路")

#: Names of the vertical (north–south) and horizontal (east–west) arterials (主干道).
ARTERIALS_NS = (
    "西环路",
    "建设大道",
    "解放大道",
    "发展大道",
    "友谊大道",
    "工业大道",
    "东环路",
    "东外环路",
)
ARTERIALS_EW = ("南环路", "和平大道", "中山大道", "长江路", "北湖大道", "北环路", "北外环路")

#: Streets (街道): id and name. 西城/滨江/东湖 lie south of the river (west to east), 北湖 north.
STREETS = (("S01", "西城街道"), ("S02", "滨江街道"), ("S03", "东湖街道"), ("S04", "北湖街道"))
#: Stand-alone facilities: kind, subtype (类型), arterial cell (column i, row j), north bank (only
#: for the river row 3), status. 北湖街道's street centre is only planned; 东湖街道 has none.
STANDALONE = (
    ("street_centre", "街道综合养老服务中心", 1, 1, False, "existing"),
    ("street_centre", "街道综合养老服务中心", 4, 1, False, "existing"),
    ("street_centre", "街道综合养老服务中心", 1, 4, False, "planned"),
    ("institution", "养老院", 2, 0, False, "existing"),
    ("institution", "敬老院", 0, 2, False, "existing"),
    ("institution", "老年养护院", 2, 5, False, "existing"),
    ("rural_point", "农村互助幸福院", 5, 5, False, "existing"),
    ("rural_point", "农村互助幸福院", 6, 4, False, "existing"),
    ("community_station", "", 0, 0, False, "existing"),
    ("community_station", "", 1, 2, False, "existing"),
    ("community_station", "", 3, 0, False, "existing"),
    ("community_station", "", 0, 4, False, "existing"),
    ("community_station", "", 2, 4, False, "existing"),
    ("community_station", "", 3, 3, True, "existing"),  # the river test: on the north bank
    ("community_station", "", 5, 2, False, "existing"),
    ("community_station", "", 6, 2, False, "existing"),
)
#: Stations inside estates (本小区配建, linked by estate_id): zone, status of the estates to pick
#: from, floor-area outcome on the estate's own households, facility status. ``pass`` stations of
#: existing estates are large (400–800 m²) so that neighbours within 500 m can share the surplus.
LINKED = (
    *[("old", "existing", "pass", "existing")] * 7,
    ("old", "existing", "short", "existing"),
    *[("central", "existing", "pass", "existing")] * 4,
    ("central", "new", "pass", "existing"),
    ("central", "existing", "short", "existing"),
    *[("north", "existing", "pass", "existing")] * 3,
    ("north", "new", "pass", "existing"),
    ("north", "existing", "short", "existing"),
    *[("new", "new", "pass", "existing")] * 2,
    ("new", "new", "pass", "planned"),
    ("new", "new", "short", "existing"),
    ("new", "existing", "pass", "existing"),
)

#: Names of the three institutions (养老机构) by subtype.
INSTITUTION_NAMES = {
    "养老院": "示例区社会福利院",
    "敬老院": "西城敬老院",
    "老年养护院": "北湖老年养护院",
}

#: Date written wherever a file format wants one (GeoPackage, dBase header, workbook), so that
#: the files are byte-stable.
FIXED_DATE = (2024, 1, 1)

#: Station subtypes (社区养老服务站 family) used in facility names.
STATION_TYPES = ("社区养老服务站", "老年人日间照料中心", "社区居家养老服务中心", "居家养老服务站")

#: Chinese words for gate directions (东/南/西/北门).
GATE_NAMES = {"south": "南门", "north": "北门", "west": "西门", "east": "东门"}


class NameBook:
    """Draw unique names from a seeded random generator.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator of the sample district; drawing consumes its stream deterministically.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _pick(self, items: tuple[str, ...]) -> str:
        return items[int(self._rng.integers(len(items)))]

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(500):
            name = make()
            if name not in self._used:
                self._used.add(name)
                return name
        raise RuntimeError(
            "name lists exhausted; enlarge the word lists in planning/sample/names.py"
        )

    def estate(self, era: str) -> str:
        """Return a unique estate name (小区名称) fitting its era.

        Parameters
        ----------
        era : str
            ``old`` (before 2000), ``mid``, ``new`` (2015 and later) or ``rural`` (village
            resettlement, 还建/安置小区).

        Returns
        -------
        str
            A name such as ``锦绣花园``, ``东湖新村``, ``纺织厂宿舍`` or ``北岸还建小区``.
        """

        def make() -> str:
            if era == "rural":
                return self._pick(VILLAGES) + self._pick(_SUFFIX["rural"])
            if era == "old" and self._rng.random() < 0.2:
                return self._pick(_WORK_UNITS) + self._pick(("宿舍", "家属院", "小区"))
            stem = self._pick(_STEMS_2)
            if self._rng.random() < 0.3:
                stem += self._pick(_STEMS_TAIL)
            return stem + self._pick(_SUFFIX[era])

        return self._unique(make)

    def phases(self, era: str) -> tuple[str, str]:
        """Return the names of two phases of one development (``X花园一期``, ``X花园二期``).

        Parameters
        ----------
        era : str
            As for :meth:`estate`.

        Returns
        -------
        tuple of str
            Phase one and phase two names, both unique.
        """
        base = self.estate(era)
        first, second = base + "一期", base + "二期"
        self._used.update((first, second))
        return first, second

    def facility(self, kind: str, subtype: str, place: str) -> tuple[str, str]:
        """Return the subtype (类型) and a unique name of a facility.

        Parameters
        ----------
        kind : str
            Canonical kind; stations draw their subtype from :data:`STATION_TYPES`.
        subtype : str
            Subtype of the other kinds (e.g. 养老院).
        place : str
            Street name for a street centre, estate name for a station inside an estate, empty
            for a stand-alone station (named after a community, 社区).

        Returns
        -------
        tuple of str
            (subtype, name), e.g. (社区养老服务站, 桂园社区养老服务站).
        """
        if kind == "community_station":
            subtype = self._pick(STATION_TYPES)
            return subtype, (place or self.community()) + subtype.removeprefix("社区")
        if kind == "rural_point":
            return subtype, self._unique(lambda: self._pick(VILLAGES) + "村" + subtype)
        return (
            subtype,
            place + "综合养老服务中心" if kind == "street_centre" else INSTITUTION_NAMES[subtype],
        )

    def road(self) -> str:
        """Return a unique branch-road name (支路名), e.g. ``育才路`` or ``桂花二路``."""
        return self._unique(lambda: self._pick(_ROAD_STEMS) + self._pick(_ROAD_SUFFIX))

    def community(self) -> str:
        """Return a unique community name (社区名) for a stand-alone station, e.g. ``桂园社区``."""
        return self._unique(lambda: self._pick(_STEMS_2) + "社区")


def station_land(rng: np.random.Generator, floor: float) -> float:
    """Draw the land area (用地面积, m²) of a community station or street centre.

    Land is 2.0–2.5 × the floor area (low-rise buildings with a courtyard). The land rule asks
    0.1 m² per resident, about 0.3 m² per household, twice what the existing-estate floor-area
    rule asks (0.15 m²), so a facility that meets the floor-area rule meets the land rule too.

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator.
    floor : float
        Floor area (m²).

    Returns
    -------
    float
        Land area in m², rounded to 10 m².
    """
    return float(round(floor * rng.uniform(2.0, 2.5), -1))


def facility_size(rng: np.random.Generator, kind: str, subtype: str) -> tuple[float, ...]:
    """Draw floor area, land area, beds and nursing beds (m², m², beds, beds) of a facility.

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator.
    kind, subtype : str
        Canonical kind and subtype; the 敬老院 gets no ``land_m2`` (NaN) by design.

    Returns
    -------
    tuple of float
        ``floor_m2, land_m2, beds, nursing_beds`` (NaN where a kind has none).
    """
    nan = float("nan")
    if kind == "rural_point":
        return float(rng.integers(15, 41) * 10), nan, nan, nan
    if kind == "community_station":
        floor = float(rng.integers(60, 81) * 10)
        return floor, station_land(rng, floor), nan, nan
    if kind == "street_centre":
        floor, beds = float(rng.integers(100, 301) * 10), float(rng.integers(20, 61))
        land = station_land(rng, floor)
    else:
        floor = float(rng.integers(30, 121) * 100)
        beds = float(np.clip(round(floor / 35 * rng.uniform(0.9, 1.15)), 100, 400))
        land = nan if subtype == "敬老院" else float(round(floor * rng.uniform(0.6, 1.2), -1))
    return floor, land, beds, float(round(beds * rng.uniform(0.4, 0.7)))
