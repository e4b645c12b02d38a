"""The retention decision with plain data, at the exact boundaries (the day before and the day itself)."""

from datetime import date

import pytest

from retention.retention_rules import (
    CONSENT_KEEP,
    DEFAULT_RULE,
    NOTHING,
    Level,
    RelationFacts,
    Rule,
    rule_expires_on,
    subject_decision,
)

ERASE_2Y = Rule(period=2, unit="years", action="erase")
STATUTORY_7Y = Rule(period=7, unit="years", action="erase")


def ended(on: date, *rules: Rule, **extra) -> RelationFacts:
    return RelationFacts(started_on=date(2010, 1, 1), ended_on=on, rules=rules, **extra)


@pytest.mark.parametrize(
    ("rule", "ended_on", "expires_on"),
    [
        (ERASE_2Y, date(2022, 3, 15), date(2024, 3, 15)),
        (ERASE_2Y, date(2020, 2, 29), date(2022, 2, 28)),  # a leap day clamps to 28 February
        (Rule(period=1, unit="months"), date(2024, 1, 31), date(2024, 2, 29)),  # month end into a leap February
        (Rule(period=1, unit="months"), date(2023, 1, 31), date(2023, 2, 28)),
        (Rule(period=30, unit="days"), date(2024, 2, 1), date(2024, 3, 2)),
        (Rule(period=7, trigger="financial_year_end"), date(2017, 3, 1), date(2024, 12, 31)),
        (Rule(period=1, trigger="last_contact"), date(2023, 6, 30), date(2024, 6, 30)),
        (Rule(period=3, trigger="collection"), date(2023, 6, 30), date(2013, 1, 1)),  # started 1 Jan 2010
    ],
)
def test_rule_expires_on(rule, ended_on, expires_on):
    assert rule_expires_on(rule, date(2010, 1, 1), ended_on) == expires_on


def test_erase_is_due_on_the_day_the_period_ends_not_the_day_before():
    relation = ended(date(2022, 3, 15), ERASE_2Y)
    assert subject_decision([relation], date(2024, 3, 14)) == NOTHING
    decision = subject_decision([relation], date(2024, 3, 15))
    assert (decision.level, decision.since) == (Level.ERASE, date(2024, 3, 15))


def test_financial_year_end_runs_from_31_december():
    relation = ended(date(2017, 3, 1), Rule(period=7, trigger="financial_year_end"))
    assert subject_decision([relation], date(2024, 12, 30)) == NOTHING
    assert subject_decision([relation], date(2024, 12, 31)).level is Level.ERASE


def test_anonymise_and_minimise_rules():
    anonymise = ended(date(2023, 1, 1), Rule(period=1, action="anonymise"))
    assert subject_decision([anonymise], date(2024, 1, 1)).level is Level.ANONYMISE
    minimise = ended(date(2023, 1, 1), Rule(period=1, action="minimise", keep=frozenset({"Naam"})))
    decision = subject_decision([minimise], date(2024, 1, 1))
    assert (decision.level, decision.keep) == (Level.MINIMISE, frozenset({"Naam"}))


def test_without_a_rule_the_year_after_the_end_minimises_to_name_address_and_email():
    relation = ended(date(2023, 2, 28))
    assert subject_decision([relation], date(2024, 2, 27)) == NOTHING
    decision = subject_decision([relation], date(2024, 2, 28))
    assert (decision.level, decision.keep) == (Level.MINIMISE, DEFAULT_RULE.keep)
    assert decision.keep == {"Naam", "Adres", "E-mailadres"}


def test_the_last_relation_to_end_decides_when():
    early, late = ended(date(2020, 1, 1), ERASE_2Y), ended(date(2022, 6, 1), ERASE_2Y)
    assert subject_decision([early, late], date(2024, 5, 31)) == NOTHING
    assert subject_decision([early, late], date(2024, 6, 1)).since == date(2024, 6, 1)


def test_an_active_relation_keeps_everything():
    active = RelationFacts(started_on=date(2010, 1, 1), rules=(ERASE_2Y,))
    assert subject_decision([ended(date(2015, 1, 1), ERASE_2Y), active], date(2024, 1, 1)) == NOTHING


