"""The keys of a project file (项目文件), checked before anything runs.

:func:`project_keys` is the schema of ``project.toml`` for :func:`planning.io.tomlfile.check_toml`
(allowed keys per section, types, ranges, choices); :func:`read_project_data` reads a project file
and raises one error listing every problem with its fix. :func:`planning.project.load_project_file`
turns the checked data into a :class:`~planning.project.ProjectSpec`. A new project key needs its
entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from planning._errors import InputFileError
from planning.io.tomlfile import Key, Schema, check_toml, read_toml

__all__ = ["lower", "project_keys", "read_project_data"]

_COORDS = ("wgs84", "gcj02", "bd09")
_FIXES = ("swapped-coords",)


def _bbox_problem(value: list[float]) -> str | None:
    west, south, east, north = value
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return "give west < east and south < north in degrees"
    return None


def project_keys(
    roles: Sequence[str], profile_check: Callable[[Any], str | None] | None = None
) -> Schema:
    """Return the keys a project file may hold, by section.

    Parameters
    ----------
    roles : sequence of str
        The input layers ``[inputs]`` names (``estates`` …; each with ``<role>_layer``).
    profile_check : callable, optional
        Checks ``[network] profile`` (the network layer knows the profiles).

    Returns
    -------
    Schema
        For :func:`planning.io.tomlfile.check_toml`.
    """
    text = Key("text", 'layer = "roads"')
    inputs: dict[str, Key] = {}
    for role in roles:
        inputs[role] = Key("text", f'{role} = "data/{role}.gpkg"')
        inputs[f"{role}_layer"] = Key("text", f'{role}_layer = "{role}"')
    inputs["coords"] = Key(
        "choice",
        'coords = "bd09"  (or coords = {estates = "bd09"})',
        choices=_COORDS,
        per_layer=tuple(roles),
    )
    inputs["crs"] = Key(
        "text", 'crs = "EPSG:4547"  (or crs = {streets = "EPSG:4547"})', per_layer=tuple(roles)
    )
    inputs["strict"] = Key("bool", "strict = true")
    inputs["fix"] = Key("choices", 'fix = ["swapped-coords"]', choices=_FIXES)
    return {
        "inputs": inputs,
        "fields": Key("texts", 'households = "总户数"  (canonical field = "source column")'),
        "network": {
            "file": Key("text", 'file = "data/道路中心线.gpkg"'),
            "layer": text,
            "place": Key("text", 'place = "大冶市"'),
            "bbox": Key(
                "numbers",
                "bbox = [114.90, 30.05, 115.00, 30.12]  (W, S, E, N)",
                length=4,
                check=_bbox_problem,
            ),
            "barriers": Key("text", 'barriers = "data/河流.gpkg"'),
            "barriers_layer": Key("text", 'barriers_layer = "river"'),
            "download": Key("bool", "download = false"),
            "max_snap_m": Key("number", "max_snap_m = 300", above=0, maximum=5000),
            "profile": Key(
                "text",
                'profile = "walk"  (or "step_free", "walk,step_free")',
                check=profile_check,
            ),
            "road_classes": Key("text", 'road_classes = "data/道路等级.toml"'),
        },
        "audit": {
            "rules": Key("text", 'rules = "daye"  (or a .toml file)'),
            "out": Key("text", 'out = "results"'),
            "walk_speed": Key("number", "walk_speed = 0.8  (m/s)", minimum=0.1, maximum=3.0),
            "measure": Key("choice", 'measure = "distance"', choices=("distance", "time")),
            "include_planned": Key("bool", "include_planned = false"),
            "search_radius_m": Key("number", "search_radius_m = 3000", above=0, maximum=50000),
            "service_areas": Key(
                "choice",
                'service_areas = "merged"',
                choices=("merged", "per-facility", "none"),
            ),
            "basemap": Key(
                "choice", 'basemap = "none"', choices=("none", "osm", "tianditu", "amap")
            ),
            "horizon_year": Key(
                "integer", "horizon_year = 2035  (规划期)", minimum=1990, maximum=2100
            ),
            "scenario": Key(
                "text", 'scenario = "scenarios/幸福里.toml"  (or a name in [scenarios])'
            ),
        },
        "scenarios": Key("texts", 'xingfuli = "scenarios/幸福里.toml"  (scenario name = "file")'),
    }


def read_project_data(path: Path, schema: Schema) -> dict[str, Any]:
    """Read a project file and check it against ``schema``; return its data.

    Raises
    ------
    InputFileError
        Every problem of the file at once (unknown keys, wrong types or ranges), or a missing
        file, a GBK/UTF-16 file, invalid TOML.
    """
    data = read_toml(path, "project file")
    problems = check_toml(data, schema, path)
    if problems:
        raise InputFileError(
            f"{path}: {len(problems)} problem(s) in the project file (项目文件有误):\n  "
            + "\n  ".join(problems)
        )
    return data


def lower(value: Any) -> Any:
    """Choices are case-insensitive: ``"BD09"`` is ``"bd09"`` (also inside a per-layer table)."""
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, dict):
        return {k: lower(v) for k, v in value.items()}
    return value
