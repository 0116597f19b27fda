"""Command line of the new-estate review: ``eldercare check-estate`` (新建小区配建审查).

``planning.cli`` calls :func:`add_review_parser`; every
:class:`~planning._errors.PlanningError` raised here becomes exit status 2 there. The command
prints a short verdict summary per estate (this module is command-line code).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning import settings
from planning._errors import InputFileError

if TYPE_CHECKING:  # the review's GIS stack loads only when the command runs (fast --help)
    from planning.review.core import Review

logger = logging.getLogger(__name__)


def add_review_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``check-estate`` subcommand to the ``eldercare`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser; its ``func`` default returns the exit status.
    """
    from planning.project import add_network_arguments

    p: argparse.ArgumentParser = subparsers.add_parser(
        "check-estate",
        help="review a proposed estate's elderly-care provision (新建小区养老服务设施配建审查)",
        description="Check a proposed residential estate against a ruleset: floor area per 100 "
        "households, land per resident, nearest facility of every service circle on foot (with "
        "the route) and the load on shared facilities. Writes review.json, review.html (one A4 "
        "page per estate) and review.xlsx to --out. Exit 0 when the review ran, 2 on unusable input.",
    )
    g = p.add_argument_group("proposed estate 拟建小区")
    g.add_argument(
        "--estate",
        required=True,
        help="polygon(s) or point(s); a layer of many gives one review each",
    )
    g.add_argument("--estate-layer", help="layer of a multi-layer estate file")
    g.add_argument("--households", type=int, help="households 户数 (single-feature file only)")
    g.add_argument("--status", help="new 新建 / existing 已建成 (applies to every feature)")
    g.add_argument(
        "--planned-floor-m2",
        type=float,
        help="planned elderly-service floor area 规划养老服务用房面积 (single-feature file only)",
    )
    g.add_argument(
        "--planned-land-m2",
        type=float,
        help="planned elderly-service land 规划养老服务用地面积 (single-feature file only)",
    )
    g.add_argument("--gates", help="gates 出入口 (points; estate_id, or near the proposal)")
    g.add_argument("--gates-layer", help="layer of the gates file")
    d = p.add_argument_group("context 现状")
    d.add_argument("--facilities", required=True, help="elderly-care facilities 养老服务设施")
    d.add_argument("--facilities-layer", help="layer of the facilities file")
    d.add_argument(
        "--existing-estates", help="existing estates 现有小区 for the shared-facility load check"
    )
    d.add_argument("--existing-estates-layer", help="layer of the existing-estates file")
    d.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="CANONICAL=源列名",
        help="map a source column to a canonical field, e.g. --field households=总户数",
    )
    d.add_argument("--coords", choices=["wgs84", "gcj02", "bd09"], help="lon/lat system of tables")
    d.add_argument("--rules", required=True, help="ruleset: national/全国, daye/大冶 … or a .toml")
    add_network_arguments(p)
    p.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=argparse.SUPPRESS,
        help="language of the sheet and workbook (default zh)",
    )
    p.set_defaults(func=run_check_estate)
    return p


@dataclass
class CheckEstateResult:
    """What :func:`check_estate` produced."""

    review: Review
    out: Path
    files: list[Path]


def _ref(path: str | None, layer: str | None, role: str) -> Any:
    from planning.project import LayerRef, resolve_layer

    if not path:
        return None
    return resolve_layer(LayerRef(Path(path), layer), role)


