"""Chinese names and Chinese-labelled outputs of the synthetic sample district 示例区 (合成示例数据).

Helpers of :mod:`planning.sample_district`: word lists and deterministic name drawing for estates
(居住小区), roads (道路), communities (社区) and facilities (养老服务设施); the copies planners
would hand over (estates as a GBK Shapefile with Chinese field names and no ``.cpg``, facilities
as a workbook with Chinese headers and 经度/纬度); and ``gis_data/README.md``. Every draw takes the
caller's :class:`numpy.random.Generator`, so the same seed gives the same names.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

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
        raise RuntimeError("name lists exhausted; enlarge the word lists in _sample_names.py")

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


#: Chinese column names of the estates Shapefile copy (each ≤ 10 bytes in GBK, the dBase limit).
ESTATE_COLUMNS_ZH = {
    "estate_id": "小区编号",
    "name": "小区名称",
    "households": "户数",
    "built_year": "建成年代",
    "status": "状态",
    "population": "人口",
    "elderly": "老年人口",
    "street": "所属街道",
}
ESTATE_STATUS_ZH = {"new": "新建", "existing": "已建"}

#: Chinese headers of the facilities workbook copy (经度/纬度 are WGS-84 degrees).
FACILITY_COLUMNS_ZH = {
    "facility_id": "设施编号",
    "name": "设施名称",
    "subtype": "设施类型",
    "floor_m2": "建筑面积(平方米)",
    "land_m2": "用地面积(平方米)",
    "beds": "床位数",
    "nursing_beds": "护理型床位数",
    "estate_id": "所在小区编号",
    "status": "状态",
    "street": "所属街道",
    "county": "所属区县",
}
FACILITY_STATUS_ZH = {"existing": "现状", "planned": "规划"}


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


@dataclass
class Design:
    """The designed failures of the sample district, computed from the generated layers.

    Attributes
    ----------
    walk_m : dict of str to float
        Per estate_id, the walking distance (m) on the roads layer from its nearest gate to the
        nearest existing community station or street centre (inf when none is reachable).
    uncovered : list of str
        Estate ids with ``walk_m`` > 1,000 m: outside every 15-minute circle (一刻钟服务圈).
    river_test : list of tuple
        (estate_id, facility_id, straight-line m, walking m) for uncovered estates within
        1,000 m in a straight line of a facility on the other side of the river.
    floor_area : list of tuple
        Per station linked to an estate: (estate_id, estate status, households, facility_id,
        facility status, floor_m2, m² per 100 households, standard, passes).
    street_centres : dict of str to list of str
        Per street name, the statuses of its street centres (街道综合养老服务中心).
    no_land : list of str
        Ids of centres and institutions without ``land_m2``.
    planned : list of str
        Ids of facilities with status ``planned``.
    """

    walk_m: dict[str, float] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    river_test: list[tuple[str, str, int, int]] = field(default_factory=list)
    floor_area: list[tuple[str, str, int, str, str, float, float, float, bool]] = field(
        default_factory=list
    )
    street_centres: dict[str, list[str]] = field(default_factory=dict)
    no_land: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)


def road_graph(roads: gpd.GeoSeries) -> tuple[sp.csr_array, dict[tuple[float, float], int]]:
    """Return the road graph (shared endpoints are nodes) and the node of each endpoint.

    Parameters
    ----------
    roads : geopandas.GeoSeries
        Noded road centre-lines; parallel edges keep the shortest.

    Returns
    -------
    tuple
        The symmetric-use sparse graph (edge weight = length, m) and the node index of each
        endpoint coordinate.
    """
    geoms = roads.to_numpy()
    ends = np.r_[
        shapely.get_coordinates(shapely.get_point(geoms, 0)),
        shapely.get_coordinates(shapely.get_point(geoms, -1)),
    ]
    keys, inv = np.unique(ends, axis=0, return_inverse=True)
    m = len(geoms)
    u, v, w = np.minimum(inv[:m], inv[m:]), np.maximum(inv[:m], inv[m:]), shapely.length(geoms)
    order = np.lexsort((w, v, u))  # keep the shortest of parallel edges
    keep = order[np.r_[True, (np.diff(u[order]) != 0) | (np.diff(v[order]) != 0)]]
    graph = sp.csr_array((w[keep], (u[keep], v[keep])), shape=(len(keys), len(keys)))
    return graph, {(float(x), float(y)): k for k, (x, y) in enumerate(keys)}


def design_report(layers: dict[str, gpd.GeoDataFrame], limit_m: float = 1000.0) -> Design:
    """Compute what fails which rule, walking on the district's own roads (gate → facility).

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        The sample district's layers (``estates``, ``gates``, ``facilities``, ``roads``); gates
        and facility points must be road endpoints, as the generator makes them.
    limit_m : float, default 1000
        Walking limit of the 15-minute circle.

    Returns
    -------
    Design
        The designed failures.
    """
    est, fac, gates = layers["estates"], layers["facilities"], layers["gates"]
    graph, node = road_graph(layers["roads"].geometry)

    def nodes(layer: gpd.GeoDataFrame) -> list[int]:
        xy = shapely.get_coordinates(layer.geometry.to_numpy())
        return [node[(float(x), float(y))] for x, y in xy]

    kinds = fac["kind"].isin(["community_station", "street_centre"])
    circle = fac[kinds & (fac["status"] == "existing")].reset_index(drop=True)
    dist = csgraph.dijkstra(graph, directed=False, indices=nodes(circle))[:, nodes(gates)]
    per_estate = pd.DataFrame(dist.T).groupby(gates["estate_id"].to_numpy()).min()
    per_estate = per_estate.reindex(est["estate_id"])
    walk = per_estate.min(axis=1).to_numpy()
    north = (circle["street"] == STREETS[3][1]).to_numpy()
    river_test = []
    on_foot = per_estate.to_numpy(dtype=float)
    for k in np.nonzero(walk > limit_m)[0]:
        straight = shapely.distance(est.geometry.iloc[k], circle.geometry.to_numpy())
        across = north != (est["street"].iloc[k] == STREETS[3][1])
        for f in np.nonzero(across & (straight <= limit_m))[0]:
            eid, fid = str(est["estate_id"].iloc[k]), str(circle["facility_id"].iloc[f])
            river_test.append((eid, fid, round(straight[f]), round(min(on_foot[k, f], 1e9))))
    linked = fac[fac["estate_id"].notna()].merge(est, on="estate_id", suffixes=("_f", ""))
    floor_area = []
    for r in linked.itertuples(index=False):
        ratio, standard = r.floor_m2 / r.households * 100, 20.0 if r.status == "new" else 15.0
        row = (r.estate_id, r.status, r.households, r.facility_id, r.status_f, r.floor_m2)
        floor_area.append((*row, round(ratio, 1), standard, bool(ratio >= standard)))
    centres = fac[fac["kind"] == "street_centre"]
    big = fac["kind"].isin(["street_centre", "institution"])
    return Design(
        walk_m=dict(zip(est["estate_id"], np.round(walk).tolist(), strict=True)),
        uncovered=est.loc[walk > limit_m, "estate_id"].tolist(),
        river_test=river_test,
        floor_area=floor_area,
        street_centres={
            s: centres.loc[centres["street"] == s, "status"].tolist() for _, s in STREETS
        },
        no_land=fac.loc[big & fac["land_m2"].isna(), "facility_id"].tolist(),
        planned=fac.loc[fac["status"] == "planned", "facility_id"].tolist(),
    )


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path, seed: int) -> None:
    """Write the layers, labelled synthetic; OGR_CURRENT_DATE pins the GeoPackage timestamps.

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layers by name, written in this order.
    path : pathlib.Path
        The GeoPackage; replaced if it exists.
    seed : int
        Seed recorded in each layer's description and metadata.
    """
    path.unlink(missing_ok=True)
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    stamp = "{}-{:02d}-{:02d}T00:00:00.000Z".format(*FIXED_DATE)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    meta = {
        "synthetic": SYNTHETIC_LABEL,
        "generator": "planning.sample_district",
        "seed": str(seed),
    }
    try:
        for name, layer in layers.items():
            note = f"{COUNTY} {name}: {SYNTHETIC_LABEL}, seed {seed}; not a real place"
            options = {"DESCRIPTION": note, "IDENTIFIER": f"{COUNTY} {name}"}
            pyogrio.write_dataframe(
                layer, path, layer=name, driver="GPKG", layer_options=options, layer_metadata=meta
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_estates_shapefile(estates: gpd.GeoDataFrame, path: Path) -> None:
    """Write the estates with Chinese field names, GBK-encoded and without a ``.cpg`` file.

    That is what planners' desktop GIS exports look like: GDAL reads the text as ISO-8859-1
    mojibake unless the loader is told (or guesses) ``encoding="GBK"``.

    Parameters
    ----------
    estates : geopandas.GeoDataFrame
        The canonical estates layer.
    path : pathlib.Path
        The ``.shp`` to write; its sidecar files are replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(path.stem + ".*"):
        old.unlink()
    df = estates.assign(
        status=estates["status"].map(ESTATE_STATUS_ZH),
        population=estates["population"].round().astype("int64"),
        elderly=estates["elderly"].round().astype("int64"),
    )
    df = df.rename(columns=ESTATE_COLUMNS_ZH).assign(备注="合成示例数据")
    pyogrio.write_dataframe(df, path, driver="ESRI Shapefile", encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[1:4] = bytes((FIXED_DATE[0] - 1900, FIXED_DATE[1], FIXED_DATE[2]))  # dBase update date
    dbf.write_bytes(bytes(data))


def write_facilities_xlsx(facilities: gpd.GeoDataFrame, path: Path, seed: int) -> None:
    """Write the facilities as a workbook with Chinese headers and WGS-84 经度/纬度.

    Zip entry times and document properties are pinned to :data:`FIXED_DATE` for stable bytes.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
        The canonical facilities layer (projected).
    path : pathlib.Path
        The ``.xlsx`` to write.
    seed : int
        Seed noted on the 说明 (notes) sheet.
    """
    lonlat = facilities.geometry.to_crs("EPSG:4326")
    table = facilities.assign(status=facilities["status"].map(FACILITY_STATUS_ZH))
    table = table[list(FACILITY_COLUMNS_ZH)].rename(columns=FACILITY_COLUMNS_ZH)
    table = table.assign(经度=lonlat.x.round(6).to_numpy(), 纬度=lonlat.y.round(6).to_numpy())
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = "养老服务设施"
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    notes = wb.create_sheet("说明")
    notes.append([f"{COUNTY}养老服务设施清单: {SYNTHETIC_LABEL}; 虚构地区, 非真实数据。"])
    notes.append([f"python -m planning.sample_district, seed {seed}; 经度/纬度 = WGS-84 (度)."])
    wb.properties.created = wb.properties.modified = datetime.datetime(*FIXED_DATE)
    wb.properties.creator = "planning.sample_district"
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = "{}-{:02d}-{:02d}T00:00:00Z".format(*FIXED_DATE).encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(*FIXED_DATE, 0, 0, 0))
            dst.writestr(entry, data, zipfile.ZIP_DEFLATED)


