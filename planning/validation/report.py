"""Input data problems and the validation report (输入数据检查报告).

Loading collects *every* problem of every layer first and decides afterwards: a
:class:`ValidationReport` holds :class:`Problem` records (error / warning / info), counts the rows
read, kept and dropped per layer and reason, and formats everything for a planner in English or
Chinese. Rows that cannot be used are dropped only together with a problem naming them; nothing
is dropped silently.

Row numbers (``Problem.rows``) are what a planner sees when opening the file:

* CSV / XLSX: the spreadsheet row, header = row 1, so the first data row is **2**;
* spatial files (GeoPackage, Shapefile, GeoJSON): the **1-based feature number** in file order
  (feature 1 is the first feature; QGIS shows 0-based FIDs for shapefiles, so subtract 1 there);
* frames given in memory: the **1-based row position** (row 1 is ``frame.iloc[0]``).

Messages name options by :func:`~planning._errors.param` tokens, kept in :attr:`Problem.message`
and in :meth:`ValidationReport.format`: ``str(report)`` and ``str(InputDataError)`` read them as
Python keyword arguments (``coords="bd09"``), the command line as its options (``--coords bd09``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from planning._errors import InputDataError, render_params
from planning.schema import LAYER_NAMES_ZH
from planning.validation.messages import CATALOGUE, Severity

__all__ = ["Problem", "ValidationReport"]

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_SHOW = 10


@dataclass
class Problem:
    """One problem found in one file (all rows with the same problem are grouped).

    Parameters
    ----------
    severity : {"error", "warning", "info"}
        ``error`` makes the data unusable until fixed; ``warning`` means rows were dropped or
        changed; ``info`` records an assumption.
    file : str
        The file name (as given).
    layer : str
        ``estates``, ``facilities``, ``gates`` or ``streets``.
    code : str
        Stable machine-readable code (a key of :data:`CATALOGUE`).
    message : str
        English message with the Chinese term beside it.
    rows : list of int
        Row numbers as a planner sees them (see the module docstring).
    ids : list of str
        Ids of the affected rows (when the layer has ids by then).
    fix : str
        What to do about it.
    message_zh, fix_zh : str
        Chinese message and fix.
    count : int
        Number of affected rows (may exceed ``len(rows)`` when rows are unknown).
    """

    severity: Severity
    file: str
    layer: str
    code: str
    message: str
    rows: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    fix: str = ""
    message_zh: str = ""
    fix_zh: str = ""
    count: int = 0


@dataclass
class ValidationReport:
    """All problems of all input layers, and what happened to the rows."""

    problems: list[Problem] = field(default_factory=list)
    #: Rows dropped per layer: ``{layer: {code: count}}``.
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Rows read per layer.
    rows_read: dict[str, int] = field(default_factory=dict)
    #: Rows kept per layer after all checks.
    rows_kept: dict[str, int] = field(default_factory=dict)
    #: File per layer.
    files: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        code: str,
        *,
        file: str,
        layer: str,
        rows: Iterable[int] = (),
        ids: Iterable[object] = (),
        count: int | None = None,
        severity: Severity | None = None,
        **params: Any,
    ) -> Problem:
        """Record a problem from :data:`CATALOGUE`, filling its templates with ``params``.

        ``{count}`` defaults to the number of rows (or ids).
        """
        entry = CATALOGUE[code]
        row_list = [int(r) for r in rows]
        id_list = [str(i) for i in ids if i is not None and not _isna(i)]
        n = count if count is not None else max(len(row_list), len(id_list))
        values = {"count": n, **params}
        problem = Problem(
            severity=severity or entry.severity,
            file=file,
            layer=layer,
            code=code,
            message=entry.en.format(**values),
            rows=row_list,
            ids=id_list,
            fix=entry.fix_en.format(**values),
            message_zh=entry.zh.format(**values),
            fix_zh=entry.fix_zh.format(**values),
            count=n,
        )
        self.problems.append(problem)
        return problem

    def record_drop(self, layer: str, code: str, count: int) -> None:
        """Count ``count`` rows of ``layer`` dropped for reason ``code``."""
        if count:
            per_layer = self.dropped.setdefault(layer, {})
            per_layer[code] = per_layer.get(code, 0) + int(count)

    def extend(self, other: ValidationReport) -> None:
        """Merge another report into this one."""
        self.problems.extend(other.problems)
        for layer, reasons in other.dropped.items():
            for code, n in reasons.items():
                self.record_drop(layer, code, n)
        self.rows_read.update(other.rows_read)
        self.rows_kept.update(other.rows_kept)
        self.files.update(other.files)

    def escalate(self, codes: Iterable[str]) -> int:
        """Turn the warnings with these codes into errors (``strict=True``); return how many."""
        chosen = set(codes)
        changed = 0
        for problem in self.problems:
            if problem.code in chosen and problem.severity == "warning":
                problem.severity = "error"
                changed += 1
        return changed

    def find(self, code: str, layer: str | None = None) -> list[Problem]:
        """Return the problems with ``code`` (optionally of one layer)."""
        return [p for p in self.problems if p.code == code and (layer is None or p.layer == layer)]

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def infos(self) -> list[Problem]:
        """Problems of severity ``info``."""
        return [p for p in self.problems if p.severity == "info"]

    @property
    def usable(self) -> bool:
        """``True`` when no error remains and, if estates were loaded, at least one survived."""
        if self.errors:
            return False
        return not ("estates" in self.rows_read and self.rows_kept.get("estates", 0) == 0)

    def __str__(self) -> str:
        """Return the English report with options named as Python keyword arguments."""
        return render_params(self.format())

    def format(self, lang: str = "en") -> str:
        """Return the report as text for a planner, options still as parameter tokens.

        Parameters
        ----------
        lang : {"en", "zh"}
            Language of the messages.

        Returns
        -------
        str
            A summary line, rows read/kept/dropped per layer, then problems grouped by file,
            errors first, each with its count, the first rows and ids, and the fix. Render the
            tokens with :func:`planning._errors.render_params` (``str(report)`` does).
        """
        zh = lang == "zh"
        lines: list[str] = []
        n_err, n_warn, n_info = len(self.errors), len(self.warnings), len(self.infos)
        if zh:
            state = "可用" if self.usable else "不可用"
            lines.append(
                f"输入数据检查：{state}（错误 {n_err} 项，警告 {n_warn} 项，提示 {n_info} 项）"
            )
        else:
            state = "usable" if self.usable else "NOT usable"
            lines.append(
                f"Input data check (输入数据检查): {state} — {n_err} error(s), "
                f"{n_warn} warning(s), {n_info} note(s)"
            )
        for layer, read in self.rows_read.items():
            kept = self.rows_kept.get(layer, 0)
            drops = self.dropped.get(layer, {})
            detail = ", ".join(f"{code} {n}" for code, n in drops.items())
            name = LAYER_NAMES_ZH.get(layer, layer)
            if zh:
                line = f"  {name}：读取 {read} 行，保留 {kept} 行"
                line += f"，剔除 {read - kept} 行（{detail}）" if drops else ""
            else:
                line = f"  {layer} ({name}): {read} rows read, {kept} kept"
                line += f", {read - kept} dropped ({detail})" if drops else ""
            lines.append(line)
        files: dict[str, list[Problem]] = {}
        for problem in self.problems:
            files.setdefault(problem.file, []).append(problem)
        for file, problems in files.items():
            layer = problems[0].layer
            lines.append("")
            lines.append(f"== {file} ({layer} {LAYER_NAMES_ZH.get(layer, '')}) ==")
            for p in sorted(problems, key=lambda q: _SEVERITY_ORDER[q.severity]):
                sev = _SEVERITY_ZH[p.severity] if zh else p.severity
                lines.append(f"[{sev}] {p.code} ×{p.count}: {p.message_zh if zh else p.message}")
                if p.rows:
                    label = "行" if zh else "rows"
                    lines.append(f"    {label}: {_first(p.rows, zh)}")
                if p.ids:
                    label = "编号" if zh else "ids"
                    lines.append(f"    {label}: {_first(p.ids, zh)}")
                fix = p.fix_zh if zh else p.fix
                if fix:
                    lines.append(f"    {'修改建议' if zh else 'fix'}: {fix}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (``usable``, counts and all problems).

        Texts name options as Python keyword arguments (tokens rendered).
        """
        result = {
            "usable": self.usable,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "rows_read": dict(self.rows_read),
            "rows_kept": dict(self.rows_kept),
            "dropped": {k: dict(v) for k, v in self.dropped.items()},
            "files": dict(self.files),
            "problems": [_rendered(asdict(p)) for p in self.problems],
        }
        json.dumps(result)  # fail here rather than in the caller when something is not JSON
        return result

    def raise_if_unusable(self) -> None:
        """Raise :class:`~planning._errors.InputDataError` (with this report) when not usable."""
        if not self.usable:
            raise InputDataError(self.format(), report=self)


def _rendered(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: render_params(v) if isinstance(v, str) else v for k, v in problem.items()}


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _first(values: Sequence[object], zh: bool) -> str:
    shown = ", ".join(str(v) for v in values[:_SHOW])
    extra = len(values) - _SHOW
    if extra > 0:
        shown += f" …（另有 {extra} 个）" if zh else f", … (+{extra} more)"
    return shown