def test_a_statutory_period_beats_the_one_year_minimisation():
    relations = [ended(date(2022, 1, 1)), ended(date(2022, 1, 1), STATUTORY_7Y)]
    assert subject_decision(relations, date(2028, 12, 31)) == NOTHING
    assert subject_decision(relations, date(2029, 1, 1)).level is Level.MINIMISE  # the weaker of the two


def test_minimising_relations_keep_the_union_of_their_categories():
    name = ended(date(2022, 1, 1), Rule(period=1, action="minimise", keep=frozenset({"Naam"})))
    email = ended(date(2022, 1, 1), Rule(period=1, action="minimise", keep=frozenset({"E-mailadres"})))
    assert subject_decision([name, email], date(2023, 1, 1)).keep == {"Naam", "E-mailadres"}


def test_within_one_activity_the_rule_that_expired_last_governs():
    rules = (Rule(period=1, action="minimise", keep=frozenset({"Naam"})), STATUTORY_7Y)
    relation = ended(date(2015, 1, 1), *rules)
    assert subject_decision([relation], date(2016, 1, 1)).level is Level.MINIMISE
    assert subject_decision([relation], date(2021, 12, 31)).level is Level.MINIMISE
    assert subject_decision([relation], date(2022, 1, 1)).level is Level.ERASE


@pytest.mark.parametrize("block", [{"legal_hold": True}, {"restricted": True}])
def test_a_legal_hold_or_restriction_on_any_relation_stops_the_sweep(block):
    relations = [ended(date(2015, 1, 1), ERASE_2Y), ended(date(2015, 1, 1), ERASE_2Y, **block)]
    assert subject_decision(relations, date(2024, 1, 1)) == NOTHING


def test_an_open_request_stops_the_sweep():
    relation = ended(date(2015, 1, 1), ERASE_2Y)
    assert subject_decision([relation], date(2024, 1, 1), open_request=True) == NOTHING


def test_a_consent_record_missing_30_days_after_the_start_minimises_to_name_and_address():
    relation = RelationFacts(started_on=date(2024, 1, 31), consent_based=True)
    assert subject_decision([relation], date(2024, 2, 29)) == NOTHING  # day 29, in a leap year
    decision = subject_decision([relation], date(2024, 3, 1))
    assert (decision.level, decision.keep, decision.since) == (Level.MINIMISE, CONSENT_KEEP, date(2024, 3, 1))


def test_a_consent_record_given_or_not_needed_keeps_everything():
    given = RelationFacts(started_on=date(2024, 1, 1), consent_based=True, consent_given_on=date(2024, 2, 15))
    contract = RelationFacts(started_on=date(2024, 1, 1))
    assert subject_decision([given], date(2024, 6, 1)) == NOTHING
    assert subject_decision([contract], date(2024, 6, 1)) == NOTHING


def test_missing_consent_on_one_relation_does_not_touch_a_subject_another_relation_keeps():
    missing = RelationFacts(started_on=date(2024, 1, 1), consent_based=True)
    active = RelationFacts(started_on=date(2024, 1, 1))
    assert subject_decision([missing, active], date(2024, 6, 1)) == NOTHING


def test_the_consent_rule_and_an_erasure_rule_on_one_relation_take_the_more_reducing():
    relation = RelationFacts(
        started_on=date(2020, 1, 1), ended_on=date(2021, 1, 1), rules=(ERASE_2Y,), consent_based=True
    )
    assert subject_decision([relation], date(2022, 12, 31)).level is Level.MINIMISE
    assert subject_decision([relation], date(2023, 1, 1)).level is Level.ERASE


def test_withdrawn_consent_ends_a_relation_on_consent_even_without_an_end_date():
    withdrawn = RelationFacts(
        started_on=date(2010, 1, 1), rules=(ERASE_2Y,), consent_based=True,
        consent_given_on=date(2010, 1, 1), consent_withdrawn_on=date(2022, 3, 15),
    )  # fmt: skip
    assert subject_decision([withdrawn], date(2024, 3, 14)) == NOTHING
    assert subject_decision([withdrawn], date(2024, 3, 15)).level is Level.ERASE


def test_withdrawing_consent_ends_nothing_on_another_basis():
    contract = RelationFacts(started_on=date(2010, 1, 1), rules=(ERASE_2Y,), consent_withdrawn_on=date(2020, 1, 1))
    assert subject_decision([contract], date(2024, 3, 15)) == NOTHING


def test_no_relations_nothing_due():
    assert subject_decision([], date(2024, 1, 1)) == NOTHING
