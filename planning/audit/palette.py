"""The colours of every output (配色): map, PNG, report and workbook fill failures alike.

The verdict palette is colour-blind safe (Okabe–Ito hues, told apart also in deuteranopia and
protanopia), and the two verdicts "outside the 15-minute circle" carry a dark outline (hatching
in the PNG) as well, so they are recognised without telling colours apart.
"""

from __future__ import annotations

#: Fill colour of estates by verdict (结论).
VERDICT_COLOURS: dict[str, str] = {
    "ok": "#009E73",  # bluish green
    "area_shortfall": "#E69F00",  # orange
    "outside_circle": "#D55E00",  # vermillion, with an outline
    "both": "#6A3D9A",  # purple, with an outline
}

#: Verdicts drawn with :data:`OUTSIDE_OUTLINE` (不在服务圈内).
OUTSIDE_VERDICTS: frozenset[str] = frozenset({"outside_circle", "both"})

#: Outline of the estates outside the circle: dark and thick, so it reads without colour.
OUTSIDE_OUTLINE = "#1a1a1a"

#: Light tints of the verdict colours for whole-row fills in the workbooks.
VERDICT_TINTS: dict[str, str] = {
    "ok": "#D9F0E8",
    "area_shortfall": "#FBEBCC",
    "outside_circle": "#F6DDCC",
    "both": "#E4DBEE",
}

#: Fill colours of a rule's verdict (达标 / 不达标 / 仅报告 / 无数据).
RULE_COLOURS: dict[str, str] = {
    "pass": "#009E73",
    "fail": "#D55E00",
    "report": "#7A869A",
    "no_data": "#B0B0B0",
}

#: Marker colour of facilities by kind (设施类型).
KIND_COLOURS: dict[str, str] = {
    "community_station": "#0072B2",
    "street_centre": "#0B3D91",
    "institution": "#8E44AD",
    "rural_point": "#2B8A3E",
}

#: Line colours of the service-area tiers, smallest tier first (cycled if more).
TIER_COLOURS: tuple[str, ...] = ("#08519c", "#3182bd", "#6baed6", "#9ecae1")

#: Class breaks and colours for street coverage shading (覆盖率分级), red (low) to green.
COVERAGE_BREAKS: tuple[float, ...] = (0.5, 0.7, 0.85, 0.95)
COVERAGE_COLOURS: tuple[str, ...] = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")

#: Sequential colours of the aggregated gap layer (uncovered households per hexagon), light to dark.
GAP_COLOURS: tuple[str, ...] = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")

RIVER_COLOUR = "#7fb3e6"
NETWORK_COLOUR = "#b8b8b8"
PROPOSAL_COLOUR = "#f5b800"
