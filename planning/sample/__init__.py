"""The bundled synthetic sample district 示例区 (合成示例数据) and its generator.

``eldercare sample gis_data/`` (or ``python -m planning.sample gis_data/``) rewrites
``gis_data/``; the same seed gives the same layers. The generator is split by responsibility:
:mod:`~planning.sample.model` (frame and records), :mod:`~planning.sample.layout` (roads, blocks,
river, streets), :mod:`~planning.sample.placement` (estates, gates, facilities, linked stations),
:mod:`~planning.sample.district` (assembly and writing), :mod:`~planning.sample.names` (names and
sizes) and :mod:`~planning.sample.output` (file writers, designed-failure report).
"""

from planning.sample.district import (
    CRS,
    DEFAULT_SEED,
    SampleDistrict,
    build_sample_district,
    write_sample_district,
)

__all__ = [
    "CRS",
    "DEFAULT_SEED",
    "SampleDistrict",
    "build_sample_district",
    "write_sample_district",
]
