"""Command line: ``eldercare validate | rules | audit | demo | map | site | check-estate | sample``.

The only package that configures logging and prints. Every failure becomes a message, never a
traceback (:mod:`planning.cli.failures`): a :class:`~planning.PlanningError` or a file that
cannot be read or written gives a short message and exit status 2, anything unexpected one line
with the log file holding the traceback (exit 1); Ctrl-C and SIGTERM stop cleanly (130, 143).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planning import __version__
from planning._errors import PlanningError
from planning.cli.console import Console, clean, echo, print_summary
from planning.cli.failures import run_command
from planning.cli.flags import render
from planning.cli.options import (
    add_input_arguments,
    add_network_arguments,
    add_service_area_argument,
    spec_from_args,
)
from planning.cli.whatif import add_scenario_arguments, add_whatif_parsers, scenario_options
from planning.io.outfolder import terminate_as_exception
from planning.project import DEMO_DIR, ProjectSpec

if TYPE_CHECKING:
    from planning.results import AuditResult


class _CleanFormatter(logging.Formatter):
    """Log lines without terminal escape sequences (names in messages come from data)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    if quiet:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CleanFormatter("%(levelname)s: %(message)s"))
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
    echo(render(report.format(lang=args.lang)))
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
        echo(f"\nUsable: {counts} (CRS for metric work: {inputs.crs}).")
        return 0
    echo("\nNot usable: fix the errors above and run validate again.")
    return 2


def _cmd_rules(args: argparse.Namespace) -> int:
    from planning.rules import format_ruleset, format_ruleset_list, list_rulesets, load_ruleset

    if args.rules_command == "show":
        echo(format_ruleset(load_ruleset(args.name), lang=args.lang))
    else:
        echo(format_ruleset_list(list_rulesets()))
    return 0


def _inputs_of(spec: ProjectSpec, args: argparse.Namespace) -> list[Path]:
    """Every file the command reads: the results folder may not hold any of them."""
    from planning.project import spec_inputs

    extra = [getattr(args, name, None) for name in ("config", "candidates")]
    return [*spec_inputs(spec), *(Path(p) for p in extra if p)]


def _run_audit(
    spec: ProjectSpec, console: Console, lang: str, inputs: list[Path], paper: str = "a4"
) -> tuple[AuditResult, list[str]]:
    """Audit a project and write its results folder as one set; return the result and files."""
    from planning.io.transaction import check_output_folder, output_lock
    from planning.project import audit_prepared, prepare_project

    # Refuse a bad or busy --out before minutes of work, and keep it locked until written.
    check_output_folder(spec.out, inputs=inputs)
    with output_lock(spec.out):
        result = audit_prepared(spec, prepare_project(spec, console), console)
        files = result.write(
            spec.out,
            lang=lang,  # type: ignore[arg-type]
            basemap=spec.basemap,  # type: ignore[arg-type]
            progress=console,
            paper=paper,
        )
    return result, sorted(files)


def _cmd_audit(args: argparse.Namespace) -> int:
    console = Console(args.quiet)
    spec = spec_from_args(args, needs_network=True)
    scenario_options(spec, args, need_file=True)
    result, files = _run_audit(spec, console, args.lang, _inputs_of(spec, args), args.paper)
    if not args.quiet:
        print_summary(spec.out, result.summary, files)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from planning.project import demo_spec, spec_inputs

    console = Console(args.quiet)
    spec = demo_spec(out=Path(args.out) if args.out else DEMO_DIR, rules=args.rules)
    result, files = _run_audit(spec, console, args.lang, spec_inputs(spec), args.paper)
    if not args.quiet:
        print_summary(spec.out, result.summary, files)
        echo(f"\nOpen {spec.out / 'gap_map.html'} in a browser (works offline).")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from planning.maps import write_all

    write_all(
        Path(args.results),
        lang=args.lang,
        basemap=args.basemap,
        tianditu_key=args.tianditu_key,
        paper=args.paper,
    )
    echo(f"Wrote {Path(args.results) / 'gap_map.html'}")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from planning.io.transaction import check_output_folder, output_lock
    from planning.project import spec_from_results

    console = Console(args.quiet)
    if args.audit:
        spec = spec_from_results(Path(args.audit))
        if args.out:
            spec.out = Path(args.out)
    else:
        spec = spec_from_args(args, needs_network=True)
    scenario_options(spec, args, need_file=False)
    # Refuse a bad or busy --out before the work, and keep it locked until written.
    check_output_folder(spec.out, inputs=_inputs_of(spec, args))
    with output_lock(spec.out):
        return _site(args, spec, console)


