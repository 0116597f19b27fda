"""Writers and the designed-failure report of the synthetic sample district (示例区).

Split from :mod:`planning.sample.names` (names and sizes) so each stays small: the GeoPackage,
the GBK Shapefile and XLSX copies planners' files look like, and ``designed_failures.md``.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
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

from planning.sample.names import (
    COUNTY,
    FIXED_DATE,
    STREETS,
    SYNTHETIC_LABEL,
)
from planning.vocabulary import ESTATE_STATUSES

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
#: Status words of the estates Shapefile copy (新建/既有, from the vocabulary).
ESTATE_STATUS_ZH = {code: zh for code, (zh, _) in ESTATE_STATUSES.items()}

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
        "generator": "planning.sample",
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
    notes.append([f"python -m planning.sample, seed {seed}; 经度/纬度 = WGS-84 (度)."])
    wb.properties.created = wb.properties.modified = datetime.datetime(*FIXED_DATE)
    wb.properties.creator = "planning.sample"
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
        "Written by `python -m planning.sample`; do not edit. Walking distances are "
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
