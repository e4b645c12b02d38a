"""The public privacy statement (art. 13 and 14 GDPR), generated from the register: /privacy/<slug>/ and its PDF."""

import html
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from register import privacy_views
from register.models import DataCategory, ProcessingActivity, Processor, Recipient, RetentionRule, SubjectCategory
from register.privacy_statement import answer_within_words, retention_rule_sentence
from tests.factories import ActivityFactory, DataCategoryFactory, OrganisationFactory, RetentionRuleFactory, UserFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MARCH = datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)
NOVEMBER = datetime(2026, 11, 24, 9, 30, tzinfo=AMSTERDAM)
Basis = ProcessingActivity.LegalBasis
NOTHING_LEAVES_THE_EEA = "We do not pass your data on to countries outside the European Economic Area (EEA)."


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(MARCH, tick=False)
    return time_machine


def page(client, organisation, language="en") -> str:
    """The statement's text, tags stripped and white space squeezed, in `language` (the switch's cookie)."""
    return text_of(page_html(client, organisation, language))


def page_html(client, organisation, language="en") -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("privacy:statement", args=[organisation.slug]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(markup: str) -> str:
    inline_dropped = re.sub(r"</?(strong|a|span)\b[^>]*>", "", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline_dropped)).split())


def section(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def activity(organisation, **fields) -> ProcessingActivity:
    """An active controller activity without lists or rules unless a test adds them."""
    return ActivityFactory(organisation=organisation, complete=False, **fields)


def rule(**fields) -> RetentionRule:
    return RetentionRuleFactory.build(**fields)


# Each section shows its data


def test_controller_and_data_protection_officer(client, organisation):
    organisation.name = "Energiecoöperatie Zonnedael"
    organisation.address = "Dorpsstraat 1\n1234 AB Zonnedael"
    organisation.kvk_number = "12345678"
    organisation.contact_email = "info@zonnedael.example"
    organisation.contact_phone = "020 123 45 67"
    organisation.dpo_name = "Fenna de Graaf"
    organisation.dpo_email = "fg@zonnedael.example"
    organisation.save()

    text = page(client, organisation)
    markup = page_html(client, organisation)

    assert "Privacy statement of Energiecoöperatie Zonnedael" in text
    assert "Energiecoöperatie Zonnedael is responsible for the use of your personal data" in text
    assert "Dorpsstraat 1<br>1234 AB Zonnedael" in markup
    for fact in ("12345678", "020 123 45 67", "Fenna de Graaf"):
        assert fact in text
    assert 'href="mailto:info@zonnedael.example"' in markup
    assert 'href="mailto:fg@zonnedael.example"' in markup


def test_without_a_data_protection_officer_the_paragraph_is_left_out(client):
    organisation = OrganisationFactory(dpo_name="", dpo_email="")
    assert "Our data protection officer" not in page(client, organisation)


def test_purposes_by_group_in_reference_order(client, organisation):
    activity(organisation, reference="2.1", group="Financiën", name="Facturen versturen")
    activity(organisation, reference="1.10", group="Leden", name="Nieuwsbrief")
    activity(organisation, reference="1.2", group="Leden", name="Ledenadministratie", purposes="Leden bijhouden")
    activity(organisation, reference="3.1", group="", name="Websitebezoek")

    text = page(client, organisation)

    order = ["Leden", "Ledenadministratie", "Leden bijhouden", "Nieuwsbrief", "Financiën", "Facturen versturen"]
    positions = [text.index(item, text.index("What we use your data for For each")) for item in order]
    assert positions == sorted(positions)
    assert text.index("Other purposes") < text.index("Websitebezoek")


def test_a_register_without_groups_shows_no_group_headings(client, organisation):
    activity(organisation, group="", name="Klantcontact")
    markup = page_html(client, organisation)
    assert "Other purposes" not in markup
    assert "<h3>Klantcontact</h3>" in markup


def test_data_subjects_and_data_of_each_purpose(client, organisation):
    entry = activity(organisation, name="Ledenadministratie")
    entry.subject_categories.add(SubjectCategory.objects.create(organisation=organisation, name="Leden"))
    entry.data_categories.add(
        DataCategoryFactory(organisation=organisation, name="Naam"),
        DataCategoryFactory(organisation=organisation, name="IBAN"),
    )
    text = page(client, organisation)
    assert "About whom Leden" in text
    assert "Which data IBAN, Naam" in text


def test_legal_basis_in_plain_words_with_the_legitimate_interest_spelled_out(client, organisation):
    activity(
        organisation,
        name="Huurincasso",
        legal_basis=Basis.LEGITIMATE_INTERESTS,
        legal_basis_explanation="Belang: betaling van de huur. Afweging: beperkt nadeel voor de huurder.",
    )
    activity(organisation, name="Belastingaangifte", legal_basis=Basis.LEGAL_OBLIGATION, legal_basis_explanation="AWR")
    activity(organisation, name="Nieuwsbrief", legal_basis=Basis.CONSENT)

    text = page(client, organisation)

    assert (
        "We have a legitimate interest in this. We have weighed it against your interests and privacy. "
        "Legal basis: legitimate interests (art. 6(1)(f)) Our interest and how we weighed it: "
        "Belang: betaling van de huur. Afweging: beperkt nadeel voor de huurder."
    ) in text
    assert (
        "The law requires us to process these data. Legal basis: legal obligation (art. 6(1)(c)) The law: AWR"
    ) in text
    assert "You have given us your consent. You can withdraw it at any time." in text


def test_recipients_and_processors_but_not_internal_roles(client, organisation):
    entry = activity(organisation, name="Ledenadministratie")
    entry.recipients.add(
        Recipient.objects.create(organisation=organisation, name="Belastingdienst", kind=Recipient.Kind.AUTHORITY),
        Recipient.objects.create(organisation=organisation, name="Mailingbureau", country="US"),
        Recipient.objects.create(organisation=organisation, name="Penningmeester", kind=Recipient.Kind.INTERNAL),
    )
    entry.processors.add(
        Processor.objects.create(organisation=organisation, name="LedenPortaal B.V.", service="ledenadministratie")
    )
    activity(organisation, name="Verjaardagskalender", purposes="Felicitaties", legal_basis="")

    text = page(client, organisation)

    assert "Who receives the data Belastingdienst, Mailingbureau (US)" in text
    assert "Penningmeester" not in text
    assert "Who processes the data for us LedenPortaal B.V., for ledenadministratie" in text
    assert "Verjaardagskalender Felicitaties Who receives" not in text  # nothing recorded, nothing claimed


def test_transfers_outside_the_eea_with_their_safeguards(client, organisation):
    activity(
        organisation,
        name="Nieuwsbrief",
        third_country_transfers="Verenigde Staten (MailChimp)",
        transfer_safeguards="EU-VS Data Privacy Framework",
    )
    text = page(client, organisation)
    assert (
        "Outside the European Economic Area Verenigde Staten (MailChimp) "
        "How we protect the data there: EU-VS Data Privacy Framework"
    ) in text
    assert NOTHING_LEAVES_THE_EEA not in text


def test_without_transfers_the_statement_says_so(client, organisation):
    entry = activity(organisation)
    entry.recipients.add(Recipient.objects.create(organisation=organisation, name="Bank", country="BE"))
    entry.processors.add(Processor.objects.create(organisation=organisation, name="Hosting", country="NO"))
    assert NOTHING_LEAVES_THE_EEA in page(client, organisation)


def test_a_recipient_outside_the_eea_keeps_the_statement_from_saying_nothing_leaves(client, organisation):
    entry = activity(organisation)
    entry.processors.add(Processor.objects.create(organisation=organisation, name="Mailservice", country="US"))
    text = page(client, organisation)
    assert "Mailservice (US)" in text
    assert NOTHING_LEAVES_THE_EEA not in text


@pytest.mark.parametrize(
    ("fields", "kept", "sentence"),
    [
        (
            {},
            [],
            "We keep them until 2 years after the relation with us ends. Then we erase them.",
        ),
        (
            {"period": 7, "trigger": "financial_year_end", "ground": "statutory", "law": "art. 52 AWR"},
            [],
            "We keep them until 7 years after the end of the financial year. Then we erase them. "
            "The law sets this period (art. 52 AWR).",
        ),
        (
            {"period": 1, "action": "minimise"},
            ["Naam", "Adres", "E-mailadres"],
            "We keep them until 1 year after the relation with us ends. "
            "Then we keep only: naam, adres and e-mailadres.",
        ),
        (
            {"period": 12, "unit": "months", "trigger": "collection", "action": "anonymise"},
            [],
            "We keep them until 12 months after we collected them. "
            "Then we make them anonymous, so they can no longer be traced to you.",
        ),
        (
            {"period": 0, "unit": "days"},
            [],
            "We keep them until the relation with us ends. Then we erase them.",
        ),
        (
            {"period": 2, "trigger": "last_contact", "action": "minimise"},
            [],
            "We keep them until 2 years after our last contact with you. Then we keep only what is still needed.",
        ),
        (
            {"period": 30, "unit": "days", "trigger": "request_closed", "ground": "statutory"},
            [],
            "We keep them until 30 days after your request has been handled. Then we erase them. "
            "The law sets this period.",
        ),
    ],
)
def test_retention_rules_in_plain_words(fields, kept, sentence):
    with translation.override("en"):
        assert retention_rule_sentence(rule=rule(**fields), kept=kept) == sentence


def test_retention_of_each_purpose_from_its_rules_or_else_as_written(client, organisation):
    minimised = activity(organisation, name="Ledenadministratie")
    RetentionRuleFactory(activity=minimised, period=1, action="minimise").keep_categories.add(
        DataCategoryFactory(organisation=organisation, name="Naam")
    )
    RetentionRuleFactory(activity=minimised, period=7, trigger="financial_year_end", ground="statutory", law="AWR")
    activity(organisation, name="Bezoekregistratie", retention_text="Vier weken na het bezoek.")
    with_both = activity(organisation, name="Nieuwsbrief", retention_text="Wordt niet getoond.")
    RetentionRuleFactory(activity=with_both, period=0, unit="days")

    text = page(client, organisation)

    assert (
        "How long we keep the data We keep them until 1 year after the relation with us ends. Then we keep only: naam. "
        "We keep them until 7 years after the end of the financial year. Then we erase them. "
        "The law sets this period (AWR)."
    ) in text
    assert "How long we keep the data Vier weken na het bezoek." in text
    assert "We keep them until the relation with us ends. Then we erase them." in text
    assert "Wordt niet getoond" not in text


def test_special_criminal_and_bsn_data_with_the_exception(client, organisation):
    care = activity(organisation, name="Cliëntdossier", special_category_exception="h")
    care.data_categories.add(
        DataCategoryFactory(organisation=organisation, name="Gezondheid", kind=DataCategory.Kind.SPECIAL),
        DataCategoryFactory(organisation=organisation, name="BSN", kind=DataCategory.Kind.NATIONAL_ID),
        DataCategoryFactory(organisation=organisation, name="Naam"),
    )
    screening = activity(organisation, name="Screening")
    screening.data_categories.add(
        DataCategoryFactory(organisation=organisation, name="Strafblad", kind=DataCategory.Kind.CRIMINAL)
    )
    activity(organisation, name="Nieuwsbrief").data_categories.add(DataCategory.objects.get(name="Naam"))

    text = page(client, organisation)
    sensitive = section(text, "Special and sensitive personal data Some", "Must you give us your data?")

    assert (
        "Cliëntdossier: BSN (citizen service number (BSN, art. 46 UAVG)), Gezondheid (special category (art. 9 GDPR)). "
        "The law allows this because of: health or social care (art. 9(2)(h))."
    ) in sensitive
    assert "Screening: Strafblad (criminal data (art. 10 GDPR))." in sensitive
    assert "Nieuwsbrief" not in sensitive


def test_without_sensitive_data_or_sources_those_sections_are_left_out(client, organisation):
    activity(organisation)
    markup = page_html(client, organisation)
    assert 'id="sensitive"' not in markup
    assert 'id="sources"' not in markup
    assert 'href="#sensitive"' not in markup


def test_sources_of_data_not_from_the_person(client, organisation):
    entry = activity(organisation, name="Woningtoewijzing", source="Entree, waar u zich als woningzoekende inschrijft")
    entry.data_categories.add(DataCategoryFactory(organisation=organisation, name="Inkomen"))
    activity(organisation, name="Ledenadministratie", source="")

    text = page(client, organisation)
    sources = section(text, "Data we receive from others Sometimes", "Must you give us your data?")

    assert "Woningtoewijzing: Entree, waar u zich als woningzoekende inschrijft Which data: Inkomen." in sources
    assert "Ledenadministratie" not in sources


def test_automated_decisions_and_their_logic(client, organisation):
    activity(
        organisation,
        name="Betalingsherinneringen",
        automated_decision_making=True,
        automated_decision_logic="Na 14 dagen zonder betaling volgt automatisch een herinnering.",
    )
    text = page(client, organisation)
    assert "Betalingsherinneringen: Na 14 dagen zonder betaling volgt automatisch een herinnering." in text
    assert "You may ask for a person to look at such a decision again." in text
    assert "have a person, not only a computer, decide about you" in text


def test_without_automated_decisions_the_statement_says_so(client, organisation):
    activity(organisation)
    text = page(client, organisation)
    assert "We do not take decisions about you by computer alone, without a person being involved." in text
    assert "have a person, not only a computer, decide about you" not in text


def test_rights_link_to_the_request_portal_with_the_answer_time(client, organisation):
    activity(organisation, name="Huurincasso", legal_basis=Basis.LEGITIMATE_INTERESTS)
    activity(organisation, name="Nieuwsbrief", legal_basis=Basis.CONSENT)
    markup = page_html(client, organisation)
    text = text_of(markup)

    assert f'href="{reverse("requests_portal:form", args=[organisation.slug])}"' in markup
    assert f"/verzoek/{organisation.slug}/" in markup
    assert "We answer within four weeks. The law gives us at most one month." in text
    assert "we may take 2 months longer" in text
    assert "object to the use of your data for: Huurincasso (objection)" in text
    assert "withdraw your consent for: Nieuwsbrief." in text
    assert "(portability)" in text
    assert "we first ask you to confirm your e-mail address" in text


def test_the_organisations_own_answer_time_and_id_rule(client):
    organisation = OrganisationFactory(request_answer_weeks=3, asks_id_copy=True, complaint_answer_days=10)
    activity(organisation, legal_basis=Basis.LEGAL_OBLIGATION)
    text = page(client, organisation)
    assert "We answer within three weeks." in text
    assert "We answer a complaint within 10 days." in text
    assert "make your photo, the strip of numbers at the bottom (MRZ), the document number" in text
    for right in ("(objection)", "withdraw your consent", "(portability)"):
        assert right not in text


def test_answer_time_in_words():
    with translation.override("en"):
        assert answer_within_words(weeks=1) == "one week"
        assert answer_within_words(weeks=4) == "four weeks"
        assert answer_within_words(weeks=12) == "12 weeks"


def test_complaint_to_the_autoriteit_persoonsgegevens(client, organisation):
    markup = page_html(client, organisation)
    assert f'href="{organisation.supervisor_complaint_url}"' in markup
    assert "autoriteitpersoonsgegevens.nl" in organisation.supervisor_complaint_url
    assert "complain to the Autoriteit Persoonsgegevens" in text_of(markup)


def test_cookie_paragraph_as_written_escaped_and_with_its_line_breaks(client, organisation):
    organisation.privacy_cookie_text = "Wij gebruiken alleen functionele cookies.\n\nGeen <script>tracking</script>."
    organisation.save()
    markup = page_html(client, organisation)
    assert 'href="#cookies"' in markup
    assert "<p>Wij gebruiken alleen functionele cookies.</p>" in markup
    assert "<p>Geen &lt;script&gt;tracking&lt;/script&gt;.</p>" in markup
    assert "<script>" not in markup


def test_without_a_cookie_paragraph_the_section_is_left_out(client, organisation):
    markup = page_html(client, organisation)
    assert 'id="cookies"' not in markup
    assert 'href="#cookies"' not in markup


# What appears, and since when


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ProcessingActivity.Status.DRAFT},
        {"status": ProcessingActivity.Status.ENDED},
        {"role": ProcessingActivity.Role.PROCESSOR, "controller_name": "Gemeente Heumen"},
    ],
)
def test_drafts_ended_and_processor_activities_never_appear(client, organisation, fields):
    activity(organisation, name="Zichtbare verwerking")
    activity(
        organisation,
        name="Verborgen verwerking",
        purposes="Verborgen doel",
        source="Verborgen bron",
        automated_decision_making=True,
        legal_basis=Basis.CONSENT,
        **fields,
    )
    text = page(client, organisation)
    assert "Zichtbare verwerking" in text
    assert "Verborgen" not in text
    assert "withdraw your consent" not in text


