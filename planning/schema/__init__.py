"""Canonical input fields, their Chinese/English aliases and value vocabularies (输入数据字段).

* :mod:`planning.schema.columns` — the canonical fields of each layer and how source headers
  (``总户数``, ``建筑面积(㎡)``, ``Households``) map onto them (:func:`resolve_columns`), and the
  coordinate columns of tables (:func:`find_coordinate_columns`).
* :mod:`planning.schema.values` — reading cell values: numbers with units (:func:`parse_number`),
  years (:func:`parse_year`), empty placeholders (:func:`is_missing`), facility kinds
  (:func:`normalise_kind`) and statuses (:func:`normalise_estate_status`,
  :func:`normalise_facility_status`).
* :mod:`planning.schema.attributes` — facility attributes some rules need (举办性质, 特困供养,
  医养结合, 设施层级, 设施职能, 助餐) read from cells or names, planning zones (规划分区) and the
  types of admin units (街道/乡镇/村/社区).
"""

from planning.schema.columns import (
    COORDINATE_PAIRS,
    LAYER_NAMES_ZH,
    LAYERS,
    SCHEMAS,
    FieldSpec,
    canonical_fields,
    find_coordinate_columns,
    normalise_name,
    parse_field_options,
    resolve_columns,
)
from planning.schema.values import (
    FACILITY_KINDS,
    KIND_SYNONYMS,
    MISSING_TOKENS,
    is_missing,
    kind_help,
    normalise_estate_status,
    normalise_facility_status,
    normalise_kind,
    parse_number,
    parse_year,
)

__all__ = [
    "COORDINATE_PAIRS",
    "FACILITY_KINDS",
    "KIND_SYNONYMS",
    "LAYERS",
    "LAYER_NAMES_ZH",
    "MISSING_TOKENS",
    "SCHEMAS",
    "FieldSpec",
    "canonical_fields",
    "find_coordinate_columns",
    "is_missing",
    "kind_help",
    "normalise_estate_status",
    "normalise_facility_status",
    "normalise_kind",
    "normalise_name",
    "parse_field_options",
    "parse_number",
    "parse_year",
    "resolve_columns",
]
