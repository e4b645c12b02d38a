"""The structured half of the demo register, on top of the imported file: what an FG adds in the admin.
Everything is get-or-create, so a second run changes nothing; some gaps are left on purpose, so the
completeness check and the dashboard have something to show.

The demo also has a past: the register was set up in December of the year before last, and last calendar year
the FG reviewed it, added the energy-advice activities, renewed agreements, did (and once missed) the controls,
handled a breach and recorded deficiencies, so the yearly report of last year has something to show. Dates are
relative to today, and every history record carries the moment it describes (`_history_date`, or the setup
moved back in time by `demo_history_backdate`).
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .deadlines import AMSTERDAM
from .importing import category_kind
from .models import (
    Authorisation,
    Breach,
    Control,
    DataCategory,
    Deficiency,
    Organisation,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    Recipient,
    RetentionRule,
    SubjectCategory,
)
from .services import breach_save

PROCESSORS = [
    # (name, service, signed on (years back from this year, month, day), activities by reference); each
    # agreement is renewed yearly, so the one of a year before is there too.
    ("LedenPortaal B.V.", "Online ledenadministratie", (1, 12, 15), ["1.1", "1.2", "1.3", "1.4"]),
    ("MailStroom", "Verzenden van de nieuwsbrief", (0, 6, 1), ["5.1"]),
    ("Boekhoudpakket Online", "Financiële administratie", (0, 3, 1), ["3.1", "3.2", "3.3"]),
]
EXPLANATIONS = {
    "3.2": "Belang: betaling van geleverde diensten. Noodzakelijk: alleen openstaande posten. Afweging: "
    "beperkt nadeel voor de betrokkene, die met de factuur op de hoogte is.",
    "3.3": "Artikel 52 Algemene wet inzake rijksbelastingen en artikel 2:10 Burgerlijk Wetboek.",
    "1.5": "Artikel 10a Uitvoeringsbesluit inkomstenbelasting 2001 (renseignering van rente).",
}
CONSENT = {
    "5.1": "Aanmelding via het formulier op de website met dubbele bevestiging; afmelden via elke nieuwsbrief.",
    "5.2": "Cookiebanner; de keuze wordt twaalf maanden bewaard.",
}
# (reference, period, unit, runs from, action, ground, law, categories kept)
RETENTION = [
    ("1.1", 1, "years", "relation_end", "minimise", "policy", "", ["Naam", "Adres", "E-mailadres"]),
    ("3.3", 7, "years", "financial_year_end", "erase", "statutory", "art. 52 AWR", []),
    ("3.1", 7, "years", "financial_year_end", "erase", "statutory", "art. 52 AWR", []),
    ("5.1", 0, "days", "relation_end", "erase", "policy", "", []),
    ("1.2", 2, "years", "collection", "erase", "policy", "", []),
    ("1.3", 7, "years", "relation_end", "erase", "statutory", "art. 52 AWR", []),
    ("1.4", 7, "years", "financial_year_end", "erase", "statutory", "art. 52 AWR", []),
    ("1.5", 7, "years", "financial_year_end", "erase", "statutory", "art. 52 AWR", []),
    ("2.1", 1, "years", "relation_end", "minimise", "policy", "", ["Naam", "Adres", "E-mailadres"]),
    ("2.2", 7, "years", "financial_year_end", "erase", "statutory", "art. 52 AWR", []),
    ("2.3", 1, "years", "relation_end", "erase", "policy", "", []),
    ("3.2", 2, "years", "relation_end", "erase", "policy", "", []),
    ("5.2", 12, "months", "collection", "erase", "policy", "", []),
    ("5.3", 1, "years", "relation_end", "erase", "policy", "", []),
    ("5.4", 2, "years", "last_contact", "erase", "policy", "", []),
]
MEMBERS = ["Leden"]
NAW = ["Naam", "Adres", "E-mailadres"]
# reference: (categories of data subjects, categories of personal data); group 4 is left for the FG to finish.
CATEGORIES = {
    "1.1": (MEMBERS, [*NAW, "Telefoonnummer", "Lidnummer"]),
    "1.2": (MEMBERS, [*NAW, "Aanwezigheid en volmachten"]),
    "1.3": (["Obligatiehouders", "Participanten"], [*NAW, "Rekeningnummer (IBAN)", "Inleg"]),
    "1.4": (["Obligatiehouders", "Participanten"], ["Naam", "Rekeningnummer (IBAN)", "Uitbetaalde bedragen"]),
    "1.5": (["Obligatiehouders"], ["Naam", "Adres", "BSN", "Uitbetaalde bedragen"]),
    "2.1": (["Deelnemers zonnedak"], [*NAW, "EAN-code aansluiting"]),
    "2.2": (["Deelnemers zonnedak"], ["Naam", "EAN-code aansluiting", "Opbrengst"]),
    "2.3": (["Deelnemers zonnedak"], ["Naam", "Adres", "EAN-code aansluiting"]),
    "3.1": ([*MEMBERS, "Deelnemers zonnedak"], [*NAW, "Rekeningnummer (IBAN)", "Factuurgegevens"]),
    "3.2": ([*MEMBERS, "Deelnemers zonnedak"], [*NAW, "Openstaande bedragen"]),
    "3.3": ([*MEMBERS, "Leveranciers"], ["Naam", "Rekeningnummer (IBAN)", "Factuurgegevens"]),
    "5.1": (["Abonnees nieuwsbrief"], ["Naam", "E-mailadres"]),
    "5.2": (["Websitebezoekers"], ["IP-adres (ingekort)", "Cookie-ID"]),
    "5.3": (["Vrijwilligers"], [*NAW, "Telefoonnummer", "Taken en beschikbaarheid"]),
    "5.4": ([*MEMBERS, "Omwonenden"], [*NAW, "Inhoud van de klacht"]),
    "5.5": ([*MEMBERS, "Bezoekers van bijeenkomsten"], ["Foto's"]),
}
# (name, every so many months, its history: (day of the record, last done on, next due on), with years counted
# back from this year). Renewals and reviews on time; the volunteers' destruction, due in June last year, was
# done only in October: the missed control of last year's report (and overdue again now).
CONTROLS = [
    ("Verwerkersovereenkomsten jaarlijks opnieuw tekenen", 12, [
        ((2, 12, 10), (2, 12, 10), (1, 12, 10)),
        ((1, 12, 10), (1, 12, 10), (0, 12, 10)),
    ]),
    ("Autorisatieregister controleren", 12, [
        ((2, 12, 1), (2, 2, 1), (1, 2, 1)),
        ((1, 1, 30), (1, 1, 30), (0, 2, 1)),
        ((0, 2, 1), (0, 2, 1), (-1, 2, 1)),
    ]),
    ("Vrijwilligers vernietigen duplicaten van persoonsgegevens", 12, [
        ((2, 12, 1), (2, 6, 1), (1, 6, 1)),
        ((1, 10, 1), (1, 10, 1), (0, 10, 1)),
    ]),
]  # fmt: skip
# (person, access, activities by reference or all, revoked on); each approved when the register was set up and
# reviewed each winter, as the control 'Autorisatieregister controleren' asks.
AUTHORISATIONS = [
    ("Fenna de Graaf", "Alle verwerkingen, als FG", None, None),
    ("Sanne Visser", "Ledenadministratie", ["1.1"], None),
    ("Kees Bakker", "Financiële administratie, als penningmeester", ["3.1", "3.2", "3.3"], (1, 9, 1)),
]
SET_UP = (2, 12, 1)  # the register was set up on 1 December of the year before last
ENERGY_ADVICE_ADDED = (1, 9, 15)  # group 4, the new energy-advice project, was added last September


def day(years_back: int, month: int, day_of_month: int) -> date:
    """A day in the year `years_back` before this one."""
    return date(timezone.localdate().year - years_back, month, day_of_month)


def moment(on: date, hour: int = 10) -> datetime:
    """A time of day on `on` in Amsterdam, never later than now (a review planned for March, run in January)."""
    return min(datetime.combine(on, time(hour), tzinfo=AMSTERDAM), timezone.now())


def _record(instance, on: datetime, **values) -> None:
    """Save `instance` with these values as it was on `on`: its history record carries that moment."""
    for name, value in values.items():
        setattr(instance, name, value)
    instance._history_date = on
    instance.save()


def demo_register_structure(organisation: Organisation) -> None:
    activities = {a.reference: a for a in ProcessingActivity.objects.filter(organisation=organisation)}
    _categories(organisation, activities)
    _processors(organisation, activities)
    _explanations(organisation)
    _retention(organisation, activities)
    _controls(organisation)
    _authorisations(organisation, activities)
    _breach(organisation, activities)


def _categories(organisation, activities) -> None:
    for reference, (subjects, data) in CATEGORIES.items():
        activity = activities.get(reference)
        if activity is None or activity.data_categories.exists():
            continue
        activity.subject_categories.add(*(_named(SubjectCategory, organisation, name) for name in subjects))
        activity.data_categories.add(*(_named(DataCategory, organisation, name) for name in data))
        if not activity.purposes:
            activity.purposes = activity.description
            activity.save(update_fields=["purposes"])


def _named(model, organisation, name):
    defaults = {"kind": category_kind(name)} if model is DataCategory else {}
    return model.objects.get_or_create(organisation=organisation, name=name, defaults=defaults)[0]


def _processors(organisation, activities) -> None:
    for name, service, (years_back, month, day_of_month), references in PROCESSORS:
        processor, created = Processor.objects.get_or_create(
            organisation=organisation, name=name, defaults={"service": service}
        )
        if created:
            for signed_on in (day(years_back + 1, month, day_of_month), day(years_back, month, day_of_month)):
                ProcessingAgreement.objects.create(
                    processor=processor, signed_on=signed_on, valid_until=signed_on.replace(year=signed_on.year + 1)
                )
            processor.activities.add(*(activities[r] for r in references if r in activities))


def _explanations(organisation) -> None:
    activities = ProcessingActivity.objects.filter(organisation=organisation)
    for reference, text in EXPLANATIONS.items():
        activities.filter(reference=reference, legal_basis_explanation="").update(legal_basis_explanation=text)
    for reference, text in CONSENT.items():
        activities.filter(reference=reference, consent_mechanism="").update(consent_mechanism=text)
    activities.filter(next_review_on__isnull=True).exclude(reference__startswith="4.").update(
        last_reviewed_on=day(0, 3, 1), next_review_on=day(-1, 3, 1), security_measures="Tweestapsverificatie, "
        "versleutelde opslag, toegang alleen voor wie het voor de taak nodig heeft."
    )  # fmt: skip


def _retention(organisation, activities) -> None:
    for reference, period, unit, trigger, action, ground, law, kept in RETENTION:
        activity = activities.get(reference)
        if activity is None or activity.retention_rules.exists():
            continue
        rule = RetentionRule.objects.create(
            activity=activity, period=period, unit=unit, trigger=trigger, action=action, ground=ground, law=law
        )
        for name in kept:
            rule.keep_categories.add(_named(DataCategory, organisation, name))


def _controls(organisation) -> None:
    """Each control with its history, the last record being its state now."""
    for name, months, states in CONTROLS:
        if Control.objects.filter(organisation=organisation, name=name).exists():
            continue
        control = Control(organisation=organisation, name=name, frequency_months=months)
        for on, done, due in states:
            _record(control, moment(day(*on)), last_done_on=day(*done), next_due_on=day(*due))


def _authorisations(organisation, activities) -> None:
    """Approved at the set-up, reviewed last January and this February; one revoked last September."""
    set_up = day(*SET_UP)
    for person, access, references, revoked in AUTHORISATIONS:
        if Authorisation.objects.filter(organisation=organisation, person_name=person).exists():
            continue
        authorisation = Authorisation(
            organisation=organisation, person_name=person, access_description=access, approved_by="Bestuur",
            approved_on=set_up, confidentiality_signed_on=set_up,
        )  # fmt: skip
        _record(authorisation, moment(set_up), next_review_on=day(1, 2, 1))
        chosen = activities.values() if references is None else [activities[r] for r in references if r in activities]
        authorisation.activities.add(*chosen)
        _record(authorisation, moment(day(1, 1, 30)), last_reviewed_on=day(1, 1, 30), next_review_on=day(0, 2, 1))
        if revoked:
            _record(authorisation, moment(day(*revoked)), revoked_on=day(*revoked), next_review_on=None)
        else:
            _record(authorisation, moment(day(0, 2, 1)), last_reviewed_on=day(0, 2, 1), next_review_on=day(-1, 2, 1))


def _breach(organisation, activities) -> None:
    if Breach.objects.filter(organisation=organisation).exists():
        return
    breach = Breach(
        organisation=organisation,
        title="Ledenlijst naar verkeerde ontvanger gemaild",
        discovered_at=timezone.now() - timedelta(hours=30),
        description="Een vrijwilliger stuurde de presentielijst van de ledenvergadering naar een verkeerd adres.",
        confidentiality=True,
        subjects_affected=84,
        likely_consequences="Namen en e-mailadressen van leden bij één onbekende ontvanger.",
        measures_taken="Ontvanger gevraagd de e-mail te verwijderen; vrijwilligers opnieuw geïnstrueerd.",
        risk=Breach.Risk.RISK,
    )
    breach_save(breach=breach)
    breach.activities.add(activities["1.2"])


def demo_history_backdate(organisation: Organisation, *, since: datetime) -> None:
    """Move the history the demo wrote since `since` (the imported register, its categories, processors,
    agreements, retention rules, the organisation and its members) back to the set-up, keeping its order; the
    energy-advice activities to last September. What carries its own moment (controls, authorisations,
    breaches) is left alone."""
    set_up, added = moment(day(*SET_UP), hour=9), moment(day(*ENERGY_ADVICE_ADDED))
    scopes = [
        (Organisation, {"id": organisation.pk}),
        (DataCategory, {"organisation": organisation}),
        (SubjectCategory, {"organisation": organisation}),
        (Recipient, {"organisation": organisation}),
        (Processor, {"organisation": organisation}),
        (ProcessingAgreement, {"processor__organisation": organisation}),
        (ProcessingActivity, {"organisation": organisation}),
        (RetentionRule, {"activity__organisation": organisation}),
    ]
    for model, scope in scopes:
        history = model.history.model
        records = model.history.filter(history_date__gte=since, **scope)
        fields = ["history_id", "history_date", *(["reference"] if model is ProcessingActivity else [])]
        moved = []
        for pk, at, *reference in records.values_list(*fields):
            start = added if reference and reference[0].startswith("4.") else set_up
            moved.append(history(history_id=pk, history_date=start + (at - since)))
        history.objects.bulk_update(moved, ["history_date"], batch_size=500)


def demo_register_last_year(organisation: Organisation) -> None:
    """Last year in the register: the yearly review of the activities, a breach notified to the AP after 72 but
    within 120 hours, and two deficiencies with their measures. Once: an organisation with deficiencies has it."""
    if Deficiency.objects.filter(organisation=organisation).exists():
        return
    _reviews(organisation)
    breach = _breach_last_year(organisation)
    _deficiencies(organisation, breach)


def _reviews(organisation) -> None:
    """Reviewed in March last year and this year (the state now); the energy-advice activities not yet."""
    reviewed = ProcessingActivity.objects.filter(organisation=organisation, last_reviewed_on=day(0, 3, 1))
    for activity in reviewed.exclude(reference__startswith="4."):
        _record(activity, moment(day(1, 3, 3)), last_reviewed_on=day(1, 3, 3), next_review_on=day(0, 3, 1))
        _record(activity, moment(day(0, 3, 1)), last_reviewed_on=day(0, 3, 1), next_review_on=day(-1, 3, 1))


def _breach_last_year(organisation) -> Breach:
    discovered = moment(day(1, 4, 14), hour=9)
    notified = discovered + timedelta(hours=78)  # after the GDPR's 72 hours, within the organisation's 120
    breach = Breach(
        organisation=organisation,
        title="Deelnemerslijst zonnedak in gedeelde map",
        discovered_at=discovered,
        occurred_at=discovered - timedelta(days=3),
        description="De lijst met deelnemers aan het zonnedak, met EAN-codes, stond in een map die voor alle "
        "vrijwilligers te openen was, ook voor wie er niet aan werkt.",
        confidentiality=True,
        subjects_affected=46,
        records_affected=46,
        likely_consequences="Namen, adressen en EAN-codes bij vrijwilligers zonder taak in het project.",
        measures_taken="Map afgeschermd; toegang per project ingericht.",
        risk=Breach.Risk.RISK,
    )
    breach._history_date = discovered + timedelta(hours=1)
    breach_save(breach=breach)
    breach.activities.add(*ProcessingActivity.objects.filter(organisation=organisation, reference="2.1"))
    breach.notify_authority = True
    breach.notify_authority_reasoning = "EAN-codes met adressen: een risico voor de deelnemers."
    breach.authority_notified_at = notified
    breach.authority_reference = f"M{notified.year}-04817"
    breach.delay_reasons = "Eerst met de leverancier van de gedeelde map uitgezocht wie de lijst had geopend."
    breach.notify_subjects = False
    breach.notify_subjects_reasoning = "Geen hoog risico: alleen vrijwilligers met een geheimhoudingsverklaring."
    breach._history_date = notified
    breach_save(breach=breach)
    breach.closed_at = moment(day(1, 5, 2))
    breach._history_date = breach.closed_at
    breach_save(breach=breach)
    return breach


def _deficiencies(organisation, breach: Breach) -> None:
    volunteers = Control.objects.filter(organisation=organisation, name__startswith="Vrijwilligers").first()
    deficiency = Deficiency(
        organisation=organisation,
        found_on=day(1, 6, 2),
        description="Vrijwilligers hadden de duplicaten van de ledenlijst na de zonnedag niet op tijd vernietigd.",
        measure="Vernietigingsronde in de agenda van het bestuur; vrijwilligers opnieuw geïnstrueerd.",
        owner="Secretaris",
        due_on=day(1, 10, 1),
        control=volunteers,
    )
    _record(deficiency, moment(deficiency.found_on))
    _record(deficiency, moment(day(1, 10, 1)), resolved_on=day(1, 10, 1))
    deficiency = Deficiency(
        organisation=organisation,
        found_on=timezone.localdate(breach.discovered_at),
        description=f"Na het datalek '{breach.title}': mappen worden niet per project afgeschermd.",
        measure="Per project een eigen map, met toegang alleen voor wie eraan werkt; jaarlijks nagelopen.",
        owner="Bestuur",
        due_on=day(-1, 3, 1),
    )
    _record(deficiency, moment(deficiency.found_on, hour=16))
