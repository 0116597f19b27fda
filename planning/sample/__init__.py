"""The bundled synthetic sample district 示例区 (合成示例数据) and its generator.

``python -m planning.sample gis_data/`` (or ``eldercare sample gis_data/``) rewrites
``gis_data/``; the same seed gives the same layers.
"""

from planning.sample.district import (
    CRS,
    DEFAULT_SEED,
    SampleDistrict,
    build_sample_district,
    main,
    write_sample_district,
)

__all__ = [
    "CRS",
    "DEFAULT_SEED",
    "SampleDistrict",
    "build_sample_district",
    "main",
    "write_sample_district",
]
