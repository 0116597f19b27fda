"""What the command line prints: progress lines and the audit's headline figures.

The only place besides :mod:`planning.cli.main` that prints; library code logs instead. Text from
data (names, ids, a ruleset's titles) may hold terminal escape sequences or control characters:
:func:`clean` removes them before anything is printed, so a name cannot recolour, move or clear
the planner's terminal.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from planning.cli.flags import render
from planning.vocabulary import RULE_VERDICTS, UNITS, label

#: ANSI/VT escape sequences (CSI … final byte, OSC … BEL/ST, two-byte ESC x) and the other
#: control characters (C0 but tab and newline, DEL, C1), and bidirectional overrides.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def clean(text: str) -> str:
    r"""Return ``text`` without terminal escape sequences and control characters.

    Examples
    --------
    >>> clean("\x1b[31m红星小区\x1b[0m\x07")
    '红星小区'
    """
    return _ESCAPES.sub("", text)


def echo(text: Any = "", *, file: TextIO | None = None) -> None:
    """Print one text (cleaned of escape sequences) to stdout, or to ``file``."""
    print(clean(str(text)), file=file if file is not None else sys.stdout)


class Console:
    """Progress messages on stderr with elapsed time, silenced by ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        """Print one progress line."""
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            line = clean(f"[{elapsed:6.1f}s] {render(message)}")
            print(line, file=sys.stderr, flush=True)


#: Rule verdicts as the console shows them: English (upper case for pass/fail), then Chinese.
VERDICT_WORDS = {
    code: f"{en.upper() if code in ('pass', 'fail') else en} {zh}"
    for code, (zh, en) in RULE_VERDICTS.items()
}


def print_summary(
    out: Path, summary: dict[str, Any] | None = None, files: list[str] | None = None
) -> None:
    """Print the headline figures of an audit.

    Parameters
    ----------
    out : Path
        The results folder.
    summary : dict, optional
        What ``summary.json`` holds, from this run (read from ``out`` when None).
    files : list of str, optional
        The files this run wrote (those in ``out`` when None).
    """
    if summary is None:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if files is None:
        files = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    totals = summary["totals"]
    echo(f"Ruleset 规则集: {summary['ruleset']['name_zh']} ({summary['ruleset']['id']})")
    echo(f"Estates 小区: {totals['estates']}, households 户数: {totals['households']}")
    profile = ((summary.get("parameters") or {}).get("network") or {}).get("profile", "walk")
    if profile != "walk":  # the circles below are measured on the step-free network
        echo(f"Walking network 路网: {profile} 无障碍 (no steps, high kerbs or steep inclines)")
    for tier, share in totals["coverage"].items():
        covered = totals["households_covered"][tier]
        shown = "n/a" if share is None else f"{share:.1%}"
        echo(f"  {tier} circle 服务圈 coverage: {shown} of households ({covered})")
    for profile, figures in (totals.get("by_profile") or {}).items():
        if profile != "walk":
            shares = ", ".join(
                f"{tier} {'n/a' if share is None else f'{share:.1%}'}"
                for tier, share in figures["coverage"].items()
            )
            echo(f"  {profile} 无障碍 coverage: {shares} of households")
    gap = totals.get("uncovered_by_distance") or {}
    if gap.get("uncovered_households"):
        echo(_distance_line(gap))
    echo(
        f"Estates short of floor area 面积不达标: {totals['estates_area_failing']} judged, "
        f"{totals.get('estates_area_below_figure', totals['estates_area_failing'])} below the "
        "figure incl. report-only rules "
        f"(shortfall 缺口 {totals['shortfall_m2']:.0f} m²)"
    )
    echo("Rules 规则:")
    for rule in summary["rules"]:
        evidence = " ⚠ unverified (memory)" if rule["citation"]["evidence"] == "memory" else ""
        if rule["unit"] == "pct_estates" or rule["value"] is None:
            figure = rule["detail"]
        else:
            unit = "%" if rule["unit"] == "pct" else f" {label(UNITS, rule['unit'], 'en')}"
            target = "" if rule["threshold"] is None else f" (target ≥ {rule['threshold']:g}{unit})"
            figure = f"{rule['value']:g}{unit}{target}: {rule['detail']}"
        echo(f"  {VERDICT_WORDS[rule['verdict']]:<14} {rule['rule_id']}: {figure}{evidence}")
    reported = [r["rule_id"] for r in summary["rules"] if r.get("judges") is False]
    if reported:  # why each: summary.json "basis" and `eldercare rules show`
        echo(f"  No verdict, figure only 仅报告 (see `rules show`): {', '.join(reported)}")
    echo(f"Outputs in {out}: " + ", ".join(sorted(files)))


def _distance_line(gap: dict[str, Any]) -> str:
    """How far the households outside the largest circle walk to the nearest facility."""
    parts = []
    for band in gap["bands"]:
        span = (
            f"{band['from_m']:.0f}–{band['to_m']:.0f} m"
            if band["to_m"] is not None
            else f"> {band['from_m']:.0f} m or none"
        )
        parts.append(f"{span} {band['households']}")
    off = gap.get("unreachable") or {}
    if off.get("households"):
        parts.append(f"off the network 无法接入 {off['households']}")
    return (
        f"  Outside the circle 圈外 {gap['uncovered_households']} households, by walk to the "
        "nearest facility 最近设施步行距离: " + " · ".join(parts)
    )