def check_estate(args: argparse.Namespace) -> CheckEstateResult:
    """Run the review described by parsed ``check-estate`` options and write its files.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options (see :func:`add_review_parser`).

    Returns
    -------
    CheckEstateResult
    """
    from planning.io import load_estates, load_facilities
    from planning.project import LayerRef, ProjectSpec, load_project_network
    from planning.review.core import ReviewOptions, review_estates
    from planning.review.inputs import ProposalOptions, read_gates, read_proposals
    from planning.review.output import atomic_write_bytes, review_to_dict, write_json, write_xlsx
    from planning.review.sheet import review_html
    from planning.rules import load_ruleset
    from planning.schema import parse_field_options

    if not getattr(args, "out", None):
        raise InputFileError("check-estate needs --out DIR (folder for review.json/html/xlsx).")
    if not (args.network or args.place or getattr(args, "bbox", None)):
        raise InputFileError(
            "No walking network given: use --network FILE (.osm, .graphml or road centre-lines) "
            "or --place NAME (with --download the first time)."
        )
    if args.max_snap_m is not None:
        settings.max_snap_m = float(args.max_snap_m)
    lang = getattr(args, "lang", "zh")
    fields = parse_field_options(args.field or [])
    ruleset = load_ruleset(args.rules)
    estate_ref = _ref(args.estate, args.estate_layer, "estates")
    proposals = read_proposals(
        estate_ref.path,
        estate_ref.layer,
        options=ProposalOptions(
            households=args.households,
            status=args.status,
            planned_floor_m2=args.planned_floor_m2,
            planned_land_m2=args.planned_land_m2,
        ),
        fields=fields,
        coords=args.coords,
    )
    fac_ref = _ref(args.facilities, args.facilities_layer, "facilities")
    ex_ref = _ref(args.existing_estates, args.existing_estates_layer, "estates")
    facilities, report = load_facilities(
        fac_ref.path, fields=fields, coords=args.coords, layer=fac_ref.layer
    )
    crs = facilities.crs
    if ex_ref is not None:
        existing, report = load_estates(
            ex_ref.path,
            fields=fields,
            coords=args.coords,
            layer=ex_ref.layer,
            new_estate_cutoff_year=ruleset.parameters.new_estate_cutoff_year,
            target_crs=crs,
            report=report,
        )
    else:
        existing = None
    report.raise_if_unusable()
    proposals = proposals.to_crs(crs)
    gates = None
    if args.gates:
        g_ref = _ref(args.gates, args.gates_layer, "gates")
        gates = read_gates(g_ref.path, g_ref.layer, proposals, coords=args.coords, fields=fields)
    spec = ProjectSpec(
        estates=LayerRef(estate_ref.path, estate_ref.layer),
        network=None if not args.network else LayerRef(Path(args.network), args.network_layer),
        place=args.place,
        barriers=None if not args.barriers else LayerRef(Path(args.barriers), args.barriers_layer),
        download=bool(args.download),
        rules=args.rules,
    )
    if getattr(args, "bbox", None):
        from planning.project import parse_bbox

        spec.bbox = parse_bbox(args.bbox)
    net, barriers = load_project_network(spec, crs)
    review = review_estates(
        proposals,
        facilities,
        ruleset,
        net,
        gates=gates,
        existing=existing,
        options=ReviewOptions(
            walk_speed_m_per_s=args.walk_speed,
            measure=args.measure,
            include_planned=bool(args.include_planned),
        ),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = {
        "estate": str(estate_ref.path),
        "facilities": str(fac_ref.path),
        "existing_estates": "" if ex_ref is None else str(ex_ref.path),
        "gates": args.gates or "",
        "network": args.network or args.place or getattr(args, "bbox", None) or "",
        "barriers": args.barriers or "",
    }
    data = review_to_dict(review, sources)
    files = [out / "review.json", out / "review.html", out / "review.xlsx"]
    write_json(data, files[0])
    atomic_write_bytes(files[1], review_html(review, net, barriers, lang).encode("utf-8"))
    write_xlsx(data, files[2], lang)
    return CheckEstateResult(review, out, files)


def summary_lines(review: Review, lang: str = "zh") -> list[str]:
    """Return a short verdict summary per estate (printed by the command)."""
    from planning.review.output import labels

    lab = labels(lang)
    lines = []
    for e in review.estates:
        lines.append(
            f"{e.estate_id} {e.name}: {e.households} {lab['households']}, "
            f"{lab.get(e.status, e.status)} → {lab.get(e.overall, e.overall)}"
        )
        for r in e.rules:
            miss = f", {lab['missing']} {r.missing:g} m²" if r.missing else ""
            lines.append(
                f"  {lab.get(r.verdict, r.verdict):<6} {r.rule_id}: {lab['required']} "
                f"{r.required if r.required is not None else '—'} m², {lab['planned']} "
                f"{r.planned if r.planned is not None else '—'} m²{miss}"
            )
        for t in e.tiers:
            where = (
                f"{t.facility_name} ({t.facility_id}) {t.walk_m:g} m / {t.distance_m:g} m"
                if t.facility_id is not None and t.walk_m is not None
                else lab["none"]
            )
            cov = lab["yes"] if t.covered else lab["no"]
            lines.append(
                f"  {lab.get(t.verdict, t.verdict):<6} {t.tier}: {where}, {lab['covered']} {cov}"
            )
        s = e.sharing
        flagged = [f.facility_id for f in s.facilities if f.flag]
        detail = f" ⚠ {', '.join(flagged)}" if flagged else f" ({len(s.facilities)})"
        lines.append(f"  {lab.get(s.verdict, s.verdict):<6} {lab['sharing']}{detail}")
    return lines


def run_check_estate(args: argparse.Namespace) -> int:
    """``eldercare check-estate``: run, write, print the summary; 0 whatever the verdicts."""
    result = check_estate(args)
    if not getattr(args, "quiet", False):
        lang = getattr(args, "lang", "zh")
        for line in summary_lines(result.review, lang):
            print(line)
        print(f"Outputs in {result.out}: " + ", ".join(f.name for f in result.files))
    sys.stdout.flush()
    return 0
