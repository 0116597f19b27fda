"""How the command line spells the parameters that library messages name.

Library messages name Python parameters (``coords="bd09"``); the command line shows its own
options (``--coords bd09``) through :func:`render`.
"""

from __future__ import annotations

from planning._errors import Flag, render_params

#: Parameters whose option is not ``--`` + the name with dashes.
_RENAMED = {
    "layer": "--network-layer",
    "n_new": "--new",
    "walk_speed_m_per_s": "--walk-speed",
    "walk_speed": "--walk-speed",
    "time_limit_s": "--time-limit",
    "fields": "--field",
    "estate": "--estate",
    "inputs": "--estates",
}


def _flag(name: str) -> Flag:
    option = _RENAMED.get(name, "--" + name.replace("_", "-"))

    def spell(key: str | None, value: str | None) -> str:
        if name == "layers" and key is not None:
            return f"--{key.replace('_', '-')}-layer" + ("" if value is None else f" {value}")
        if key is not None:  # mapping parameters: --field households=总户数, --coords estates=bd09
            return f"{option} {key}=" + ("…" if value is None else value)
        # A switch (``download=True``) is the bare option.
        return option if value in (None, "True") else f"{option} {value}"

    return spell


class _Flags(dict[str, Flag]):
    """Every parameter name maps to its option (missing ones are made on demand)."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __missing__(self, key: str) -> Flag:
        return _flag(key)


FLAGS: _Flags = _Flags()


def render(text: str) -> str:
    """Return a library message with parameters spelled as command-line options.

    Examples
    --------
    >>> from planning._errors import param
    >>> render(f"pass {param('coords', 'bd09')} or {param('fields.households', '总户数')}")
    'pass --coords bd09 or --field households=总户数'
    >>> render(f"say which: {param('layers.estates', '小区')}")
    'say which: --estates-layer 小区'
    >>> render(f"run again with {param('download', True)}")
    'run again with --download'
    """
    return render_params(text, FLAGS)
