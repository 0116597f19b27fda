"""One vocabulary: the package's fixed words are defined once, in ``planning/vocabulary.py``.

The source of every other module is read with ``ast`` and searched for mappings that spell the
verdicts (达标/不达标) or the facility kinds' display names again.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from planning.vocabulary import (
    ESTATE_STATUSES,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    FACILITY_STATUSES,
    RULE_VERDICTS,
    UNITS,
    label,
)

PACKAGE = Path(__file__).resolve().parents[1] / "planning"
VOCABULARY = PACKAGE / "vocabulary.py"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _pairs(node: ast.AST) -> list[tuple[ast.AST | None, ast.AST]]:
    """Key/value nodes of a dict literal or a ``dict(key=value)`` call."""
    if isinstance(node, ast.Dict):
        return list(zip(node.keys, node.values, strict=True))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return [(ast.Constant(k.arg), k.value) for k in node.keywords if k.arg]
    return []


def _is_display_name(value: ast.AST) -> bool:
    """A Chinese name: a text with Chinese characters, or a ``(中文, English)`` pair.

    Longer tuples of synonyms (:data:`planning.schema.KIND_SYNONYMS`, what a cell may say) are
    not display names.
    """
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return bool(_CJK.search(value.value))
    if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == 2:
        first = value.elts[0]
        return isinstance(first, ast.Constant) and bool(_CJK.search(str(first.value)))
    return False


def duplicates(source: str) -> list[str]:
    """Describe the mappings in ``source`` that repeat the vocabulary's words."""
    found = []
    for node in ast.walk(ast.parse(source)):
        pairs = _pairs(node)
        if not pairs:
            continue
        words = {word for text in _strings(node) for word in text.split()}
        if {"达标", "不达标"} <= words:
            found.append(f"line {node.lineno}: pass/fail words 达标/不达标")
        for key, value in pairs:
            if (
                isinstance(key, ast.Constant)
                and key.value == "community_station"
                and _is_display_name(value)
            ):
                found.append(f"line {node.lineno}: a Chinese name of community_station")
    return found


def test_the_detector_finds_the_old_duplicates() -> None:
    # What planning/cli/console.py, audit/output.py and maps/labels.py used to hold.
    assert duplicates('VERDICT_WORDS = {"pass": "PASS 达标", "fail": "FAIL 不达标"}')
    assert duplicates('x = {"pass": "达标", "fail": "不达标", "report": "仅报告"}[v]')
    assert duplicates('_TEXT = {"pass": ("达标", "pass"), "fail": ("不达标", "fail")}')
    assert duplicates('KINDS = {"community_station": ("社区养老服务站", "Community station")}')
    assert duplicates('KINDS = dict(community_station="社区养老服务站")')
    # Column titles that merely contain the words, and synonym lists, are something else.
    assert not duplicates('C = {"area_ok": ("面积达标", "ok"), "bad": ("面积不达标小区数", "n")}')
    assert not duplicates('S = {"community_station": ("社区养老服务站", "日间照料中心", "托老所")}')


@pytest.mark.parametrize(
    "path", sorted(p for p in PACKAGE.rglob("*.py") if p != VOCABULARY), ids=lambda p: str(p)
)
def test_no_module_repeats_the_vocabulary(path: Path) -> None:
    found = duplicates(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(PACKAGE.parent)}: use planning.vocabulary ({found})"


def test_the_vocabulary_itself_holds_the_words() -> None:
    text = VOCABULARY.read_text(encoding="utf-8")
    assert duplicates(text)  # the one place they are written
    assert label(RULE_VERDICTS, "fail", "zh") == "不达标"
    assert label(FACILITY_KINDS, "community_station", "en") == "Community station / day care"


def test_outputs_take_their_words_from_the_vocabulary() -> None:
    from planning.cli.console import VERDICT_WORDS
    from planning.maps.labels import text
    from planning.review.output import labels
    from planning.sample.output import ESTATE_STATUS_ZH

    assert VERDICT_WORDS["fail"] == "FAIL 不达标"
    assert VERDICT_WORDS["no_data"] == "no data 无数据"
    assert labels("zh")["existing"] == ESTATE_STATUSES["existing"][0] == "既有"
    assert labels("en")["report"] == RULE_VERDICTS["report"][1]
    assert text("planned", "zh") == FACILITY_STATUSES["planned"][0] == "规划"
    assert text("evidence_memory", "en") == EVIDENCE_LEVELS["memory"][1] == "unverified"
    assert text("status_new", "zh") == "新建"
    assert ESTATE_STATUS_ZH == {"new": "新建", "existing": "既有"}
    assert UNITS["m2_per_100hh"] == ("㎡/百户", "m² per 100 households")
