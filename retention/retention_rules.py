"""The retention decision for one data subject: pure, no Django, so every boundary is tested with plain data.

1. Each relation yields a level: keep everything, minimise to named categories, anonymise or erase, and the day
   that level became due. An active relation keeps everything; an ended one follows the rule of its activity that
   expired last (none expired: keep everything). An activity without a rule follows seed 001 art. 8. A relation
   on consent ends when the consent is withdrawn (art. 7(3)), whatever its end date says.
2. A consent-based relation whose consent record is still missing 30 days after it started is minimised to name
   and address (seed 001 art. 10), ended or not; of that and its rule, the more reducing applies.
3. The subject gets the least reducing level of all its relations: the strongest retention wins, so a statutory
   seven-year rule on one relation keeps the subject whole until it expires. Minimising keeps what any relation
   at that level keeps.
4. A legal hold or a restriction on any relation, or an open request of the subject, stops everything.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from register.deadlines import add_months

NAME, ADDRESS, EMAIL = "Naam", "Adres", "E-mailadres"
CONSENT_GRACE = timedelta(days=30)
CONSENT_KEEP = frozenset({NAME, ADDRESS})


class Level(IntEnum):
    """How far the data are reduced; a higher level keeps less."""

    KEEP = 0
    MINIMISE = 1
    ANONYMISE = 2
    ERASE = 3


ACTION_LEVELS = {"minimise": Level.MINIMISE, "anonymise": Level.ANONYMISE, "erase": Level.ERASE}


@dataclass(frozen=True)
class Rule:
    """A RetentionRule as plain data; unit days, months or years, trigger as in RetentionRule.Trigger."""

    period: int
    unit: str = "years"
    trigger: str = "relation_end"
    action: str = "erase"
    keep: frozenset[str] = frozenset()


# Seed 001 art. 8: in the year after the last relation ends, the data are minimised to name, address and
# e-mail. Taken at the end of that year, the latest the article allows.
DEFAULT_RULE = Rule(period=12, unit="months", action="minimise", keep=frozenset({NAME, ADDRESS, EMAIL}))


class RelationFacts(NamedTuple):  # a tuple: a sweep builds one per relation, a hundred thousand a night
    started_on: date
    ended_on: date | None = None
    rules: tuple[Rule, ...] = ()
    consent_based: bool = False
    consent_given_on: date | None = None
    consent_withdrawn_on: date | None = None
    legal_hold: bool = False
    restricted: bool = False
    activity_id: int | None = None  # for the counts per activity; the decision does not use it


@dataclass(frozen=True)
class Decision:
    level: Level
    keep: frozenset[str] = frozenset()
    since: date | None = None

    @property
    def action(self) -> str:
        return self.level.name.lower()


NOTHING = Decision(Level.KEEP)


def rule_expires_on(rule: Rule, started_on: date, ended_on: date) -> date:
    """The day the rule's period is over and its action is due."""
    start = {
        "collection": started_on,
        "financial_year_end": date(ended_on.year, 12, 31),
    }.get(rule.trigger, ended_on)  # relation_end, last_contact (and request_closed, which a relation lacks)
    return _period_end(start, rule.period, rule.unit)


@lru_cache(maxsize=100_000)
def _period_end(start: date, period: int, unit: str) -> date:
    """Cached: a sweep asks this for every relation, and relations share their dates by the thousand."""
    if unit == "days":
        return start + timedelta(days=period)
    return add_months(start, period * (12 if unit == "years" else 1))


def relation_decision(relation: RelationFacts, today: date) -> Decision:
    by_rule = _by_rules(relation, today)
    by_consent = _by_consent(relation, today)
    return _more_reducing(by_rule, by_consent)


def subject_decision(relations: list[RelationFacts], today: date, *, open_request: bool = False) -> Decision:
    """What is due for a subject with these relations today; NOTHING when any of them keeps it whole."""
    if not relations or open_request or any(r.legal_hold or r.restricted for r in relations):
        return NOTHING
    decisions = [relation_decision(relation, today) for relation in relations]
    level = min(decision.level for decision in decisions)
    if level is Level.KEEP:
        return NOTHING
    keep = frozenset().union(*(d.keep for d in decisions if d.level is level)) if level is Level.MINIMISE else None
    return Decision(level, keep or frozenset(), max(d.since for d in decisions))


def relation_ended_on(relation: RelationFacts) -> date | None:
    withdrawn = relation.consent_withdrawn_on if relation.consent_based else None
    ends = [day for day in (relation.ended_on, withdrawn) if day is not None]
    return min(ends, default=None)


def _by_rules(relation: RelationFacts, today: date) -> Decision:
    ended_on = relation_ended_on(relation)
    if ended_on is None:
        return NOTHING
    expiries = [(rule_expires_on(rule, relation.started_on, ended_on), rule) for rule in relation.rules]
    expiries = expiries or [(rule_expires_on(DEFAULT_RULE, relation.started_on, ended_on), DEFAULT_RULE)]
    expired = [(day, rule) for day, rule in expiries if day <= today]
    if not expired:
        return NOTHING
    day, rule = max(expired, key=lambda pair: (pair[0], ACTION_LEVELS[pair[1].action]))
    return Decision(ACTION_LEVELS[rule.action], rule.keep if rule.action == "minimise" else frozenset(), day)


def _by_consent(relation: RelationFacts, today: date) -> Decision:
    due_on = relation.started_on + CONSENT_GRACE
    if not relation.consent_based or relation.consent_given_on is not None or today < due_on:
        return NOTHING
    return Decision(Level.MINIMISE, CONSENT_KEEP, due_on)


def _more_reducing(first: Decision, second: Decision) -> Decision:
    if second.level > first.level:
        return second
    if first.level is Level.MINIMISE and second.level is Level.MINIMISE:
        return Decision(Level.MINIMISE, first.keep & second.keep, max(first.since, second.since))
    return first
