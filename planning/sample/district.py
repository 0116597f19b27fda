"""Deterministic generator of the bundled synthetic sample district 示例区 (合成示例数据).

The district is fictional: 6 × 5 km placed near 114.35°E, 30.55°N in CGCS2000 / 3-degree
Gauss-Krüger CM 114E (EPSG:4547). It holds four streets (街道), an arterial grid (主干道) with branch
roads (支路), a meandering river (玉带河) crossed by two bridges, gated estates (居住小区) with gates
(出入口) and internal paths, and elderly-care facilities (养老服务设施) of every kind, with failures of
every rule designed in (listed in ``gis_data/README.md``).

This module assembles the layers: the road layout comes from :mod:`planning.sample.layout`, the
estates and facilities from :mod:`planning.sample.placement`, the writers and the designed-failure
report from :mod:`planning.sample.output`. ``python -m planning.sample gis_data/`` (or
``eldercare sample gis_data/``) rewrites the files; the same seed gives the same layers and, with
the same GDAL, the same bytes.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataSourceError

from planning._errors import InputDataError, InputFileError
from planning.sample.layout import lay_out, node_roads, street_polygons
from planning.sample.names import COUNTY, RIVER_NAME, STREETS, NameBook
from planning.sample.output import (
    Design,
    design_report,
    failures_markdown,
    write_estates_shapefile,
    write_facilities_xlsx,
    write_gpkg,
)
from planning.sample.placement import (
    SHARE_REACH_M,
    link_stations,
    place_estates,
    place_standalone,
    walker,
)

logger = logging.getLogger(__name__)

#: Seed of the bundled sample.
DEFAULT_SEED = 20240611
#: CRS of the GeoPackage layers: CGCS2000 / 3-degree Gauss-Kruger CM 114E.
CRS = "EPSG:4547"
#: South-west corner of the district in EPSG:4547 (m); the layout is drawn from (0, 0).
ORIGIN = (530_500.0, 3_378_500.0)


@dataclass
class SampleDistrict:
    """All layers of the sample district in EPSG:4547, and what fails which rule.

    Attributes
    ----------
    estates, gates, facilities, streets, roads, river : geopandas.GeoDataFrame
        The layers of ``sample_district.gpkg``, with the canonical column names of
        ``docs/architecture.md`` (plus ``subtype`` 类型 on facilities, ``name`` on gates).
    design : Design
        The designed failures, computed on the district's own road graph.
    seed : int
        The seed that generated it.
    """

    estates: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    river: gpd.GeoDataFrame
    design: Design = field(default_factory=Design)
    seed: int = DEFAULT_SEED

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the GeoPackage layers by name, in writing order."""
        names = ("estates", "gates", "facilities", "streets", "roads", "river")
        return {name: getattr(self, name) for name in names}


def _frame(rows: list[Any], geoms: object, columns: str) -> gpd.GeoDataFrame:
    """Return a layer in EPSG:4547: local coordinates shifted by ORIGIN."""
    geometry = shapely.transform(np.asarray(geoms), lambda c: c + np.array(ORIGIN))
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns.split()), geometry=geometry, crs=CRS)


def build_sample_district(seed: int = DEFAULT_SEED) -> SampleDistrict:
    """Generate the synthetic sample district 示例区 (合成示例数据) from a seed.

    Parameters
    ----------
    seed : int, default DEFAULT_SEED
        Seed of :func:`numpy.random.default_rng`; the same seed gives identical layers.

    Returns
    -------
    SampleDistrict
        The layers in EPSG:4547 and the designed failures.
    """
    if seed < 0:
        raise InputDataError(f"The sample district's seed must be 0 or more, not {seed}.")
    rng = np.random.default_rng(seed)
    blocks, roads, river = lay_out(rng)
    names = NameBook(rng)
    facilities = place_standalone(rng, blocks, roads, names)
    estates, gates = place_estates(rng, blocks, roads, names)
    link_stations(rng, estates, facilities, names, walker(roads, gates, SHARE_REACH_M))
    street = [name for _, name in STREETS]
    noded = node_roads(roads)
    lines = shapely.linestrings(
        np.concatenate([np.array(r.coords) for r in noded]),
        indices=np.repeat(np.arange(len(noded)), [len(r.coords) for r in noded]),
    )
    width = river["upper"] - river["lower"]
    bank = np.r_[np.c_[river["x"], river["lower"]], np.c_[river["x"], river["upper"]][::-1]]
    facility_rows = [
        dataclasses.asdict(f) | {"facility_id": f"F{k + 1:03d}", "street": street[f.street]}
        for k, f in enumerate(facilities)
    ]
    district = SampleDistrict(
        estates=_frame(
            [dataclasses.asdict(e) | {"street": street[e.street]} for e in estates],
            [shapely.Polygon(e.ring) for e in estates],
            "estate_id name households status built_year population elderly street",
        ),
        gates=_frame(
            [g[:3] for g in gates], shapely.points([g[3] for g in gates]), "gate_id estate_id name"
        ),
        facilities=_frame(
            [row | {"county": COUNTY} for row in facility_rows],
            shapely.points([f.point for f in facilities]),
            "facility_id name kind subtype floor_m2 land_m2 beds nursing_beds estate_id status "
            "street county",
        ),
        streets=_frame(
            [(sid, name, COUNTY) for sid, name in STREETS],
            street_polygons(river),
            "street_id name county",
        ),
        roads=_frame(
            [(f"R{k + 1:04d}", r.name, r.cls, r.bridge, r.estate_id) for k, r in enumerate(noded)],
            lines,
            "road_id name class bridge estate_id",
        ),
        river=_frame(
            [(RIVER_NAME, "river", float(width.min()), float(width.max()))],
            [shapely.Polygon(bank)],
            "name kind width_min_m width_max_m",
        ),
        seed=seed,
    )
    district.design = design_report(district.layers())
    logger.info("sample district: %d estates, %d road pieces", len(estates), len(noded))
    return district


def write_sample_district(folder: str | Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Generate the sample district and write every file into ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        Output folder (created if missing), normally ``gis_data/``.
    seed : int, default DEFAULT_SEED
        Seed of the generator.

    Returns
    -------
    dict of str to pathlib.Path
        Paths written: ``gpkg``, ``shapefile`` (GBK, no .cpg), ``xlsx`` and ``failures``
        (``designed_failures.md``; ``README.md`` beside them is written by hand).
    """
    out, district = Path(folder), build_sample_district(seed)
    paths = {
        "gpkg": out / "sample_district.gpkg",
        "shapefile": out / "shapefile" / "estates_gbk.shp",
        "xlsx": out / "facilities.xlsx",
        "failures": out / "designed_failures.md",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_gpkg(district.layers(), paths["gpkg"], seed)
        write_estates_shapefile(district.estates, paths["shapefile"])
        write_facilities_xlsx(district.facilities, paths["xlsx"], seed)
        text = failures_markdown(seed, district.layers(), district.design)
        paths["failures"].write_text(text, encoding="utf-8")
    except (OSError, DataSourceError) as exc:
        raise InputFileError(
            f"Cannot write the sample district to {out}: {exc}. Choose a writable folder."
        ) from exc
    logger.info("wrote the sample district to %s", out)
    return paths