def _table(header: str, rows: list[str]) -> str:
    return "\n".join([f"| {header} |", "|---" * (header.count("|") + 1) + "|", *rows]) + "\n"


def failures_markdown(seed: int, layers: dict[str, gpd.GeoDataFrame], design: Design) -> str:
    """Return ``gis_data/designed_failures.md``: which estates and facilities fail which rule.

    Parameters
    ----------
    seed : int
        Seed of the generated district.
    layers : dict of str to geopandas.GeoDataFrame
        The layers by name.
    design : Design
        The designed failures computed by :func:`design_report`.

    Returns
    -------
    str
        Markdown text.
    """
    est, fac = layers["estates"].set_index("estate_id"), layers["facilities"]
    fname = dict(zip(fac["facility_id"], fac["name"], strict=True))
    ename = est["name"].to_dict()
    out = [
        f"# Designed failures of the sample district 示例区 (合成示例数据, seed {seed})\n",
        "Written by `python -m planning.sample_district`; do not edit. Walking distances are "
        "measured on the `roads` layer from an estate's nearest gate to the facility point "
        "(gate → access/internal paths → roads); see `README.md` for the design.\n",
        "## 1. Floor area per 100 households (每百户配建面积)\n",
        "Stations linked to an estate (本小区配建), against 20 m²/100 households for `new` "
        f"estates and 15 for `existing` ones. The other {len(est) - len(design.floor_area)} "
        "estates have no station of their own. The table checks each station against its own "
        "estate only; an `existing` estate may also count the surplus of stations and street "
        "centres within 500 m on foot (调剂), which the audit allocates. Stations and centres "
        "have `land_m2` = 2.0–2.5 × `floor_m2`, so the land rule (0.1 m² per resident) follows "
        "the floor-area rule.\n",
        _table(
            "estate | status | households | station | floor m² | m²/100 hh | standard | outcome",
            [
                f"| {e} {ename[e]} | {s} | {h} | {f} {fname[f]} ({fs}) | {a:.0f} | {r} | {std:.0f} "
                f"| {'meets' if ok else '**short**'} |"
                for e, s, h, f, fs, a, r, std, ok in design.floor_area
            ],
        ),
        "## 2. Fifteen-minute circle (一刻钟养老服务圈: 1,000 m on foot)\n",
        f"{len(design.uncovered)} of {len(est)} estates are farther than 1,000 m on foot from "
        "every existing community station and street centre:\n",
        _table(
            "street | estates outside every circle",
            [
                f"| {street} | {', '.join(f'{e} {ename[e]}' for e in ids)} |"
                for street, ids in est.loc[design.uncovered]
                .reset_index()
                .groupby("street")["estate_id"]
                .agg(list)
                .items()
            ],
        ),
        "## 3. The river test (near in a straight line, far on foot)\n",
        "Uncovered estates within 1,000 m in a straight line of a facility across the river 玉带河:"
        " a buffer analysis counts them as covered, the walking network must not.\n",
        _table(
            "estate | facility across the river | straight line m | on foot m",
            [
                f"| {e} {ename[e]} | {f} {fname[f]} | {s} | {w} |"
                for e, f, s, w in design.river_test
            ],
        ),
        "## 4. Street centres (街道综合养老服务中心, ≥ 60 % of streets)\n",
        _table(
            "street | street centres",
            [
                f"| {s} | {', '.join(v) if v else '**none**'} |"
                for s, v in design.street_centres.items()
            ],
        ),
        "## 5. Other gaps\n",
        "- Without `land_m2` (用地面积): "
        + ", ".join(f"{i} {fname[i]}" for i in design.no_land)
        + ".\n- Planned (`status = planned`, count only with planned facilities): "
        + ", ".join(f"{i} {fname[i]}" for i in design.planned)
        + ".\n",
    ]
    return "\n".join(out)
