import json
import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from register.lookups import Ids
from register.models import DataSubject, ProcessingActivity, Relation
from register.roles import DPO
from register.subjects import (
    ANONYMISED_NAME,
    subject_values,
    subjects_anonymise,
    subjects_erase,
    subjects_minimise,
)
from tests.conftest import require
from tests.factories import (
    ActivityFactory,
    DataSubjectFactory,
    OrganisationFactory,
    RelationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

History = DataSubject.history.model
RelationHistory = Relation.history.model


def token(label: str, length: int = 12) -> str:
    """A value that occurs nowhere else in the database."""
    return f"{label}{uuid.uuid4().hex[:length]}"


def database_dump() -> dict[str, list[str]]:
    """Every value of every row of every table, as text, by model: live tables, history, M2M tables and logs."""
    dump = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._base_manager.values_list()
        dump[model._meta.label] = [str(value) for row in rows for value in row]
    return dump


def rows_per_model() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models(include_auto_created=True)}


def found(values, dump) -> dict[str, list[str]]:
    """Which of `values` occur, inside any value, in which table."""
    hits = {}
    for label, texts in dump.items():
        present = [value for value in values if any(value in text for text in texts)]
        if present:
            hits[label] = present
    return hits


@pytest.fixture
def activity(organisation):
    return ActivityFactory(organisation=organisation, legal_basis=ProcessingActivity.LegalBasis.CONSENT)


@pytest.fixture
def person(organisation, activity, login):
    """A subject with a unique value in every field, filed through the admin (so the admin's log names it),
    edited four times (so history holds every version) and with two relations, one edited and one deleted."""
    fg = UserFactory(role=DPO, member_of=[organisation])
    values = {
        "name": token("Naam"),
        "email": f"{token('mail')}@voorbeeld.nl",
        "phone": token("tel"),
        "street_address": token("Straat"),
        "postal_code": token("pc", 8),
        "city": token("Plaats"),
        "date_of_birth": "1911-11-11",
        "iban": token("NL00DEMO"),
        "notes": token("Notitie"),
        "attributes": json.dumps(
            {"Lidnummer": token("lid"), "EAN-code aansluiting": [token("ean")], "Hobby": {"x": token("nested")}}
        ),
    }
    form = {
        "organisation": organisation.pk,
        **values,
        "relations-TOTAL_FORMS": "1",
        "relations-INITIAL_FORMS": "0",
        "relations-0-activity": activity.pk,
        "relations-0-started_on": "2020-01-01",
        "relations-0-consent_given_on": "2020-01-01",
        "relations-0-consent_how": "webformulier",
        "relations-0-consent_evidence": token("Bewijs"),
    }
    response = login(fg).post(reverse("admin:register_datasubject_add"), form, follow=True)
    assert DataSubject.objects.filter(email=values["email"]).exists(), response.context["errors"]
    subject = DataSubject.objects.get(email=values["email"])
    originals = [*subject_values(subject), form["relations-0-consent_evidence"]]
    for field in ("name", "phone", "notes", "iban"):
        setattr(subject, field, token(field))
        subject.save()
        originals.append(getattr(subject, field))
    relation = subject.relations.get()
    relation.consent_evidence = token("Bewijs")
    relation.save()
    originals.append(relation.consent_evidence)
    gone = RelationFactory(subject=subject, activity=activity, consent_evidence=token("Oud"))
    originals.append(gone.consent_evidence)
    gone.delete()
    assert History.objects.filter(id=subject.pk).count() == 5
    assert LogEntry.objects.filter(object_repr=values["name"]).exists()
    return subject, originals


@pytest.fixture
def bystander(organisation, activity):
    """Someone else of the same organisation, who must come through untouched."""
    subject = DataSubjectFactory(organisation=organisation, name=token("Buur"), phone=token("tel"))
    RelationFactory(subject=subject, activity=activity, consent_evidence=token("Bewijs"))
    subject.save()
    return subject, subject_values(subject) + [subject.relations.get().consent_evidence]


def test_the_dump_covers_every_table():
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    assert set(connection.introspection.table_names()) - tables <= {"django_migrations"}


def test_erasure_leaves_no_trace_in_any_table(person, bystander):
    subject, originals = person
    assert found(originals, database_dump())  # the dump would see them

    assert subjects_erase(subjects=DataSubject.objects.filter(pk=subject.pk)) == 1

    assert found(originals, database_dump()) == {}
    assert not History.objects.filter(id=subject.pk).exists()
    assert not RelationHistory.objects.filter(subject_id=subject.pk).exists()
    assert LogEntry.objects.filter(object_id=str(subject.pk)).get().object_repr == f"#{subject.pk}"
    other, other_values = bystander
    assert set(found(other_values, database_dump())) >= {"register.DataSubject", "register.Relation"}
    assert History.objects.filter(id=other.pk).count() == 2


