"""Typed TOML files (配置文件检查): read with a clear word about encodings, check against a schema.

:func:`read_toml` reads UTF-8 with or without a byte-order mark and names the problem (and the
fix) for a file saved as GBK/GB18030 or UTF-16 by a Chinese Windows editor, or one that is not
valid TOML (with the line, and a hint for Windows paths in double quotes).

:func:`check_toml` checks a document against a schema of sections and :class:`Key` entries:
allowed keys per section (a misspelt key is named, with the nearest allowed one), value types
(booleans only as TOML booleans: ``download = "false"`` is an error, not *true*), finite numbers
within ranges, choices, and array lengths. It returns every problem at once, each naming the
file, the section and key, and the fix.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from planning._errors import InputFileError

__all__ = ["Key", "Schema", "check_toml", "read_toml"]

Kind = Literal["text", "bool", "number", "integer", "choice", "numbers", "choices", "texts"]


@dataclass(frozen=True)
class Key:
    """What one key of a TOML section may hold.

    Parameters
    ----------
    kind : str
        ``text`` (a non-empty string), ``bool`` (true/false), ``number`` / ``integer`` (finite),
        ``choice`` (one of ``choices``), ``numbers`` (an array of finite numbers), ``choices``
        (an array of ``choices``), ``texts`` (a table of text values, e.g. ``[fields]``).
    example : str
        A correct line for the message, e.g. ``'walk_speed = 0.8'``.
    choices : tuple of str
        Allowed values of ``choice`` and ``choices``.
    minimum, maximum : float, optional
        Inclusive range of numbers.
    above : float, optional
        Numbers must be greater than this.
    length : int, optional
        Exact length of ``numbers``.
    per_layer : tuple of str
        When given, a table ``{layer = value}`` with these keys is accepted too
        (``coords = {estates = "bd09"}``).
    check : callable, optional
        Further check of a well-typed value: returns a problem text or None.
    """

    kind: Kind
    example: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    length: int | None = None
    per_layer: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None


#: Section name to its keys, or to one :class:`Key` describing every value of a free table.
Schema = Mapping[str, Mapping[str, Key] | Key]


def read_toml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Read a TOML file (UTF-8, with or without BOM) with clear messages.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        What it is, for messages (``"project file"``, ``"ruleset"``).

    Returns
    -------
    dict

    Raises
    ------
    InputFileError
        Missing or unreadable file, wrong encoding (GBK, UTF-16), or invalid TOML.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as error:
        raise InputFileError(f"{p}: {what} not found. Check the path.") from error
    except IsADirectoryError as error:
        raise InputFileError(f"{p} is a folder; give the {what} (a .toml file).") from error
    except OSError as error:
        raise InputFileError(f"{p}: the {what} cannot be read ({error.strerror}).") from error
    text = _decode(p, data, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        hint = ""
        if "\\" in text:
            hint = (
                " Windows paths in double quotes need doubled backslashes: write them in single "
                "quotes ('D:\\数据\\小区.shp') or with forward slashes (\"D:/数据/小区.shp\")."
            )
        raise InputFileError(
            f"{p}: the {what} is not valid TOML ({error}). Text values need quotes "
            f'(rules = "大冶"), true/false none.{hint}'
        ) from error


def _decode(p: Path, data: bytes, what: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            f"{p}: the {what} is saved as UTF-16 (Unicode); TOML must be UTF-8. Fix: save it as "
            "UTF-8 (记事本: 另存为 → 编码 UTF-8)."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputFileError(
                f"{p}: the {what} is not UTF-8 text (byte {error.start}). Fix: save it as UTF-8."
            ) from error
        raise InputFileError(
            f"{p}: the {what} is encoded as GBK/GB18030 (the Chinese Windows default), but TOML "
            "files must be UTF-8. Fix: save it as UTF-8 (记事本/WPS: 另存为 → 编码 UTF-8; "
            "VS Code: Save with Encoding → UTF-8)."
        ) from error


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number_problem(value: Any, key: Key) -> str | None:
    if not _is_number(value):
        unquote = " (without quotes)" if isinstance(value, str) and _looks_numeric(value) else ""
        return f"expected a number{unquote}, found {_show(value)}"
    if not math.isfinite(value):
        return f"expected a finite number, found {value}"
    if key.kind == "integer" and not isinstance(value, int):
        return f"expected a whole number, found {value}"
    if key.above is not None and value <= key.above:
        return f"must be above {key.above:g}, found {value:g}"
    if key.minimum is not None and value < key.minimum:
        return f"must be at least {key.minimum:g}, found {value:g}"
    if key.maximum is not None and value > key.maximum:
        return f"must be at most {key.maximum:g}, found {value:g}"
    return None


def _choice_problem(value: Any, key: Key) -> str | None:
    if not isinstance(value, str) or value.strip().lower() not in key.choices:
        return f"expected one of {', '.join(key.choices)}, found {_show(value)}"
    return None


def _value_problem(value: Any, key: Key) -> str | None:
    """Return what is wrong with ``value`` for ``key`` (None when nothing)."""
    if key.per_layer and isinstance(value, dict):
        for layer, item in value.items():
            if layer not in key.per_layer:
                return f"unknown layer {layer!r} in the table; layers: {', '.join(key.per_layer)}"
            wrong = _value_problem(item, Key(key.kind, key.example, key.choices))
            if wrong:
                return f"{layer}: {wrong}"
        return None
    kind = key.kind
    problem: str | None = None
    if kind == "bool":
        if not isinstance(value, bool):
            quotes = ", without quotes" if isinstance(value, str) else ""
            problem = f"expected true or false (a TOML boolean{quotes}), found {_show(value)}"
    elif kind in ("number", "integer"):
        problem = _number_problem(value, key)
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            problem = f"expected a text in quotes, found {_show(value)}"
    elif kind == "choice":
        problem = _choice_problem(value, key)
    elif kind in ("numbers", "choices"):
        if not isinstance(value, list):
            problem = f"expected an array [ … ], found {_show(value)}"
        elif key.length is not None and len(value) != key.length:
            problem = f"expected {key.length} values, found {len(value)}"
        else:
            item_key = Key("number" if kind == "numbers" else "choice", key.example, key.choices)
            problem = next(filter(None, (_value_problem(v, item_key) for v in value)), None)
    elif kind == "texts":
        if not isinstance(value, dict):
            problem = f"expected a table of texts, found {_show(value)}"
        else:
            bad = [k for k, v in value.items() if not isinstance(v, str) or not v.strip()]
            problem = f"expected texts in quotes for {', '.join(bad)}" if bad else None
    if problem is None and key.check is not None:
        problem = key.check(value)
    return problem


def _suggest(name: str, allowed: list[str]) -> str:
    near = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f'did you mean "{near[0]}"? ' if near else ""
    return f"{hint}allowed: {', '.join(allowed)}"


def check_toml(data: Mapping[str, Any], schema: Schema, file: str | Path) -> list[str]:
    """Return every problem of a TOML document against ``schema`` (empty when it is fine).

    Each problem reads ``<file> [section] key: what is wrong. Fix: <example>``.

    Examples
    --------
    >>> schema = {"audit": {"include_planned": Key("bool", "include_planned = true")}}
    >>> check_toml({"audit": {"include_planned": "no"}}, schema, "p.toml")  # doctest: +NORMALIZE_WHITESPACE
    ['p.toml [audit] include_planned: expected true or false (a TOML boolean, without quotes),
      found the text "no". Fix: include_planned = true']
    """
    problems: list[str] = []
    sections = list(schema)
    for section, content in data.items():
        where = f"{file} [{section}]"
        if section not in schema:
            problems.append(f"{file}: unknown section [{section}]; {_suggest(section, sections)}.")
            continue
        keys = schema[section]
        if not isinstance(content, dict):
            problems.append(f"{where}: expected a section of keys, found {_show(content)}.")
            continue
        if isinstance(keys, Key):
            problem = _value_problem(content, keys)
            if problem:
                problems.append(f"{where}: {problem}. Fix: {keys.example}")
            continue
        allowed = list(keys)
        for name, value in content.items():
            if name not in keys:
                problems.append(f"{where} {name}: unknown key; {_suggest(name, allowed)}.")
                continue
            problem = _value_problem(value, keys[name])
            if problem:
                problems.append(f"{where} {name}: {problem}. Fix: {keys[name].example}")
    return problems