def _site(args: argparse.Namespace, spec: ProjectSpec, console: Console) -> int:
    from planning.api import site
    from planning.project import audit_prepared, prepare_project

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
        min_spacing_m=args.min_spacing_m,
        one_centre_per_street=args.one_centre_per_street,
    )
    sited.write(spec.out, lang=args.lang, basemap=spec.basemap, progress=console, paper=args.paper)
    if not args.quiet:
        from planning.cli.siting import print_siting

        print_siting(sited.summary, sited.proposals, spec.out, args.lang)
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from planning.sample import DEFAULT_SEED, write_sample_district

    seed = DEFAULT_SEED if args.seed is None else args.seed
    paths = write_sample_district(args.folder, seed)
    print("Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    """Audit a province unit by unit on Dask (``eldercare batch``)."""
    from typing import Any

    from planning.batch import run_batch, run_manifest
    from planning.cli.batch import EXIT_PARTIAL, BatchProgress
    from planning.cli.options import parse_coords, parse_crs
    from planning.project import prepare_project, spec_to_dict
    from planning.schema import parse_field_options

    common: dict[str, Any]
    console = Console(args.quiet)
    if not args.out:
        raise PlanningError("Give the batch folder with --out DIR (a new or empty folder).")
    out = Path(args.out)
    common = {
        "out": out,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "retries": args.retries,
        "resume": not args.restart,
        "maps": not args.no_maps,
        "lang": args.lang,
        "progress": BatchProgress(console) if not args.quiet else None,
        "measure": args.measure,
        "walk_speed": args.walk_speed,
        "include_planned": args.include_planned,
        "max_snap_m": args.max_snap_m,
        "search_radius_m": args.search_radius_m,
    }
    if args.manifest:
        from planning.network.walkability import check_profiles

        profiles = check_profiles(args.profile) if args.profile else ()
        common["profile"] = profiles[0] if len(profiles) == 1 else (profiles or None)
        batch = run_manifest(
            args.manifest,
            fields=parse_field_options(args.field or []),
            coords=parse_coords(args.coords) if args.coords else None,
            crs=parse_crs(args.crs) if args.crs else None,
            rules=args.rules or "national",
            basemap=args.basemap or "none",
            **common,
        )
    else:
        spec = spec_from_args(args, needs_network=True)
        spec.out = out
        prepared = prepare_project(spec, console)
        profiles = tuple(spec.profile)
        common.update(measure=spec.measure, walk_speed=spec.walk_speed,
                      include_planned=spec.include_planned, max_snap_m=spec.max_snap_m,
                      search_radius_m=spec.search_radius_m,
                      profile=profiles[0] if len(profiles) == 1 else profiles)  # fmt: skip
        batch = run_batch(
            prepared.inputs,
            prepared.net,
            split=args.split,
            rules=prepared.ruleset,
            basemap=spec.basemap,  # type: ignore[arg-type]
            parameters={"project": spec_to_dict(spec)},
            **common,
        )
    if not args.quiet and batch.result is not None:
        print_summary(out / "province", batch.result.summary)
        echo(f"\nUnits 单元: {out / 'units.csv'}; map of the units: {out / 'units_map.html'}")
    for unit_id, message in sorted(batch.failed.items()):
        echo(f"unit {unit_id} failed: {render(message)}", file=sys.stderr)
    if batch.failed:
        echo(
            f"{len(batch.failed)} unit(s) failed; the others are in {out}. Fix their inputs and "
            "run the same command again: finished units are skipped.",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
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
    parser.add_argument(
        "--paper", choices=["a4", "a3"], default="a4",
        help="report.pdf on one A4 page (default) or one A3 landscape page",
    )  # fmt: skip
    # The same options after the command name (`eldercare audit … -q`); SUPPRESS keeps the
    # values given before it when they are not repeated after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    common.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    common.add_argument("--paper", choices=["a4", "a3"], default=argparse.SUPPRESS)
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
    add_service_area_argument(p)
    add_scenario_arguments(p)
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
    add_service_area_argument(p)
    p.add_argument(
        "--candidates",
        help="candidate sites (points or buildings): vacant lots, idle public buildings 闲置用房; "
        "a floor_m2 (建筑面积) column caps the households each can serve",
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
    p.add_argument(
        "--min-spacing-m",
        type=float,
        metavar="M",
        help="minimum straight-line distance between new centres (最小间距, metres)",
    )
    p.add_argument(
        "--one-centre-per-street",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a new street centre in every street without one (default: with --kind street_centre)",
    )
    add_scenario_arguments(p)
    p.set_defaults(func=_cmd_site)

    p = add_with_common("sample", help="write the synthetic sample district 示例区 (合成示例数据)")
    p.add_argument("folder", nargs="?", default="gis_data", help="output folder (default gis_data)")
    p.add_argument("--seed", type=int, help="seed of the generator (default: the bundled sample's)")
    p.set_defaults(func=_cmd_sample)

    from planning.cli.batch import EPILOG, add_batch_arguments

    p = add_with_common(
        "batch",
        help="audit a province county by county (or street by street) on a Dask cluster",
        epilog=EPILOG,
    )
    add_input_arguments(p)
    add_network_arguments(p)
    add_batch_arguments(p)
    p.set_defaults(func=_cmd_batch)

    add_whatif_parsers(add_with_common)

    from planning.cli.review import add_review_parser

    add_review_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eldercare`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logger = logging.getLogger("planning")
    # called in-process (a notebook, a test) the command leaves logging as it found it
    saved = (logger.handlers[:], logger.level, logger.propagate)
    _configure_logging(args.verbose, args.quiet)
    command = ["eldercare", *(sys.argv[1:] if argv is None else argv)]
    try:
        with terminate_as_exception():
            return run_command(args.func, args, command)
    finally:
        handlers, level, propagate = saved
        logger.handlers[:] = handlers
        logger.setLevel(level)  # setLevel, not .level: it clears the cached level checks
        logger.propagate = propagate
