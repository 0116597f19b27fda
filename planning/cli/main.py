"""Command line: ``eldercare validate | rules | audit | demo | map | site | check-estate | sample``.

The only package that configures logging and prints. Every :class:`~planning.PlanningError`
becomes a short message on stderr (options named as this command line spells them) and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from planning import __version__
from planning._errors import InputDataError, PlanningError
from planning.cli.console import Console, print_summary
from planning.cli.flags import render
from planning.cli.options import add_input_arguments, add_network_arguments, spec_from_args
from planning.project import DEMO_DIR, ProjectSpec


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    if quiet:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("planning")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _cmd_validate(args: argparse.Namespace) -> int:
    from planning.project import load_project_inputs

    spec = spec_from_args(args, needs_network=False)
    inputs = load_project_inputs(spec, raise_on_error=False)
    report = inputs.report
    assert report is not None  # load_inputs always attaches it
    print(render(report.format(lang=args.lang)))
    if report.usable:
        counts = ", ".join(
            f"{name} {len(frame)}"
            for name, frame in (
                ("estates", inputs.estates),
                ("facilities", inputs.facilities),
                ("gates", inputs.gates),
                ("streets", inputs.streets),
            )
            if frame is not None
        )
        print(f"\nUsable: {counts} (CRS for metric work: {inputs.crs}).")
        return 0
    print("\nNot usable: fix the errors above and run validate again.")
    return 2


def _cmd_rules(args: argparse.Namespace) -> int:
    from planning.rules import format_ruleset, format_ruleset_list, list_rulesets, load_ruleset

    if args.rules_command == "show":
        print(format_ruleset(load_ruleset(args.name), lang=args.lang))
    else:
        print(format_ruleset_list(list_rulesets()))
    return 0


def _run_audit(spec: ProjectSpec, console: Console, lang: str) -> Path:
    from planning.maps import write_all
    from planning.project import audit_prepared, prepare_project

    result = audit_prepared(spec, prepare_project(spec, console), console)
    console(f"Writing results to {spec.out}")
    result.write(spec.out, maps=False)
    console("Drawing the gap map and the report")
    write_all(spec.out, lang=lang, basemap=spec.basemap)
    return spec.out


def _cmd_audit(args: argparse.Namespace) -> int:
    console = Console(args.quiet)
    spec = spec_from_args(args, needs_network=True)
    out = _run_audit(spec, console, args.lang)
    if not args.quiet:
        print_summary(out)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from planning.project import demo_spec

    console = Console(args.quiet)
    spec = demo_spec(out=Path(args.out) if args.out else DEMO_DIR, rules=args.rules)
    out = _run_audit(spec, console, args.lang)
    if not args.quiet:
        print_summary(out)
        print(f"\nOpen {out / 'gap_map.html'} in a browser (works offline).")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from planning.maps import write_all

    write_all(
        Path(args.results), lang=args.lang, basemap=args.basemap, tianditu_key=args.tianditu_key
    )
    print(f"Wrote {Path(args.results) / 'gap_map.html'}")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from planning.api import site
    from planning.maps import write_all
    from planning.project import audit_prepared, prepare_project, spec_from_results

    console = Console(args.quiet)
    if args.audit:
        spec = spec_from_results(Path(args.audit))
        if args.out:
            spec.out = Path(args.out)
    else:
        spec = spec_from_args(args, needs_network=True)
    result = audit_prepared(spec, prepare_project(spec, console), console)
    console(
        "Choosing sites (选址) with HiGHS" if args.method != "greedy" else "Choosing sites greedily"
    )
    # Candidate tables usually come from the same source as the facilities.
    candidate_coords = (
        spec.coords.get("facilities") if isinstance(spec.coords, dict) else spec.coords
    )
    sited = site(
        result,
        new=args.new,
        target_coverage=args.target_coverage,
        candidates=args.candidates,
        candidates_layer=args.candidates_layer,
        coords=candidate_coords,
        kind=args.kind,
        floor_m2=args.floor_m2,
        spacing_m=args.spacing_m,
        tier=args.tier,
        time_limit_s=args.time_limit,
        method=args.method,
    )
    console(f"Writing results to {spec.out}")
    sited.write(spec.out, maps=False)
    console("Drawing the gap map with the proposals")
    write_all(spec.out, lang=args.lang, basemap=spec.basemap)
    if not args.quiet:
        summary = sited.summary
        print(
            f"Proposed {summary['selected']} {summary['kind']} site(s) from "
            f"{summary['candidates']} candidates ({summary['candidate_source']}); "
            f"{summary['method']} {summary['status']}, optimality gap {summary['gap']:.2%}."
        )
        print(
            f"{summary['tier']} household coverage 户数覆盖率: {summary['before']['coverage']:.1%} → "
            f"{summary['after']['coverage']:.1%}"
        )
        for row in sited.proposals.itertuples():
            print(
                f"  #{row.rank} {row.candidate_id} ({row.lon:.5f}, {row.lat:.5f}): "
                f"+{row.households_new} households, {row.estates_newly_covered} estates, "
                f"cumulative {row.cumulative_coverage:.1%}"
            )
        print(f"Outputs in {spec.out}: proposals.csv, results.gpkg (layer proposals), gap_map.html")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from planning.sample import DEFAULT_SEED, write_sample_district

    seed = DEFAULT_SEED if args.seed is None else args.seed
    paths = write_sample_district(args.folder, seed)
    print("Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used by the docs)."""
    parser = argparse.ArgumentParser(
        prog="eldercare",
        description="Elderly-care facility planning (养老服务设施规划): audit per-100-household floor "
        "area and 15-minute service circles, draw gap maps, propose sites.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    parser.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of reports and maps"
    )
    # The same options after the command name (`eldercare audit … -q`); SUPPRESS keeps the
    # values given before it when they are not repeated after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    common.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser = sub.add_parser

    def add_with_common(*args: object, **kwargs: object) -> argparse.ArgumentParser:
        kwargs.setdefault("parents", [common])
        return add_parser(*args, **kwargs)  # type: ignore[arg-type]

    p = add_with_common(
        "validate", help="check input files and report every problem (exit 2 if unusable)"
    )
    add_input_arguments(p)
    p.set_defaults(func=_cmd_validate)

    p = add_with_common("rules", help="list rulesets or show one with citations")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    rsub.add_parser("list", help="list the rulesets shipped with the tool", parents=[common])
    show = rsub.add_parser(
        "show", help="print every rule of a ruleset with its citation", parents=[common]
    )
    show.add_argument("name", help="ruleset id, Chinese name, pinyin, or a .toml file")
    p.set_defaults(func=_cmd_rules)

    p = add_with_common(
        "audit", help="audit floor area and service circles; write results to --out"
    )
    add_input_arguments(p)
    add_network_arguments(p)
    p.set_defaults(func=_cmd_audit)

    p = add_with_common("demo", help="run the audit on the bundled sample district into maps/demo/")
    p.add_argument("--out", help="results folder (default maps/demo)")
    p.add_argument("--rules", default="national", help="ruleset (default national 全国)")
    p.set_defaults(func=_cmd_demo)

    p = add_with_common("map", help="redraw gap_map.html and the report from a results folder")
    p.add_argument("results", help="results folder written by audit or demo")
    p.add_argument(
        "--basemap",
        choices=["none", "osm", "tianditu", "amap"],
        default="none",
        help="none (offline, self-contained; default), OpenStreetMap, 天地图 or 高德 (overlays shifted to GCJ-02)",
    )
    p.add_argument("--tianditu-key", help="天地图 key (or ELDERCARE_TIANDITU_KEY)")
    p.set_defaults(func=_cmd_map)

    p = add_with_common(
        "site", help="propose new centres (选址) that raise service-circle coverage"
    )
    p.add_argument(
        "--audit", metavar="DIR", help="re-use the inputs of an earlier audit's results folder"
    )
    add_input_arguments(p)
    add_network_arguments(p)
    p.add_argument(
        "--candidates", help="candidate sites (points): vacant lots, idle public buildings"
    )
    p.add_argument("--candidates-layer", help="layer of the candidates file")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument(
        "--new", type=int, metavar="N", help="open N new centres covering the most households"
    )
    goal.add_argument(
        "--target-coverage",
        type=float,
        metavar="SHARE",
        help="fewest centres reaching this household coverage, e.g. 0.95",
    )
    p.add_argument(
        "--kind", choices=["community_station", "street_centre"], default="community_station"
    )
    p.add_argument(
        "--floor-m2",
        type=float,
        help="floor area of each new centre; caps households served (capacitated)",
    )
    p.add_argument(
        "--spacing-m",
        type=float,
        default=250.0,
        help="grid spacing of generated candidates (default 250 m)",
    )
    p.add_argument(
        "--tier", help="service-circle tier to cover (default: the largest counting --kind)"
    )
    p.add_argument(
        "--time-limit", type=float, default=60.0, help="solver time limit in seconds (default 60)"
    )
    p.add_argument("--method", choices=["auto", "milp", "greedy"], default="auto")
    p.set_defaults(func=_cmd_site)

    p = add_with_common("sample", help="write the synthetic sample district 示例区 (合成示例数据)")
    p.add_argument("folder", nargs="?", default="gis_data", help="output folder (default gis_data)")
    p.add_argument("--seed", type=int, help="seed of the generator (default: the bundled sample's)")
    p.set_defaults(func=_cmd_sample)

    from planning.cli.review import add_review_parser

    add_review_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eldercare`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except PlanningError as error:
        text = render(error.raw_message)
        # A validation report is a page of its own; other errors get the usual prefix.
        print(text if isinstance(error, InputDataError) else f"error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
        return 0
