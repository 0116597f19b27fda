"""What the API functions share: rulesets by name, inputs given as paths or frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from planning import network as networks
from planning._errors import OptionError
from planning.io.sources import LayerRef, resolve_layer
from planning.rules import Ruleset, load_ruleset

#: An input layer: a file path, or a (Geo)DataFrame in memory.
Source = str | Path | pd.DataFrame


def ruleset_of(rules: str | Path | Ruleset) -> Ruleset:
    """Return ``rules`` as a Ruleset (loaded by id, Chinese name or file when not one)."""
    return rules if isinstance(rules, Ruleset) else load_ruleset(rules)


def as_source(value: Any, role: str, layer: str | None, parameter: str | None = None) -> Any:
    """Return a path (with its layer resolved) or a frame, as ``planning.io`` reads it."""
    if value is None or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, str | Path):
        return resolve_layer(LayerRef(Path(value), layer), role, parameter)
    raise OptionError(f"{role}={type(value).__name__}: give a file path or a (Geo)DataFrame.", role)


def split_source(source: Any) -> tuple[Any, str | None]:
    """Return the path (or frame) and the layer of a source from :func:`as_source`."""
    return (source.path, source.layer) if isinstance(source, LayerRef) else (source, None)


def check_network(value: Any) -> None:
    """Raise :class:`OptionError` unless ``value`` is a walking network."""
    if not isinstance(value, networks.WalkNetwork):
        raise OptionError(
            f"network={type(value).__name__}: give what planning.load_network returned.",
            "network",
        )