def test_only_the_organisations_own_register(client, organisation):
    activity(organisation, name="Eigen verwerking")
    activity(OrganisationFactory(), name="Verwerking van een ander")
    text = page(client, organisation)
    assert "Eigen verwerking" in text
    assert "Verwerking van een ander" not in text


def test_a_register_change_shows_and_moves_last_changed(client, frozen):
    organisation = OrganisationFactory()
    entry = activity(organisation, name="Ledenadministratie", purposes="Leden bijhouden")
    assert "Last changed on 2 March 2026." in page(client, organisation)

    frozen.move_to(NOVEMBER, tick=False)
    entry.recipients.add(Recipient.objects.create(organisation=organisation, name="Drukkerij De Pers"))
    text = page(client, organisation)
    assert "Drukkerij De Pers" in text
    assert "Last changed on 24 November 2026." in text
    assert "Last changed on 2 March 2026." not in text

    frozen.move_to(datetime(2026, 11, 25, 8, 0, tzinfo=AMSTERDAM), tick=False)
    entry.purposes = "Leden en donateurs bijhouden"
    entry.save()
    text = page(client, organisation)
    assert "Leden en donateurs bijhouden" in text
    assert "Last changed on 25 November 2026." in text


def test_a_rule_or_a_renamed_category_moves_last_changed(client, frozen):
    organisation = OrganisationFactory()
    entry = activity(organisation)
    category = DataCategoryFactory(organisation=organisation, name="Adres")
    entry.data_categories.add(category)

    frozen.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=AMSTERDAM), tick=False)
    RetentionRuleFactory(activity=entry)
    assert "Last changed on 1 June 2026." in page(client, organisation)

    frozen.move_to(datetime(2026, 7, 1, 12, 0, tzinfo=AMSTERDAM), tick=False)
    category.name = "Woonadres"
    category.save()
    text = page(client, organisation)
    assert "Woonadres" in text
    assert "Last changed on 1 July 2026." in text


