"""Command line of the what-if tools: ``serve``, ``compare``, ``--scenario`` and ``--horizon-year``.

:mod:`planning.cli.main` registers the two commands with :func:`add_whatif_parsers` and adds the
scenario options to ``audit`` and ``site`` with :func:`add_scenario_arguments`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from planning.cli.console import Console, echo
from planning.project import ProjectSpec


def scenario_options(spec: ProjectSpec, args: argparse.Namespace, *, need_file: bool) -> None:
    """Apply ``--scenario`` and ``--horizon-year``: a scenario writes into OUT/scenarios/NAME/."""
    from planning.scenario import find_scenario

    if getattr(args, "horizon_year", None) is not None:
        spec.horizon_year = args.horizon_year
    if getattr(args, "scenario", None):
        base = Path(args.config).parent if getattr(args, "config", None) else Path.cwd()
        spec.scenario, spec.scenario_name = find_scenario(
            args.scenario, spec.scenarios, base, need_file
        )
    # A scenario named here or in the project file writes beside the base, never over it (a
    # folder read back with --audit is already a scenario's own).
    if spec.scenario_name and Path(spec.out).parent.name != "scenarios":
        spec.out = Path(spec.out) / "scenarios" / spec.scenario_name


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve an audit folder's gap map with live scenarios (``eldercare serve``)."""
    from planning.serve import is_loopback, load_session, make_server, new_token

    console = Console(args.quiet)
    token = args.token or (None if is_loopback(args.host) else new_token())
    session = load_session(Path(args.audit), console)
    try:
        server = make_server(session, host=args.host, port=args.port, token=token)
        url = f"http://{args.host}:{args.port}/"
        echo(f"Serving {session.folder} at {url} (Ctrl-C stops)")
        echo(f"  review of a proposed estate 新建小区审查: {url}review")
        if token:
            echo(f"  access token 访问令牌 (send it as the X-Eldercare-Token header): {token}")
            echo(f"  open in a browser: {url}?token={token}")
        server.run()
    finally:
        session.close()
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    """Compare two results folders (``eldercare compare A B``)."""
    from planning.scenario.compare import compare_results

    done = compare_results(args.folder_a, args.folder_b, args.out)
    if not args.quiet:
        for row in done["totals"]:
            if row["figure"].startswith(("coverage.", "estates_area_failing", "shortfall_m2")):
                echo(f"  {row['figure']}: {row['a']:g} → {row['b']:g}")
        echo(f"{done['changed']} estate(s) changed; tables and map in {done['folder']}")
    return 0


def add_scenario_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--scenario`` and ``--horizon-year`` to a command (``audit``, ``site``)."""
    p.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="a scenario (情景): a scenario.toml, or a name in the project's [scenarios]; "
        "results go to OUT/scenarios/NAME/ and never replace the base or another scenario",
    )
    p.add_argument(
        "--horizon-year",
        type=int,
        metavar="YEAR",
        help="also report coverage in this year (规划期): planned estates and facilities from "
        "their year, the elderly share projected",
    )


def add_whatif_parsers(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``serve`` and ``compare`` (``add_parser`` adds a subcommand with the common options)."""
    p = add_parser(
        "serve", help="the gap map with live what-if scenarios and estate review, in a browser"
    )
    p.add_argument("--audit", metavar="DIR", required=True, help="results folder of an audit")
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1: this computer)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--token", help="access token (made and printed when --host is not loopback)")
    p.set_defaults(func=_cmd_serve)

    p = add_parser("compare", help="before/after table and map of two results folders")
    p.add_argument("folder_a", metavar="DIR_A", help="results folder before (e.g. the base)")
    p.add_argument("folder_b", metavar="DIR_B", help="results folder after (e.g. a scenario)")
    p.add_argument("--out", help="output folder (default DIR_B/compare)")
    p.set_defaults(func=_cmd_compare)
