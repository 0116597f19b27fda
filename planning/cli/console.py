"""What the command line prints: progress lines and the audit's headline figures.

The only place besides :mod:`planning.cli.main` that prints; library code logs instead.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from planning.cli.flags import render
from planning.vocabulary import RULE_VERDICTS


class Console:
    """Progress messages on stderr with elapsed time, silenced by ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        """Print one progress line."""
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:6.1f}s] {render(message)}", file=sys.stderr, flush=True)


#: Rule verdicts as the console shows them: English (upper case for pass/fail), then Chinese.
VERDICT_WORDS = {
    code: f"{en.upper() if code in ('pass', 'fail') else en} {zh}"
    for code, (zh, en) in RULE_VERDICTS.items()
}


def print_summary(out: Path) -> None:
    """Print the headline figures of a results folder (from its ``summary.json``)."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    totals = summary["totals"]
    print(f"Ruleset 规则集: {summary['ruleset']['name_zh']} ({summary['ruleset']['id']})")
    print(f"Estates 小区: {totals['estates']}, households 户数: {totals['households']}")
    for tier, share in totals["coverage"].items():
        covered = totals["households_covered"][tier]
        print(f"  {tier} circle 服务圈 coverage: {share:.1%} of households ({covered})")
    print(
        f"Estates short of floor area 面积不达标: {totals['estates_area_failing']} "
        f"(shortfall 缺口 {totals['shortfall_m2']:.0f} m²)"
    )
    print("Rules 规则:")
    for rule in summary["rules"]:
        evidence = " ⚠ unverified (memory)" if rule["citation"]["evidence"] == "memory" else ""
        if rule["unit"] == "pct_estates" or rule["value"] is None:
            figure = rule["detail"]
        else:
            unit = "%" if rule["unit"] == "pct" else f" {rule['unit']}"
            target = "" if rule["threshold"] is None else f" (target ≥ {rule['threshold']:g}{unit})"
            figure = f"{rule['value']:g}{unit}{target}: {rule['detail']}"
        print(f"  {VERDICT_WORDS[rule['verdict']]:<14} {rule['rule_id']}: {figure}{evidence}")
    print(
        f"Outputs in {out}: "
        + ", ".join(sorted(p.name for p in out.iterdir() if not p.name.startswith(".")))
    )
