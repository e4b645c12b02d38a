"""Fictional people for the demo organisation: members, bondholders, solar-roof participants and newsletter
subscribers, some of whose relations ended and some of whose consent records are missing, so that the
retention sweeps and the 30-day rule have something to show. Every name, address and number is made up;
e-mail addresses are at voorbeeld.nl and bank accounts at the non-existent bank DEMO."""

import random
import unicodedata
from datetime import date, timedelta

from django.utils import timezone

from .models import DataSubject, Organisation, ProcessingActivity, Relation

PEOPLE = 300
FIRST_NAMES = [
    "Anna", "Bas", "Daan", "Emma", "Eva", "Femke", "Gerrit", "Hanneke", "Henk", "Ilse", "Jan", "Joost",
    "Julia", "Karin", "Kees", "Lars", "Lieke", "Lotte", "Maarten", "Marieke", "Mohammed", "Noor", "Pieter",
    "Priya", "Ruud", "Sanne", "Sem", "Sophie", "Thijs", "Tim", "Wilma", "Yusuf",
]  # fmt: skip
LAST_NAMES = [
    "Bakker", "Bos", "Brouwer", "de Boer", "de Graaf", "de Groot", "de Jong", "de Vries", "Dekker", "Hendriks",
    "Jansen", "Kok", "Meijer", "Mulder", "Peters", "Postma", "Smit", "Smits", "van Dam", "van den Berg",
    "van der Meer", "van Dijk", "van Leeuwen", "Visser", "Vos", "Willems", "Yilmaz",
]  # fmt: skip
STREETS = [
    "Beukenlaan", "Dorpsstraat", "Eikenlaan", "Esdoornstraat", "Heideweg", "Kerkweg", "Lindelaan", "Molenstraat",
    "Schoolstraat", "Wilgenhof", "Zonneweg", "Zuiderhof",
]  # fmt: skip
CITIES = [("Zonnedael", "7399"), ("Zonnedael", "7398"), ("Heidebroek", "7397"), ("Oosterzand", "7396")]
NOTES = ["Wil de stukken voor de ledenvergadering per post.", "Vrijwilliger bij de zonnedag.", "Lid via de buurtactie."]
# Which share of the members joins each further activity, by reference.
SHARES = {"1.3": 0.25, "2.1": 0.2, "5.1": 0.4}
CONSENT_HOW = "Aanmeldformulier op de website, bevestigd per e-mail"
CONSENT_EVIDENCE = "Aanmeldlog bij MailStroom"


def demo_subjects(organisation: Organisation) -> int:
    """Create the demo people once; a second run, or an organisation that already has subjects, adds nothing."""
    if DataSubject.objects.filter(organisation=organisation).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 - fictional data, not security
    today = timezone.localdate()
    activities = ProcessingActivity.objects.filter(organisation=organisation, reference__in=["1.1", *SHARES])
    activities = {activity.reference: activity for activity in activities}
    people = [_person(rng, organisation, number) for number in range(1, PEOPLE + 1)]
    subjects = DataSubject.objects.bulk_create(subject for subject, _ in people)
    relations = []
    for subject, joined in zip(subjects, (joined for _, joined in people), strict=True):
        relations += _relations(rng, subject, joined, activities, today)
    Relation.objects.bulk_create(relations)
    return len(subjects)


def _person(rng: random.Random, organisation: Organisation, number: int) -> tuple[DataSubject, set[str]]:
    """A fictional person and the further activities they take part in."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, postcode_digits = rng.choice(CITIES)
    joined = {reference for reference, share in SHARES.items() if rng.random() < share}
    attributes = {"Lidnummer": f"ZD-{1000 + number}"}
    if "2.1" in joined:
        attributes["EAN-code aansluiting"] = "871687" + "".join(rng.choices("0123456789", k=12))
    if "1.3" in joined:
        attributes["Inleg"] = f"€ {rng.choice([250, 500, 1000, 2500])}"
    subject = DataSubject(
        organisation=organisation,
        name=f"{first} {last}",
        email=f"{_ascii(first)}.{_ascii(last)}.{number}@voorbeeld.nl",
        phone=f"06-0000{rng.randint(0, 9999):04d}" if rng.random() < 0.7 else "",
        street_address=f"{rng.choice(STREETS)} {rng.randint(1, 140)}",
        postal_code=f"{postcode_digits} {rng.choice('ABCEGHKLMNPRTXZ')}{rng.choice('ABCEGHKLMNPRTXZ')}",
        city=city,
        date_of_birth=date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.8
        else None,
        iban=_iban(rng) if "1.3" in joined else "",
        notes=rng.choice(NOTES) if rng.random() < 0.1 else "",
        attributes=attributes,
    )
    return subject, joined


def _relations(rng, subject, joined, activities, today) -> list[Relation]:
    """Membership for everyone (one in ten ended), the further activities for some."""
    relations = []
    for reference in ["1.1", *sorted(joined)]:
        activity = activities.get(reference)
        if activity is None:
            continue  # the FG may have renumbered or removed it
        started_on = today - timedelta(days=rng.randint(20, 3650))
        ended_on = _ended_on(rng, started_on, today) if rng.random() < 0.1 else None
        relation = Relation(subject=subject, activity=activity, started_on=started_on, ended_on=ended_on)
        if activity.legal_basis == ProcessingActivity.LegalBasis.CONSENT:
            _consent(rng, relation)
        relations.append(relation)
    return relations


def _ended_on(rng: random.Random, started_on: date, today: date) -> date:
    return started_on + timedelta(days=rng.randint(0, (today - started_on).days - 1))


def _consent(rng: random.Random, relation: Relation) -> None:
    """Most consent records are there; about one in eight is missing, recent ones and overdue ones alike."""
    if rng.random() < 0.125:
        return
    relation.consent_given_on = relation.started_on
    relation.consent_how = CONSENT_HOW
    relation.consent_evidence = CONSENT_EVIDENCE
    if relation.ended_on:
        relation.consent_withdrawn_on = relation.ended_on


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def _iban(rng: random.Random) -> str:
    """A Dutch-format IBAN with valid check digits at a bank code no bank has."""
    account = "".join(rng.choices("0123456789", k=10))
    digits = "".join(str(int(char, 36)) for char in f"DEMO{account}NL00")
    return f"NL{98 - int(digits) % 97:02d}DEMO{account}"
