"""Service-circle tiers as one audit measures them (本次审计的服务圈层级).

A ruleset's :class:`planning.rules.Tier` states minutes, GB 50180 metres and the facility kinds;
an audit turns it into a :class:`MeasuredTier` with the distance it actually measures (metres, or
minutes at the chosen walking speed) and the rule object behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from planning.rules import Rule, Ruleset
from planning.rules.records import CircleMeasure


@dataclass(frozen=True)
class MeasuredTier:
    """A service-circle tier with the walking distance this audit measures.

    Attributes
    ----------
    name : str
        ``5min``, ``10min`` or ``15min``.
    minutes : float
        Walking time of the tier.
    distance_m : float
        Walking-distance limit measured (GB 50180 metres, or minutes × speed).
    facility_kinds : tuple of str
        Facility kinds that serve the tier.
    rule : Rule or None
        The ``service_circle`` rule behind the tier.
    target_pct : float or None
        Required household coverage (%), None when the tier is report-only.
    """

    name: str
    minutes: float
    distance_m: float
    facility_kinds: tuple[str, ...]
    rule: Rule | None
    target_pct: float | None


def measured_tiers(
    ruleset: Ruleset, measure: CircleMeasure | None = None, walk_speed: float | None = None
) -> list[MeasuredTier]:
    """Return the ruleset's tiers with the distance an audit measures.

    Parameters
    ----------
    ruleset : Ruleset
        The jurisdiction's rules.
    measure : {"distance", "time"}, optional
        The ruleset's ``circle_measure`` when None.
    walk_speed : float, optional
        Walking speed (m/s) for ``measure="time"``; the ruleset's when None.

    Returns
    -------
    list of MeasuredTier

    Examples
    --------
    >>> from planning.rules import load_ruleset
    >>> [t.distance_m for t in measured_tiers(load_ruleset("national"))]
    [300.0, 500.0, 1000.0]
    """
    tiers = []
    for tier in ruleset.circle_tiers():
        distance = ruleset.circle_distance_m(tier, measure=measure, walk_speed=walk_speed)
        tiers.append(
            MeasuredTier(
                tier.name,
                tier.minutes,
                float(distance),
                tuple(tier.facility_kinds),
                ruleset.rule(tier.rule_id) if tier.rule_id else None,
                tier.target_pct,
            )
        )
    return tiers