def test_erasure_unlinks_the_subjects_requests(organisation):
    from tests.factories import SubjectRequestFactory

    subject = DataSubjectFactory(organisation=organisation)
    request = SubjectRequestFactory(organisation=organisation, subject=subject)
    subjects_erase(subjects=DataSubject.objects.filter(pk=subject.pk))
    request.refresh_from_db()
    assert request.subject is None


def test_anonymising_keeps_the_rows_and_no_original_value(person, bystander):
    subject, originals = person
    before = rows_per_model()

    assert subjects_anonymise(subjects=DataSubject.objects.filter(pk=subject.pk)) == 1

    assert found(originals, database_dump()) == {}
    assert rows_per_model() == before
    subject.refresh_from_db()
    assert subject.name == ANONYMISED_NAME and subject.attributes == {} and subject.date_of_birth is None
    assert subject.anonymised_at is not None
    assert subject.relations.get().consent_how == "webformulier"  # how, not who: kept for statistics
    assert set(History.objects.filter(id=subject.pk).values_list("name", flat=True)) == {ANONYMISED_NAME}
    assert subject_values(subject) == []
    _, other_values = bystander
    assert "register.DataSubject" in found(other_values, database_dump())


def test_minimising_keeps_only_the_named_categories_in_table_and_history(person):
    subject, _ = person
    subject.refresh_from_db()
    kept = {"name": subject.name, "street_address": subject.street_address, "email": subject.email}
    kept_attribute = subject.attributes["Lidnummer"]
    versions = list(History.objects.filter(id=subject.pk).values_list("name", flat=True))
    dropped = [subject.phone, subject.iban, subject.notes, "1911-11-11", subject.attributes["EAN-code aansluiting"][0]]
    dropped += list(History.objects.filter(id=subject.pk).values_list("phone", flat=True))
    before = rows_per_model()

    keep = {"naam", "ADRES", "E-mailadres", "lidnummer"}  # case does not matter
    assert subjects_minimise(subjects=DataSubject.objects.filter(pk=subject.pk), keep=keep) == 1

    subject.refresh_from_db()
    assert {field: getattr(subject, field) for field in kept} == kept
    assert subject.city and subject.postal_code
    assert subject.attributes == {"Lidnummer": kept_attribute}
    assert (subject.phone, subject.iban, subject.notes, subject.date_of_birth) == ("", "", "", None)
    assert list(History.objects.filter(id=subject.pk).values_list("name", flat=True)) == versions
    assert set(History.objects.filter(id=subject.pk).values_list("phone", "iban", "notes", "date_of_birth")) == {
        ("", "", "", None)
    }
    assert found([value for value in dropped if value], database_dump()) == {}
    assert rows_per_model() == before
    assert subject.anonymised_at is None


def test_minimising_away_the_name_takes_it_out_of_the_admin_log_too(person):
    subject, _ = person
    name = subject.history.earliest().name
    subjects_minimise(subjects=DataSubject.objects.filter(pk=subject.pk), keep=["Adres"])
    subject.refresh_from_db()
    assert (subject.name, subject.email) == (ANONYMISED_NAME, "")
    assert found([name], database_dump()) == {}


def test_subject_values_are_the_personal_values_as_text():
    subject = DataSubject(
        name="Jan Jansen",
        email="jan@voorbeeld.nl",
        city="Zonnedael",
        date_of_birth=date(1980, 5, 1),
        attributes={"Lidnummer": 1042, "Panelen": [{"EAN": "871687000000000001"}], "Actief": True},
    )
    assert subject_values(subject) == [
        "Jan Jansen",
        "Zonnedael",
        "jan@voorbeeld.nl",
        "1980-05-01",
        "01-05-1980",
        "1042",
        "871687000000000001",
    ]


def copy_into_history(model) -> None:
    """A '+' record in history for every row of `model`, in one INSERT ... SELECT (bulk_create is too slow here)."""
    history = model.history.model
    columns = ", ".join(connection.ops.quote_name(field.column) for field in model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({columns}, history_date, history_type) "  # noqa: S608
            f"SELECT {columns}, CURRENT_TIMESTAMP, '+' FROM {model._meta.db_table}"
        )


@pytest.fixture
def crowd(organisation, activity):
    """20,000 subjects, each with further data, a relation and a historical copy of both: two chunks."""
    DataSubject.objects.bulk_create(
        DataSubject(organisation=organisation, name=f"Lid {n}", phone="06-00000000", attributes={"Lidnummer": n})
        for n in range(20_000)
    )
    subjects = DataSubject.objects.filter(organisation=organisation)
    Relation.objects.bulk_create(
        Relation(subject_id=pk, activity=activity, started_on=date(2020, 1, 1))
        for pk in subjects.values_list("pk", flat=True)
    )
    copy_into_history(DataSubject)
    copy_into_history(Relation)
    return subjects


