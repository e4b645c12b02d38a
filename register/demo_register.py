"""The structured half of the demo register, on top of the imported file: what an FG adds in the admin.
Everything is get-or-create, so a second run changes nothing; some gaps are left on purpose, so the
completeness check and the dashboard have something to show."""

from datetime import date, timedelta

from django.utils import timezone

from .importing import category_kind
from .models import (
    Authorisation,
    Breach,
    Control,
    DataCategory,
    Organisation,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    RetentionRule,
    SubjectCategory,
)
from .services import breach_save

PROCESSORS = [
    # (name, service, signed on, activities by reference)
    ("LedenPortaal B.V.", "Online ledenadministratie", date(2025, 12, 15), ["1.1", "1.2", "1.3", "1.4"]),
    ("MailStroom", "Verzenden van de nieuwsbrief", date(2026, 6, 1), ["5.1"]),
    ("Boekhoudpakket Online", "Financiële administratie", date(2026, 3, 1), ["3.1", "3.2", "3.3"]),
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
CONTROLS = [
    ("Verwerkersovereenkomsten jaarlijks opnieuw tekenen", 12, date(2025, 12, 10), date(2026, 12, 10)),
    ("Autorisatieregister controleren", 12, date(2026, 2, 1), date(2027, 2, 1)),
    ("Vrijwilligers vernietigen duplicaten van persoonsgegevens", 12, date(2025, 10, 1), date(2026, 10, 1)),
]


def demo_register_structure(organisation: Organisation) -> None:
    activities = {a.reference: a for a in ProcessingActivity.objects.filter(organisation=organisation)}
    _categories(organisation, activities)
    _processors(organisation, activities)
    _explanations(organisation)
    _retention(organisation, activities)
    for name, months, done, due in CONTROLS:
        Control.objects.get_or_create(
            organisation=organisation, name=name,
            defaults={"frequency_months": months, "last_done_on": done, "next_due_on": due},
        )  # fmt: skip
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
    for name, service, signed_on, references in PROCESSORS:
        processor, created = Processor.objects.get_or_create(
            organisation=organisation, name=name, defaults={"service": service}
        )
        if created:
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
    review = date(2027, 3, 1)
    activities.filter(next_review_on__isnull=True).exclude(reference__startswith="4.").update(
        last_reviewed_on=date(2026, 3, 1), next_review_on=review, security_measures="Tweestapsverificatie, "
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


def _authorisations(organisation, activities) -> None:
    for person, access in (("Fenna de Graaf", "Alle verwerkingen, als FG"), ("Sanne Visser", "Ledenadministratie")):
        authorisation, created = Authorisation.objects.get_or_create(
            organisation=organisation, person_name=person,
            defaults={"access_description": access, "approved_by": "Bestuur", "approved_on": date(2026, 2, 1),
                      "confidentiality_signed_on": date(2026, 2, 1), "next_review_on": date(2027, 2, 1)},
        )  # fmt: skip
        if created:
            authorisation.activities.add(*activities.values() if person.startswith("Fenna") else [activities["1.1"]])


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
