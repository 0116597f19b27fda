"""Which rules give a verdict and which only report their figure, and why (判定依据).

A plan's figure is a verdict (达标/不达标); a figure a plan never states is not. Each ruleset file
may say how strict it is with ``verdicts = …``, inherited by its children:

``all`` (a user file without a parent's policy)
    every rule with a minimum judges unless ``report_only = true``;
``verified`` (``national``)
    rules resting on recalled, unverified figures (evidence ``memory``) only report;
``own_plan`` (the city presets)
    only figures quoted from a plan (evidence ``plan``) or from a national standard (a
    ``standard`` document, evidence not ``memory``) judge; inherited defaults only report.

``report_only = true`` in a file always reports; ``report_only = false`` (with a citation when it
changes an inherited rule) always judges, so a user ruleset can still ask for a verdict. A rule
without a minimum, or needing data the model lacks (``params.evaluable = false``), only reports.
:func:`decide` returns the outcome with a code of :data:`planning.vocabulary.RULE_BASES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from planning.rules.records import Document, Rule


def decide(rule: Rule, policy: str, document: Callable[[str], Document | None]) -> tuple[bool, str]:
    """Return ``(report_only, basis)`` of a rule under a ruleset's ``verdicts`` policy.

    Parameters
    ----------
    rule : Rule
        The rule as the files define it (``report_only_given`` is what they said).
    policy : {"all", "verified", "own_plan"}
        The ruleset's policy.
    document : callable
        Finds a declared document by number or id (the cited one's status matters).

    Returns
    -------
    report_only, basis
        Whether the rule only reports, and why (a key of
        :data:`planning.vocabulary.RULE_BASES`).

    Examples
    --------
    >>> from planning.rules import load_ruleset
    >>> rs = load_ruleset("chaoyang")
    >>> decide(rs.rule("floor_area_new"), "own_plan", rs.document)
    (True, 'not_in_plan')
    >>> decide(rs.rule("floor_area_new"), "all", rs.document)
    (False, 'public_source')
    """
    if rule.minimum is None:
        return True, "no_figure"
    if not rule.evaluable:
        return True, "no_fields"
    if rule.report_only_given is True:
        return True, "marked"
    evidence = rule.citation.evidence
    cited = document(rule.citation.document)
    if evidence == "plan":
        return False, "plan"
    if cited is not None and cited.status == "standard" and evidence != "memory":
        return False, "standard"
    judged = "public_source" if evidence == "found" else "memory"
    if rule.report_only_given is False or policy == "all":
        return False, judged
    if policy == "own_plan":
        return True, "not_in_plan"
    return (True, "unverified") if evidence == "memory" else (False, judged)


def apply_policy(
    rules: Iterable[Rule], policy: str, document: Callable[[str], Document | None]
) -> tuple[Rule, ...]:
    """Return the rules with ``report_only`` and ``basis`` set by :func:`decide`."""
    decided = []
    for rule in rules:
        report_only, basis = decide(rule, policy, document)
        decided.append(replace(rule, report_only=report_only, basis=basis))
    return tuple(decided)
