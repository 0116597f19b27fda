"""Shared pieces of the new-estate review: verdict vocabulary, citations, estate origins."""

from __future__ import annotations

from typing import Literal

from planning.rules import Rule

#: Verdict of one check: meets the rule, fails it, or reported without a pass/fail judgement.
Verdict = Literal["pass", "fail", "report"]


def citation_dict(rule: Rule | None) -> dict[str, str]:
    """Return a rule's citation (依据) as plain strings; empty strings when there is no rule."""
    if rule is None:
        return {"document": "", "article": "", "quote_zh": "", "evidence": "", "note": ""}
    c = rule.citation
    return {
        "document": c.document,
        "article": c.article,
        "quote_zh": c.quote_zh,
        "evidence": c.evidence,
        "note": c.note,
    }