def test_an_ended_activity_leaves_and_moves_last_changed(client, frozen):
    organisation = OrganisationFactory()
    activity(organisation, name="Blijft")
    leaving = activity(organisation, name="Stopt")

    frozen.move_to(NOVEMBER, tick=False)
    leaving.status = ProcessingActivity.Status.ENDED
    leaving.save()
    text = page(client, organisation)
    assert "Stopt" not in text
    assert "Last changed on 24 November 2026." in text


def test_changes_the_statement_does_not_show_leave_last_changed_alone(client, frozen):
    organisation = OrganisationFactory()
    activity(organisation)
    draft = activity(organisation, status=ProcessingActivity.Status.DRAFT)

    frozen.move_to(NOVEMBER, tick=False)
    organisation.members.add(UserFactory())
    organisation.retention_needs_approval = True
    organisation.save()
    draft.name = "Nog niet in gebruik"
    draft.save()

    assert "Last changed on 2 March 2026." in page(client, organisation)

    organisation.privacy_cookie_text = "Geen cookies."
    organisation.save()
    assert "Last changed on 24 November 2026." in page(client, organisation)


# Languages, PDF, errors, queries


def test_dutch_by_default_and_english_with_the_language_switch(client, organisation):
    activity(organisation)
    dutch = page_html(client, organisation, language="nl")
    assert '<html lang="nl">' in dutch

    english = page_html(client, organisation, language="en")
    assert '<html lang="en">' in english
    for heading in ("Contents", "Who we are", "What we use your data for", "Your rights", "Complaints"):
        assert f">{heading}</" in english


