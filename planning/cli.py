"""Command line: ``eldercare validate | rules | audit | demo | map | site | check-estate``.

The only module that configures logging and prints. Every :class:`~planning._errors.PlanningError`
becomes a short message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from planning import __version__
from planning._errors import InputDataError, PlanningError
from planning.project import (
    DEMO_DIR,
    ProjectSpec,
    add_input_arguments,
    add_network_arguments,
    spec_from_args,
)

logger = logging.getLogger("planning")


class Console:
    """Progress messages on stderr with elapsed time, silenced by ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        """Print one progress line."""
        if not self.quiet:
            print(
                f"[{time.perf_counter() - self.start:6.1f}s] {message}", file=sys.stderr, flush=True
            )


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
    from planning.project import load_validated_inputs

    spec = spec_from_args(args, needs_network=False)
    inputs, report = load_validated_inputs(spec, raise_on_error=False)
    print(report.format(lang=args.lang))
    if report.usable and inputs is not None:
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
    from planning.project import run_project_audit

    out = run_project_audit(spec, progress=console)
    try:
        from planning.maps import write_all

        console("Drawing the gap map and the report")
        write_all(out, lang=lang, basemap=spec.basemap)
    except ImportError:  # maps are optional while the package is being assembled
        logger.warning("maps are not available in this installation; results written without a map")
    return out


def _print_summary(out: Path) -> None:
    import json

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
    names = {
        "pass": "PASS 达标",
        "fail": "FAIL 不达标",
        "report": "report 仅报告",
        "no_data": "no data 无数据",
    }
    print("Rules 规则:")
    for rule in summary["rules"]:
        value = "" if rule["value"] is None else f" {rule['value']}"
        threshold = "" if rule["threshold"] is None else f" (≥ {rule['threshold']})"
        evidence = " ⚠ memory" if rule["citation"]["evidence"] == "memory" else ""
        print(
            f"  {names[rule['verdict']]:<14} {rule['rule_id']}:{value}{threshold} {rule['unit']}{evidence}"
        )
    print(
        f"Outputs in {out}: "
        + ", ".join(sorted(p.name for p in out.iterdir() if not p.name.startswith(".")))
    )


def _cmd_audit(args: argparse.Namespace) -> int:
    console = Console(args.quiet)
    spec = spec_from_args(args, needs_network=True)
    out = _run_audit(spec, console, args.lang)
    if not args.quiet:
        _print_summary(out)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from planning.project import demo_spec

    console = Console(args.quiet)
    spec = demo_spec(out=Path(args.out) if args.out else DEMO_DIR, rules=args.rules)
    out = _run_audit(spec, console, args.lang)
    if not args.quiet:
        _print_summary(out)
        print(f"\nOpen {out / 'gap_map.html'} in a browser (works offline).")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from planning.maps import write_all

    write_all(Path(args.results), lang=args.lang, basemap=args.basemap)
    print(f"Wrote {Path(args.results) / 'gap_map.html'}")
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
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "validate", help="check input files and report every problem (exit 2 if unusable)"
    )
    add_input_arguments(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("rules", help="list rulesets or show one with citations")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    rsub.add_parser("list", help="list the rulesets shipped with the tool")
    show = rsub.add_parser("show", help="print every rule of a ruleset with its citation")
    show.add_argument("name", help="ruleset id, Chinese name, pinyin, or a .toml file")
    p.set_defaults(func=_cmd_rules)

    p = sub.add_parser("audit", help="audit floor area and service circles; write results to --out")
    add_input_arguments(p)
    add_network_arguments(p)
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("demo", help="run the audit on the bundled sample district into maps/demo/")
    p.add_argument("--out", help="results folder (default maps/demo)")
    p.add_argument("--rules", default="national", help="ruleset (default national 全国)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("map", help="redraw gap_map.html and the report from a results folder")
    p.add_argument("results", help="results folder written by audit or demo")
    p.add_argument("--basemap", choices=["none", "osm", "tianditu", "amap"], default="none")
    p.set_defaults(func=_cmd_map)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eldercare`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except InputDataError as error:
        print(str(error), file=sys.stderr)
        return 2
    except PlanningError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
