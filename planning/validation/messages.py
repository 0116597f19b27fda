"""Problem codes and their messages in English and Chinese (问题代码与提示信息).

:data:`CATALOGUE` maps every problem code to its default severity, message templates and fix
suggestions; :meth:`planning.validation.ValidationReport.add` fills the ``{placeholders}``.
Options are named by :func:`~planning._errors.param` tokens, so the messages read as Python
keyword arguments (``coords="bd09"``) or as command-line options (``--coords bd09``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planning._errors import param

__all__ = ["CATALOGUE", "Severity"]

_GCJ, _BD = param("coords", "gcj02"), param("coords", "bd09")
_CRS = param("crs", "EPSG:4490")

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class _Entry:
    """Default severity, message templates (en/zh) and fixes of one problem code."""

    severity: Severity
    en: str
    zh: str
    fix_en: str
    fix_zh: str


def _e(severity: Severity, en: str, zh: str, fix_en: str = "", fix_zh: str = "") -> _Entry:
    return _Entry(severity, en, zh, fix_en, fix_zh)


#: Every problem code with its default severity and message templates (``{count}``, ``{field}``,
#: … are filled in by :meth:`ValidationReport.add`).
CATALOGUE: dict[str, _Entry] = {
    "encoding_detected": _e(
        "info",
        "The shapefile has no .cpg file; its attribute encoding was detected as {encoding}.",
        "Shapefile 缺少 .cpg 文件，属性编码自动识别为 {encoding}。",
        "Add a .cpg file containing the encoding name to make this explicit.",
        "可添加内容为编码名称的 .cpg 文件。",
    ),
    "encoding_unknown": _e(
        "warning",
        "The shapefile has no .cpg file and its text is neither UTF-8 nor GBK; names may be "
        "garbled.",
        "Shapefile 缺少 .cpg 文件，且文本既非 UTF-8 也非 GBK，名称可能出现乱码。",
        "Add a .cpg file with the right encoding (e.g. GBK or UTF-8).",
        "添加写有正确编码（如 GBK、UTF-8）的 .cpg 文件。",
    ),
    "blank_rows": _e(
        "info",
        "{count} completely empty rows were skipped.",
        "已跳过 {count} 个空行。",
    ),
    "coords_assumed_wgs84": _e(
        "info",
        "Coordinates in columns {x}/{y} were taken as WGS-84 longitude/latitude.",
        "坐标列 {x}/{y} 按 WGS-84 经纬度读取。",
        f"If they come from Amap/Tencent or Baidu, pass {_GCJ} or {_BD}.",
        f"若坐标来自高德/腾讯或百度地图，请指定 {_GCJ} 或 {_BD}。",
    ),
    "coords_converted": _e(
        "info",
        "Coordinates were converted from {system} to WGS-84.",
        "坐标已由 {system} 转换为 WGS-84。",
    ),
    "coords_ignored": _e(
        "warning",
        f"{param('coords', '{system}')} was ignored: the layer is in a projected CRS ({{crs}}), "
        "not in longitude/latitude.",
        f"图层为投影坐标系（{{crs}}），不是经纬度，已忽略 {param('coords', '{system}')}。",
        f"Only give {param('coords')} for longitude/latitude data from Chinese online maps.",
        f"仅对来自国内在线地图的经纬度数据指定 {param('coords')}。",
    ),
    "crs_missing": _e(
        "error",
        "The layer has no coordinate reference system (no .prj / CRS).",
        "图层没有坐标参考系（缺少 .prj 或 CRS 信息）。",
        f"Add the .prj file (or set the frame's CRS), or give the EPSG code with {_CRS} "
        "(EPSG:4490 or e.g. EPSG:4547 for CGCS2000).",
        f"补充 .prj 文件（或设置数据的坐标系），或用 {_CRS} 指定 EPSG 代码"
        "（CGCS2000 为 EPSG:4490，或如 EPSG:4547）。",
    ),
    "crs_ignored": _e(
        "warning",
        f"{param('crs', '{given}')} was ignored because the data declares {{crs}}.",
        f"数据自带坐标系 {{crs}}，已忽略 {param('crs', '{given}')}。",
        f"Leave out {param('crs')} for this layer, or fix the file's .prj if it is wrong.",
        f"该图层无需 {param('crs')}；若文件坐标系有误请修正其 .prj。",
    ),
    "xy_needs_crs": _e(
        "error",
        "Columns {x}/{y} hold projected coordinates (e.g. {example}) but no CRS was given.",
        "坐标列 {x}/{y} 为投影坐标（例如 {example}），但未指定坐标系。",
        f"Give the EPSG code of these coordinates with {param('crs', 'EPSG:4547')} (CGCS2000 "
        "3-degree Gauss-Krüger: EPSG:4513–4533 when x starts with the zone number, e.g. EPSG:4526 for "
        "zone 38; EPSG:4534–4554 without it, e.g. EPSG:4547 for central meridian 114°E).",
        f"用 {param('crs', 'EPSG:4547')} 指定该坐标的 EPSG 代码（CGCS2000 3度带：x 带带号时为 "
        "EPSG:4513–4533，如第38带 EPSG:4526；不带带号时为 EPSG:4534–4554，如中央经线114°E 为 EPSG:4547）。",
    ),
    "no_geometry": _e(
        "error",
        "The layer has neither geometry nor coordinate columns (columns: {columns}).",
        "图层既无几何也无坐标列（现有列：{columns}）。",
        "Add longitude/latitude columns (经度/纬度) or provide a spatial file.",
        "请添加经度/纬度列，或提供空间数据文件。",
    ),
    "column_missing": _e(
        "error",
        "Required field {field} ({label}) was not found. Available columns: {columns}.",
        "未找到必需字段 {field}（{label}）。现有列：{columns}。",
        f"Rename the column, or map it with {param('fields.{field}', '<column name>')}.",
        f"修改列名，或用 {param('fields.{field}', '<列名>')} 指定对应列。",
    ),
    "id_generated": _e(
        "info",
        "No id column; ids {first}… were generated in file order.",
        "无编号列，已按文件顺序生成编号 {first}…。",
        "Add an id column if other layers must refer to these rows.",
        "若其他图层需引用这些记录，请添加编号列。",
    ),
    "id_missing": _e(
        "warning",
        "{count} rows have an empty id; ids were generated for them.",
        "{count} 行编号为空，已自动生成编号。",
        "Fill in the ids.",
        "请补全编号。",
    ),
    "duplicate_id": _e(
        "error",
        "{count} rows share an id with another, different row.",
        "{count} 行的编号与其他不同记录重复。",
        "Give every row a unique id, or delete the duplicated rows.",
        "请保证编号唯一，或删除重复记录。",
    ),
    "duplicate_row": _e(
        "warning",
        "{count} rows repeat an earlier row exactly and were dropped.",
        "{count} 行与前面的记录完全相同，已删除。",
        "Delete the duplicated rows from the file.",
        "请从文件中删除重复行。",
    ),
    "households_missing": _e(
        "warning",
        "{count} rows have no households (户数) and were dropped.",
        "{count} 行缺少户数，已剔除。",
        "Fill in the number of households (户数) for these estates.",
        "请补充这些小区的户数。",
    ),
    "households_invalid": _e(
        "warning",
        "{count} rows have a households value that is not a number (e.g. {example}) and were "
        "dropped.",
        "{count} 行户数不是数字（例如 {example}），已剔除。",
        "Write households as a whole number.",
        "户数请填写整数。",
    ),
    "households_negative": _e(
        "warning",
        "{count} rows have negative households and were dropped.",
        "{count} 行户数为负数，已剔除。",
        "Correct the households values.",
        "请更正户数。",
    ),
    "households_zero": _e(
        "warning",
        "{count} rows have zero households and were dropped (no residents to serve).",
        "{count} 行户数为 0，已剔除（无服务对象）。",
        "Fill in the real number of households, or remove the rows.",
        "请填写实际户数或删除这些行。",
    ),
    "households_non_integer": _e(
        "warning",
        "{count} rows have a fractional households value; it was rounded.",
        "{count} 行户数带小数，已四舍五入。",
        "Write households as a whole number.",
        "户数请填写整数。",
    ),
    "households_all_missing": _e(
        "error",
        "No row has a usable households value (户数); nothing can be assessed.",
        "所有记录均无有效户数，无法评估。",
        "Fill in households, or map the right column with "
        f"{param('fields.households', '<column>')}.",
        f"请补充户数，或用 {param('fields.households', '<列名>')} 指定户数列。",
    ),
    "status_derived": _e(
        "info",
        "No status column; status was derived from built_year (>= {cutoff} → new).",
        "无建设状态列，已按建成年代判定（{cutoff} 年及以后为新建）。",
    ),
    "status_unknown": _e(
        "warning",
        "{count} rows have no status (建设状态) {why}; they are treated as existing (既有).",
        "{count} 行无建设状态{why_zh}，按既有小区处理。",
        "Add a status column (新建/既有) or build years, and the new-estate cut-off year.",
        "请添加建设状态列（新建/既有）或建成年代，并指定新建小区年份界限。",
    ),
    "status_invalid": _e(
        "warning",
        "{count} rows have an unrecognised status (e.g. {example}); treated as {default}.",
        "{count} 行状态无法识别（例如 {example}），按 {default} 处理。",
        "Use {accepted}.",
        "请使用 {accepted}。",
    ),
    "built_year_invalid": _e(
        "warning",
        "{count} rows have a build year that is not a year (e.g. {example}); left empty.",
        "{count} 行建成年代不是有效年份（例如 {example}），按空值处理。",
        "Write the build year as a four-digit year.",
        "建成年代请填写四位年份。",
    ),
    "number_invalid": _e(
        "warning",
        "{count} rows have an invalid {field} ({label}) value (e.g. {example}); left empty.",
        "{count} 行 {label} 数值无效（例如 {example}），按空值处理。",
        "Write {field} as a non-negative number.",
        "{label}请填写非负数。",
    ),
    "elderly_exceeds_population": _e(
        "warning",
        "{count} rows have more elderly (60岁及以上) than total population.",
        "{count} 行 60 岁及以上人口多于总人口。",
        "Check the population figures.",
        "请核对人口数据。",
    ),
    "kind_from_name": _e(
        "info",
        "No facility type column; types were recognised from the names.",
        "无设施类型列，已根据名称识别类型。",
    ),
    "kind_unknown": _e(
        "warning",
        "{count} facilities have an unknown type (e.g. {example}) and were dropped.",
        "{count} 个设施类型无法识别（例如 {example}），已剔除。",
        "Use one of: {accepted}.",
        "请使用以下类型之一：{accepted}。",
    ),
    "floor_area_missing": _e(
        "warning",
        "{count} facilities have no floor area (建筑面积); counted as 0 m².",
        "{count} 个设施缺少建筑面积，按 0 ㎡ 计。",
        "Fill in the floor area (建筑面积, m²).",
        "请补充建筑面积（㎡）。",
    ),
    "floor_area_negative": _e(
        "warning",
        "{count} facilities have a negative floor area; counted as 0 m².",
        "{count} 个设施建筑面积为负数，按 0 ㎡ 计。",
        "Correct the floor area.",
        "请更正建筑面积。",
    ),
    "nursing_beds_exceed_beds": _e(
        "warning",
        "{count} facilities have more nursing beds (护理型床位) than beds (床位).",
        "{count} 个设施护理型床位多于总床位。",
        "Check the bed counts.",
        "请核对床位数。",
    ),
    "geometry_missing": _e(
        "warning",
        "{count} rows have no location (empty geometry or coordinates) and were dropped.",
        "{count} 行无位置（几何或坐标为空），已剔除。",
        "Add the location (coordinates or shape).",
        "请补充位置（坐标或图形）。",
    ),
    "geometry_repaired": _e(
        "warning",
        "{count} invalid geometries (self-intersections etc.) were repaired with make_valid.",
        "{count} 个无效几何（自相交等）已自动修复。",
        "Check the repaired shapes and fix them in the source data.",
        "请核查修复后的图形，并在源数据中修正。",
    ),
    "geometry_unrepairable": _e(
        "warning",
        "{count} invalid geometries could not be repaired and were dropped.",
        "{count} 个无效几何无法修复，已剔除。",
        "Redraw these shapes.",
        "请重新绘制这些图形。",
    ),
    "geometry_type": _e(
        "warning",
        "{count} rows have a {found} geometry where {expected} is expected; {action}.",
        "{count} 行几何类型为 {found}，应为 {expected}；{action_zh}。",
        "Provide {expected} geometries for this layer.",
        "该图层请提供 {expected} 几何。",
    ),
    "outlier": _e(
        "warning",
        "{count} rows lie more than {distance_km:g} km outside the study area (研究范围; "
        "geocoding outliers or places outside the study) and were dropped.",
        "{count} 行位于研究范围 {distance_km:g} 公里以外（地理编码异常点或研究范围外），已剔除。",
        f"Check the coordinates of these rows (and {param('coords')}).",
        f"请核对这些记录的坐标（及 {param('coords')} 设置）。",
    ),
    "gate_estate_missing": _e(
        "warning",
        "{count} gates have no estate id (所属小区编号) and were dropped.",
        "{count} 个出入口缺少所属小区编号，已剔除。",
        "Fill in the estate id of each gate.",
        "请补充每个出入口的所属小区编号。",
    ),
    "gate_estate_unknown": _e(
        "warning",
        "{count} gates refer to estates that do not exist (or were dropped) and were dropped.",
        "{count} 个出入口所属小区不存在（或已被剔除），已剔除。",
        "Use estate ids that appear in the estates layer.",
        "请使用小区图层中存在的小区编号。",
    ),
    "facility_estate_unknown": _e(
        "warning",
        "{count} facilities name an estate (配建所属小区) that is not in the estates layer.",
        "{count} 个设施的配建所属小区不在小区图层中。",
        "Use estate ids that appear in the estates layer.",
        "请使用小区图层中存在的小区编号。",
    ),
    "attribute_unrecognised": _e(
        "warning",
        "{count} facilities have an unrecognised {field} ({label}) value (e.g. {example}); "
        "treated as unknown.",
        "{count} 个设施的{label}取值无法识别（例如 {example}），按未知处理。",
        "Use {accepted}.",
        "请使用 {accepted}。",
    ),
    "attributes_from_name": _e(
        "info",
        "{count} facilities have attributes read from their names or kinds, not from a column: "
        "{fields}. Rules that count them flag this as a stand-in.",
        "{count} 个设施的属性由名称或类型推断（非属性列）：{fields}。相关规则会标注为替代判断。",
        "Add the attribute columns (举办性质, 特困供养, 医养结合, 设施层级, 设施职能, 助餐).",
        "请补充属性列（举办性质、特困供养、医养结合、设施层级、设施职能、助餐）。",
    ),
    "zone_from_name": _e(
        "info",
        "The zones layer has no zone column (分区); zones were read from {source}: {zones}.",
        "分区图层无“分区”列，已根据{source_zh}识别分区：{zones}。",
        "Add a zone column (分区: 主城区, 中心城区, 乡镇 …) to make this explicit.",
        "可添加“分区”列（主城区、中心城区、乡镇等）以明确分区。",
    ),
    "zone_missing": _e(
        "warning",
        "{count} zone polygons have no zone (分区); rules limited to a zone ignore them.",
        "{count} 个分区多边形缺少分区名称，按分区判定的规则不使用这些多边形。",
        "Fill in the zone of each polygon (主城区, 中心城区, 乡镇 …).",
        "请填写每个多边形的分区（主城区、中心城区、乡镇等）。",
    ),
    "unit_type_unknown": _e(
        "info",
        "{count} units have no type (街道/乡镇/村/社区) in a column or at the end of the name "
        "(e.g. {example}); rules about one type of unit leave them out.",
        "{count} 个单元的类型（街道/乡镇/村/社区）无法由类型列或名称结尾识别（例如 {example}），"
        "按类型计数的规则不计入这些单元。",
        "Add a type column (类型: 街道, 乡镇, 村, 社区).",
        "请添加类型列（街道、乡镇、村、社区）。",
    ),
    "control_characters": _e(
        "info",
        "{count} rows had control characters or terminal escape codes in their text (e.g. in "
        "{column}); they were removed.",
        "{count} 行文本含控制字符或终端转义码（例如 {column} 列），已删除这些字符。",
        "Clean the text in the source file (they often come from copying out of other systems).",
        "请在源文件中清理这些文本（常见于从其他系统复制的内容）。",
    ),
    "coords_combined": _e(
        "info",
        "Coordinates were read from the one column {column} holding “{order}” pairs.",
        "坐标由单列 {column} 读取（每格为“{order_zh}”）。",
        f"Split it into two columns (经度, 纬度) to make this explicit. Values are taken as "
        f"WGS-84; from Amap/Tencent or Baidu pass {_GCJ} or {_BD}.",
        f"可拆分为经度、纬度两列以明确坐标。坐标按 WGS-84 读取；若来自高德/腾讯或百度地图，请指定 {_GCJ} 或 {_BD}。",
    ),
    "coords_northing_first": _e(
        "info",
        "Columns {x}/{y} hold northing/easting (X north, as Chinese surveying writes it): the "
        "points fit {crs} only that way round, so they were read so.",
        "坐标列 {x}/{y} 为北坐标/东坐标（测量坐标系 X 为北向），按此顺序才落在 {crs} 范围内，已按此读取。",
        "Name the columns 北坐标/东坐标 or give easting first to make this explicit.",
        "可将列名写为北坐标/东坐标，或把东坐标放在前面。",
    ),
    "coords_swapped": _e(
        "warning",
        "{count} rows have longitude and latitude swapped (e.g. {example}) and were dropped.",
        "{count} 行经纬度颠倒（例如 {example}），已剔除。",
        f"Swap the two values in these rows, or let the tool swap them with "
        f"{param('fix', 'swapped-coords')}.",
        f"请对调这些行的经度与纬度，或用 {param('fix', 'swapped-coords')} 自动对调。",
    ),
    "coords_swapped_fixed": _e(
        "info",
        "{count} rows had longitude and latitude swapped (e.g. {example}); they were swapped back.",
        "{count} 行经纬度颠倒（例如 {example}），已自动对调。",
        "Correct the source file so that these rows need no repair.",
        "请在源文件中更正这些行。",
    ),
    "households_implausible": _e(
        "warning",
        "{count} estates have an implausible number of households (more than {limit}, e.g. "
        "{example}); kept as given, but every figure that counts them is suspect.",
        "{count} 个小区户数不合常理（超过 {limit} 户，例如 {example}），按原值保留，相关统计可能失真。",
        "Check these rows: a typo, extra digits, or a whole community (社区) entered as one estate.",
        "请核对这些行：是否录入错误、多打了数字，或把整个社区录为一个小区。",
    ),
    "floor_area_implausible": _e(
        "warning",
        "{count} facilities have an implausible floor area (建筑面积) for their kind (more than "
        "{limit} m², e.g. {example}); kept as given.",
        "{count} 个设施的建筑面积与其类型不符（超过 {limit} ㎡，例如 {example}），按原值保留。",
        "Check the floor areas (m², not cm² or a sum over several buildings).",
        "请核对建筑面积（单位为㎡，而非其他单位或多栋合计）。",
    ),
    "land_implausible": _e(
        "warning",
        "{count} facilities have an implausible land area (用地面积, more than {limit} m², "
        "e.g. {example}); kept as given.",
        "{count} 个设施用地面积不合常理（超过 {limit} ㎡，例如 {example}），按原值保留。",
        "Check the land areas (m², not a whole district).",
        "请核对用地面积（单位为㎡）。",
    ),
    "beds_implausible": _e(
        "warning",
        "{count} facilities have an implausible number of {field} ({label}, more than {limit}, "
        "e.g. {example}); kept as given.",
        "{count} 个设施的{label}不合常理（超过 {limit} 张，例如 {example}），按原值保留。",
        "Check the bed counts.",
        "请核对床位数。",
    ),
    "kind_type_not_elderly": _e(
        "warning",
        "{count} facilities have a type that is no elderly-care type (e.g. {type}) but a name "
        "that is (e.g. {name}); they were counted as {kind} by the name.",
        "{count} 个设施的类型不是养老服务设施（例如 {type}），名称却是（例如 {name}），已按名称计为 {kind}。",
        "Check these rows: correct the type, or remove facilities that are not for elderly care.",
        "请核对这些行：更正类型，或删除非养老服务设施。",
    ),
    "kind_name_disagrees": _e(
        "info",
        "{count} facilities have a type that disagrees with their name (e.g. type {type}, name "
        "{name}); the type was used ({kind}).",
        "{count} 个设施的类型与名称不一致（例如类型 {type}、名称 {name}），按类型计（{kind}）。",
        "Check the type of these facilities.",
        "请核对这些设施的类型。",
    ),
    "no_estates": _e(
        "error",
        "No estate is left after dropping unusable rows.",
        "剔除无效记录后没有剩余小区。",
        "Fix the problems listed above.",
        "请修正上述问题。",
    ),
}