def test_one_call_on_20000_subjects_is_a_handful_of_queries_per_chunk(crowd, django_assert_max_num_queries):
    ContentType.objects.get_for_model(DataSubject)  # warm the cache, as any running process has it

    # Per chunk of 10,000: a savepoint and its release, the chunk's ids; blanking the fields in table and
    # history; reading the further data of both and writing it back, one UPDATE as all end up alike ({}).
    # A third read of ids finds none and ends the walk.
    with django_assert_max_num_queries(2 * 9 + 3):
        assert subjects_minimise(subjects=crowd, keep=["Naam"]) == 20_000
    assert not History.objects.exclude(phone="", attributes={}).exists()

    # Per chunk: savepoint, ids, table, history, relations, their history, the admin log, release.
    with django_assert_max_num_queries(2 * 8 + 3):
        assert subjects_anonymise(subjects=crowd) == 20_000
    assert set(History.objects.values_list("name", flat=True)) == {ANONYMISED_NAME}

    # Per chunk: savepoint, ids, the two histories, the admin log, unlinking requests, relations, subjects, release.
    with django_assert_max_num_queries(2 * 9 + 3):
        assert subjects_erase(subjects=crowd) == 20_000
    assert not (History.objects.exists() or RelationHistory.objects.exists() or Relation.objects.exists())


def test_the_walk_takes_every_subject_once_even_when_the_filter_changes_under_it(organisation, monkeypatch):
    monkeypatch.setattr("register.subjects.CHUNK_SIZE", 10)
    DataSubject.objects.bulk_create(DataSubject(organisation=organisation, name=f"Lid {n}") for n in range(25))
    assert subjects_anonymise(subjects=DataSubject.objects.filter(anonymised_at__isnull=True)) == 25
    assert not DataSubject.objects.exclude(name=ANONYMISED_NAME).exists()


def test_given_ids_the_walk_acts_on_them_without_selecting_them_again(crowd, django_assert_max_num_queries):
    ids = list(crowd.values_list("pk", flat=True))
    ContentType.objects.get_for_model(DataSubject)
    # Per chunk: savepoint, the two histories, the admin log, unlinking requests, relations, subjects, release.
    with django_assert_max_num_queries(2 * 8):
        assert subjects_erase(subjects=ids) == 20_000
    assert not DataSubject.objects.exists()


def test_a_list_of_ids_is_one_parameter_on_postgresql(organisation):
    """`any_of` sends 10,000 ids as one array; `__in` would write and quote a placeholder for each."""
    require(connection.vendor == "postgresql", "PostgreSQL is needed (set DATABASE_URL)")
    subject = DataSubject.objects.create(organisation=organisation, name="Lid")
    queryset = DataSubject.objects.filter(pk__any_of=[subject.pk, *range(-9_999, 0)])
    sql, params = queryset.query.sql_with_params()
    assert "= ANY(%s)" in sql and len(params) == 1
    assert queryset.count() == 1
    # Wrapped in Ids, the keys go as one array literal, without Django resolving each of them.
    queryset = DataSubject.objects.filter(pk__any_of=Ids([subject.pk, *range(-9_999, 0)]))
    sql, params = queryset.query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and params == ("{" + ",".join(map(str, [subject.pk, *range(-9_999, 0)])) + "}",)
    assert list(queryset) == [subject]


def test_nothing_to_do_is_one_query(organisation, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # savepoint, the empty list of ids, release
        assert subjects_erase(subjects=DataSubject.objects.none()) == 0


def test_the_demo_people_are_fictional_deterministic_and_created_once(organisation):
    from django.utils import timezone

    from register.demo_subjects import demo_subjects

    ActivityFactory(organisation=organisation, reference="1.1")
    newsletter = ActivityFactory(organisation=organisation, reference="5.1", legal_basis="consent")
    assert demo_subjects(organisation) == 300
    assert demo_subjects(organisation) == 0

    subjects = DataSubject.objects.filter(organisation=organisation)
    assert not subjects.exclude(email__endswith="@voorbeeld.nl").exists()
    assert Relation.objects.filter(activity__reference="1.1").count() == 300  # 1.3 and 2.1 do not exist here
    assert Relation.objects.filter(ended_on__lt=timezone.localdate()).exists()
    consent = Relation.objects.filter(activity=newsletter)
    missing = consent.filter(consent_given_on__isnull=True)
    month_ago = timezone.localdate() - timedelta(days=30)
    assert consent.filter(consent_given_on__isnull=False).count() > missing.count() > 0
    assert missing.filter(started_on__lt=month_ago).exists()  # overdue under the 30-day rule

    other = OrganisationFactory()
    ActivityFactory(organisation=other, reference="1.1")
    demo_subjects(other)
    again = DataSubject.objects.filter(organisation=other)
    fields = ("name", "email", "iban", "attributes")
    assert list(again.order_by("pk").values_list(*fields)) == list(subjects.order_by("pk").values_list(*fields))
    ibans = [iban for iban in subjects.values_list("iban", flat=True) if iban]
    assert ibans and all(_iban_checks(iban) for iban in ibans)


def _iban_checks(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1
