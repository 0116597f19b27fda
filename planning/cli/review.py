"""Command line of the new-estate review: ``eldercare check-estate`` (新建小区配建审查).

:mod:`planning.cli.main` calls :func:`add_review_parser`; every
:class:`~planning.PlanningError` raised here becomes exit status 2 there. The command runs
:func:`planning.check_estate` and prints a short verdict summary per estate. The output folder is
checked (writable, holding no input) and locked before the work; the three files are switched in
together (:mod:`planning.io.transaction`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning._errors import InputFileError
from planning.cli.console import echo
from planning.cli.options import add_network_arguments, parse_bbox

if TYPE_CHECKING:  # the review's GIS stack loads only when the command runs (fast --help)
    from planning.results import Review

logger = logging.getLogger(__name__)


def add_review_parser(
    subparsers: Any, parents: list[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    """Add the ``check-estate`` subcommand to the ``eldercare`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``.
    parents : list of ArgumentParser
        Options shared by every command (``-q``, ``-v``, ``--lang``).

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser; its ``func`` default returns the exit status.
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        "check-estate",
        parents=parents,
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
    p.set_defaults(func=run_check_estate)
    return p


@dataclass
class CheckEstateResult:
    """What ``check-estate`` produced."""

    review: Review
    out: Path
    files: list[Path]


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
    from planning.io.transaction import check_output_folder, output_lock

    if not getattr(args, "out", None):
        raise InputFileError("check-estate needs --out DIR (folder for review.json/html/xlsx).")
    if not (args.network or args.place or getattr(args, "bbox", None)):
        raise InputFileError(
            "No walking network given: use --network FILE (.osm, .graphml or road centre-lines) "
            "or --place NAME (with --download the first time)."
        )
    read = [
        getattr(args, name, None)
        for name in ("estate", "facilities", "gates", "existing_estates", "network", "barriers",
                     "rules")
    ]  # fmt: skip
    inputs = [Path(p) for p in read if p]
    # Refuse a bad or busy --out before the work, and keep it locked until written.
    check_output_folder(args.out, inputs=inputs)
    with output_lock(args.out):
        return _review(args, inputs)


def _review(args: argparse.Namespace, inputs: list[Path]) -> CheckEstateResult:
    from planning.api import check_estate as review_estate
    from planning.api import load_network
    from planning.api.loading import network_field
    from planning.io import LayerRef, resolve_layer
    from planning.network.walkability import check_profiles
    from planning.schema import parse_field_options

    fields = parse_field_options(args.field or [])
    # road_class / bridge name centre-line columns: for the network, not the review's layers
    network_fields = {k: v for k, v in fields.items() if network_field(k)}
    fields = {k: v for k, v in fields.items() if not network_field(k)}
    facilities = resolve_layer(LayerRef(Path(args.facilities), args.facilities_layer), "facilities")
    crs = _facilities_crs(facilities, args.coords, fields)
    net = load_network(
        args.network,
        crs=crs,
        layer=args.network_layer,
        barriers=args.barriers,
        barriers_layer=args.barriers_layer,
        place=args.place,
        bbox=parse_bbox(args.bbox) if getattr(args, "bbox", None) else None,
        download=bool(args.download),
        profile=check_profiles(args.profile)[0] if getattr(args, "profile", None) else "walk",
        fields=network_fields,
        road_classes=getattr(args, "road_classes", None),
    )
    layers = {
        key: value
        for key, value in (
            ("estate", args.estate_layer),
            ("facilities", facilities.layer),
            ("gates", args.gates_layer),
            ("existing_estates", args.existing_estates_layer),
        )
        if value
    }
    review = review_estate(
        args.estate,
        facilities=facilities.path,
        network=net,
        rules=args.rules,
        households=args.households,
        status=args.status,
        planned_floor_m2=args.planned_floor_m2,
        planned_land_m2=args.planned_land_m2,
        gates=args.gates,
        existing_estates=args.existing_estates,
        coords=args.coords,
        fields=fields,
        layers=layers,
        measure=args.measure,
        walk_speed=args.walk_speed,
        include_planned=bool(args.include_planned),
        max_snap_m=args.max_snap_m,
    )
    sources = {
        "estate": str(args.estate),
        "facilities": str(facilities.path),
        "existing_estates": args.existing_estates or "",
        "gates": args.gates or "",
        "network": args.network or args.place or getattr(args, "bbox", None) or "",
        "barriers": args.barriers or "",
    }
    files = review.write(
        Path(args.out), lang=getattr(args, "lang", "zh"), sources=sources, inputs=inputs
    )
    return CheckEstateResult(review, Path(args.out), list(files.values()))


def _facilities_crs(ref: Any, coords: str | None, fields: dict[str, str]) -> Any:
    """Return the metric CRS the review works in: the facilities layer's projected CRS."""
    from planning.io import load_facilities

    frame, report = load_facilities(ref.path, fields=fields, coords=coords, layer=ref.layer)
    report.raise_if_unusable()
    return frame.crs


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
            echo(line)
        echo(f"Outputs in {result.out}: " + ", ".join(f.name for f in result.files))
    sys.stdout.flush()
    return 0