def test_the_page_links_to_its_pdf(client, organisation):
    markup = page_html(client, organisation)
    assert f'href="{reverse("privacy:pdf", args=[organisation.slug])}"' in markup


def test_pdf_contains_the_purposes(client, organisation):
    activity(organisation, group="Leden", name="Ledenadministratie", purposes="Contributie innen")
    activity(organisation, group="Financiën", name="Facturen versturen")
    client.cookies["django_language"] = "en"

    response = client.get(reverse("privacy:pdf", args=[organisation.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in (organisation.name, "Ledenadministratie", "Contributie innen", "Facturen versturen", "Your rights"):
        assert expected in text
    assert f"/verzoek/{organisation.slug}/" in text.replace(" ", "")  # the address may wrap


def test_the_pdf_is_rendered_once_per_version_of_the_statement(client, frozen, monkeypatch):
    organisation = OrganisationFactory()
    renders = []
    monkeypatch.setattr(privacy_views, "pdf_render", lambda **kwargs: renders.append(kwargs) or b"%PDF")
    entry = activity(organisation)
    url = reverse("privacy:pdf", args=[organisation.slug])

    client.get(url)
    response = client.get(url)
    assert len(renders) == 1
    assert response.content == b"%PDF"
    assert response["Content-Disposition"] == f'inline; filename="privacy-{organisation.slug}.pdf"'

    frozen.move_to(NOVEMBER, tick=False)
    entry.purposes = "Een ander doel"
    entry.save()
    client.get(url)
    client.cookies["django_language"] = "en"
    client.get(url)
    assert len(renders) == 3


def test_unknown_organisation_is_404(client):
    assert client.get(reverse("privacy:statement", args=["bestaat-niet"])).status_code == 404
    assert client.get(reverse("privacy:pdf", args=["bestaat-niet"])).status_code == 404


def test_the_statement_is_public(client, organisation):
    response = client.get(reverse("privacy:statement", args=[organisation.slug]))
    assert response.status_code == 200
    assert "noindex" not in response.headers.get("X-Robots-Tag", "")


def _register(organisation, count: int) -> None:
    """`count` activities, each with every list the statement shows and a minimising rule."""
    recipient = Recipient.objects.create(organisation=organisation, name="Belastingdienst")
    processor = Processor.objects.create(organisation=organisation, name="LedenPortaal")
    subjects = SubjectCategory.objects.create(organisation=organisation, name="Leden")
    data = DataCategoryFactory(organisation=organisation, name="Gezondheid", kind=DataCategory.Kind.SPECIAL)
    for number in range(count):
        entry = activity(organisation, group=f"Groep {number % 3}", source="Gemeente", automated_decision_making=True)
        entry.recipients.add(recipient)
        entry.processors.add(processor)
        entry.subject_categories.add(subjects)
        entry.data_categories.add(data)
        RetentionRuleFactory(activity=entry, action="minimise").keep_categories.add(data)


@pytest.mark.parametrize("count", [2, 20])
def test_queries_do_not_grow_with_the_register(client, organisation, django_assert_max_num_queries, count):
    _register(organisation, count)
    url = reverse("privacy:statement", args=[organisation.slug])
    client.get(url)  # warm the content-type and translation caches

    # A savepoint and its release (ATOMIC_REQUESTS) around: 1 organisation; 2 activities;
    # 3-6 their subject categories, data categories, recipients, processors;
    # 7 their retention rules; 8 the categories the rules keep; 9 the organisation's history;
    # 10 the newest history of activities, rules and the lists they name (one query of subqueries);
    # 11 whether every processor named has a valid processing agreement.
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.content.decode().count('class="purpose"') == count


def test_the_request_portal_links_to_the_statement(client, organisation):
    statement = reverse("privacy:statement", args=[organisation.slug])
    assert statement in client.get(reverse("requests_portal:index")).content.decode()
    assert statement in client.get(reverse("requests_portal:form", args=[organisation.slug])).content.decode()


@pytest.mark.parametrize(("name", "reads"), [("E-mailadres", "e-mailadres"), ("BSN", "BSN"), ("IBAN", "IBAN")])
def test_a_category_name_inside_a_sentence_loses_its_capital_but_an_abbreviation_keeps_it(name, reads):
    from register.privacy_statement import in_sentence

    assert in_sentence(name) == reads


def test_whether_people_must_give_their_data_follows_the_legal_basis(client, organisation):
    """Art. 13(2)(e): a contract needs the data, the law requires them, consent leaves it to the person."""
    activity(organisation, name="Huurcontract", legal_basis=Basis.CONTRACT)
    activity(organisation, name="Belastingaangifte", legal_basis=Basis.LEGAL_OBLIGATION)
    activity(organisation, name="Nieuwsbrief", legal_basis=Basis.CONSENT)
    activity(organisation, name="Cameratoezicht", legal_basis=Basis.LEGITIMATE_INTERESTS)
    text = page(client, organisation)
    provision = section(text, "Must you give us your data? For", "Decisions made by a computer")
    assert "agreement with you. Without them we cannot do so: Huurcontract" in provision
    assert "the law obliges us to have your data: Belastingaangifte" in provision
    assert "we do not use them for it, and nothing else changes for you: Nieuwsbrief" in provision
    assert "Cameratoezicht" not in provision


def test_security_lists_the_registers_measures_once_and_the_processors_agreements(client, organisation, frozen):
    hoster = Processor.objects.create(organisation=organisation, name="Hoster")
    first = activity(organisation, name="Leden", security_measures="Versleutelde opslag")
    activity(organisation, name="Nieuwsbrief", security_measures="Versleutelde opslag")
    activity(organisation, name="Facturen", security_measures="Twee-factor-authenticatie")
    first.processors.add(hoster)
    security = section(page(client, organisation), "How we protect your data We", "Your rights")
    assert security.count("Versleutelde opslag") == 1 and "Twee-factor-authenticatie" in security
    assert "signed a processing agreement" not in security  # the hoster has none
    hoster.agreements.create(signed_on=date(2025, 1, 1))
    security = section(page(client, organisation), "How we protect your data We", "Your rights")
    assert "signed a processing agreement" in security
