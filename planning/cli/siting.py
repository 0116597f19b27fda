"""What ``eldercare site`` prints: the answer, its proof and the ten largest gains (选址摘要).

The full ranked list goes to ``proposals.csv`` and the ``proposals`` layer; the console only
summarises it, with the same status, bound and gap as ``summary.json`` and the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from planning.cli.console import echo
from planning.vocabulary import FACILITY_KINDS, SOLVE_STATUSES, Lang, label

__all__ = ["SHOWN", "print_siting"]

#: How many proposals the console lists (the largest gains).
SHOWN = 10


def _answer(summary: dict[str, Any], lang: Lang) -> str:
    """One line: what was asked, what was found and whether it is proven."""
    status = label(SOLVE_STATUSES, summary["status"], lang)
    bound, gap = summary["bound"], summary["gap"]
    if summary["objective"] == "set_cover":
        asked = f"fewest sites reaching {summary['target_coverage']:.1%}"
        value = f"{summary['new_sites']:,} new site(s)"
        proof = f"lower bound {bound:,.0f}"
    else:
        asked = f"{summary['n_new_requested']} new site(s) covering the most households"
        value = f"{summary['objective_value']:,.0f} households newly covered"
        proof = f"upper bound {bound:,.0f}"
    return (
        f"{asked}: {value} — {status} ({proof}, gap {gap:.2%}; {summary['method']}, "
        f"{summary['solve_time_s']:.1f} s of {summary['time_limit_s']:g} s)."
    )


def print_siting(summary: dict[str, Any], proposals: pd.DataFrame, out: Path, lang: Lang) -> None:
    """Print the siting summary: answer and proof, coverage before/after, the largest gains.

    Parameters
    ----------
    summary : dict
        ``SitingResult.summary`` (what ``summary.json`` holds under ``siting``).
    proposals : DataFrame
        The ranked proposals (every one is in ``proposals.csv``).
    out : Path
        The results folder.
    lang : {"zh", "en"}
        Language of the status words.
    """
    echo(
        f"Proposed {len(proposals):,} {label(FACILITY_KINDS, summary['kind'], lang)} site(s) "
        f"from {summary['candidates']:,} "
        f"candidates ({summary['candidate_source']})"
        + (f", at least {summary['min_spacing_m']:g} m apart" if summary["min_spacing_m"] else "")
        + (", capacitated by floor area" if summary["capacitated"] else "")
        + "."
    )
    echo(_answer(summary, lang))
    before, after = summary["before"], summary["after"]
    echo(
        f"{summary['tier']} household coverage 户数覆盖率: {before['coverage']:.1%} → "
        f"{after['coverage']:.1%} ({before['households_covered']:,} → "
        f"{after['households_covered']:,} households)"
    )
    if len(proposals):
        top = proposals.sort_values(["households_new", "rank"], ascending=[False, True])
        echo(f"Largest gains ({min(SHOWN, len(top))} of {len(top):,}):")
        for row in top.head(SHOWN).itertuples():
            echo(
                f"  #{row.rank} {row.candidate_id} ({row.lon:.5f}, {row.lat:.5f}): "
                f"+{row.households_new:,} households, {row.estates_newly_covered:,} estates"
            )
    echo(
        f"Outputs in {out}: proposals.csv (all {len(proposals):,} sites), results.gpkg "
        "(layer proposals), gap_map.html, summary.json"
    )
