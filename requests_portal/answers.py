"""The answer to an access (art. 15) or portability (art. 20) request: the access package.

`access_package_create` takes a snapshot of everything the organisation holds on the request's data subject and,
for every activity the subject has a relation with, the information of art. 15(1)(a)-(h) from the register. The
snapshot is a dict, written once in the requester's language, stored as encrypted JSON (`storage.py`) and never
rebuilt: the package shows what was held on the day it was made, whatever changes later. `access_package_render`
turns it into a PDF for a person, JSON for a machine (portability) and CSV; `access_package_download` serves it
until it expires and logs every download.
"""

import csv
import io
import json
from datetime import date, datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import DateField, DateTimeField, Prefetch
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from register.exporting import (
    CSV_CONTENT_TYPE,
    CSV_DELIMITER,
    FORMULA_START,
    PDF_CONTENT_TYPE,
    retention_rule_words,
)
from register.models import DataSubject, ProcessingActivity, Relation, RetentionRule
from register.pdf import pdf_render
from register.selectors import reference_key

from .models import AccessPackage, PackageDownload, SubjectRequest
from .storage import private_file_delete, private_file_read, private_file_save

PACKAGE_DAYS = 30
SCHEMA = "verwerkingsregister/access-package/1"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("pdf", "json", "csv")
Basis = ProcessingActivity.LegalBasis
# The key and the organisation frame the package; the further data (attributes) get a section of their own.
SUBJECT_FIELDS_LEFT_OUT = {"id", "organisation", "attributes"}
RELATION_FIELDS = ["started_on", "ended_on", "consent_given_on", "consent_how", "consent_withdrawn_on"]
RELATION_FLAGS = ["restricted", "objected"]


class PackageExpired(Exception):
    """The package may no longer be downloaded; the requester can ask again."""


# Creating the package


def access_package_create(*, request: SubjectRequest, now: datetime) -> AccessPackage:
    """Snapshot, encrypt and store what is held on the subject; replaces an earlier package of the request."""
    with translation.override(request.requester_language):
        snapshot = access_snapshot(request=request, now=now)
        content = json.dumps(snapshot, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    stored_name = private_file_save(content)
    # The row of an earlier package is kept and updated, so the log of its downloads stays.
    package = AccessPackage.objects.filter(request=request).first() or AccessPackage(request=request)
    earlier = package.stored_name
    package.created_at, package.expires_at = now, now + timedelta(days=PACKAGE_DAYS)
    package.stored_name = stored_name
    package.save()
    if earlier:
        # After the commit: should the caller's transaction fail, the row still names the earlier file.
        transaction.on_commit(lambda: private_file_delete(earlier))
    return package


def access_snapshot(*, request: SubjectRequest, now: datetime) -> dict:
    """Everything the package says, as plain JSON types, in the active language."""
    organisation = request.organisation
    subject = request.subject
    relations = _relations(subject) if subject else []
    return {
        "schema": SCHEMA,
        "language": translation.get_language(),
        "created_at": now,
        "organisation": {
            "name": organisation.name,
            "kvk_number": organisation.kvk_number,
            "address": organisation.address,
            "contact_email": organisation.contact_email,
            "contact_phone": organisation.contact_phone,
            "dpo_name": organisation.dpo_name,
            "dpo_email": organisation.dpo_email,
        },
        "request": {
            "reference": request.reference,
            "kind": request.kind,
            "kind_label": request.get_kind_display(),
            "received_at": request.received_at,
        },
        "found": subject is not None,
        "subject": _subject_data(subject) if subject else None,
        "activities": [_activity_information(relation) for relation in relations],
        "rights": _rights(organisation.supervisor_complaint_url),
    }


def _relations(subject: DataSubject) -> list[Relation]:
    """The subject's relations with their activities and everything listed on them: six queries in all."""
    rules = RetentionRule.objects.order_by("pk").prefetch_related("keep_categories")
    relations = (
        subject.relations.select_related("activity")
        .prefetch_related(
            "activity__data_categories",
            "activity__recipients",
            "activity__processors",
            Prefetch("activity__retention_rules", rules),
        )
        .order_by("started_on", "pk")
    )
    return sorted(relations, key=lambda relation: reference_key(relation.activity.reference))


def _subject_data(subject: DataSubject) -> dict:
    fields = [f for f in DataSubject._meta.concrete_fields if f.name not in SUBJECT_FIELDS_LEFT_OUT]
    return {
        "fields": {f.name: f.value_from_object(subject) for f in fields},
        "labels": {f.name: str(capfirst(f.verbose_name)) for f in fields},
        "attributes": subject.attributes or {},
    }


def _activity_information(relation: Relation) -> dict:
    """Art. 15(1)(a)-(h) for one activity, and what the relation itself records."""
    activity = relation.activity
    rules = list(activity.retention_rules.all())
    return {
        "reference": activity.reference,
        "name": activity.name,
        "group": activity.group,
        "description": activity.description,
        "controller_name": activity.controller_name,
        "purposes": activity.purposes,
        "legal_basis": activity.legal_basis,
        "legal_basis_label": activity.get_legal_basis_display(),
        "legal_basis_explanation": activity.legal_basis_explanation,
        "data_categories": [
            {"name": c.name, "kind": c.kind, "kind_label": c.get_kind_display()} for c in activity.data_categories.all()
        ],
        "recipients": [
            {"name": r.name, "kind": r.kind, "kind_label": r.get_kind_display(), "country": r.country}
            for r in activity.recipients.all()
        ],
        "processors": [{"name": p.name, "service": p.service, "country": p.country} for p in activity.processors.all()],
        "third_country_transfers": activity.third_country_transfers,
        "transfer_safeguards": activity.transfer_safeguards,
        "retention": [retention_rule_words(r, [c.name for c in r.keep_categories.all()]) for r in rules]
        or ([activity.retention_text] if activity.retention_text else []),
        "source": activity.source,
        "automated_decision_making": activity.automated_decision_making,
        "automated_decision_logic": activity.automated_decision_logic,
        "relation": {name: getattr(relation, name) for name in RELATION_FIELDS + RELATION_FLAGS},
        "rights": _activity_rights(activity.legal_basis),
    }


def _activity_rights(basis: str) -> list[str]:
    """The rights that apply to one activity; access, rectification, erasure, restriction and complaint always do."""
    rights = ["rectification", "erasure", "restriction"]
    if basis in (Basis.LEGITIMATE_INTERESTS, Basis.PUBLIC_TASK):
        rights.append("objection")
    if basis in (Basis.CONSENT, Basis.CONTRACT):
        rights.append("portability")
    if basis == Basis.CONSENT:
        rights.append("withdraw_consent")
    return rights + ["complaint"]


def _rights(complaint_url: str) -> list[dict]:
    texts = {
        "rectification": gettext("Rectification (art. 16 GDPR): have incorrect data corrected or completed."),
        "erasure": gettext(
            "Erasure (art. 17 GDPR): have your data erased, unless a law obliges us to keep them for a while."
        ),
        "restriction": gettext(
            "Restriction (art. 18 GDPR): have the use of your data limited while, for example, their accuracy is "
            "checked."
        ),
        "objection": gettext(
            "Objection (art. 21 GDPR): object to processing based on a legitimate interest or a public task; we "
            "then stop unless there are compelling grounds."
        ),
        "portability": gettext(
            "Data portability (art. 20 GDPR): receive the data you gave us, where we process them on the basis of "
            "consent or a contract, in a machine-readable form (the JSON or CSV file of this package), or have them "
            "sent to another organisation."
        ),
        "withdraw_consent": gettext(
            "Withdrawal of consent (art. 7(3) GDPR): withdraw your consent at any time; this does not affect what "
            "was done before."
        ),
        "complaint": gettext(
            "Complaint (art. 77 GDPR): you may complain to the Autoriteit Persoonsgegevens, the Dutch supervisory "
            "authority, at %(url)s."
        )
        % {"url": complaint_url},
    }
    return [
        {"code": code, "text": text, **({"url": complaint_url} if code == "complaint" else {})}
        for code, text in texts.items()
    ]


# Rendering and downloading


def access_package_render(*, package: AccessPackage, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the package as pdf, json or csv."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown package format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    raw = private_file_read(package.stored_name)
    snapshot = json.loads(raw)
    filename = f"{snapshot['request']['reference']}.{fmt}"
    if fmt == "json":
        return raw, JSON_CONTENT_TYPE, filename
    with translation.override(snapshot["language"]):
        if fmt == "csv":
            return _to_csv(snapshot), CSV_CONTENT_TYPE, filename
        return _to_pdf(snapshot), PDF_CONTENT_TYPE, filename


def access_package_download(*, package: AccessPackage, fmt: str, now: datetime) -> tuple[bytes, str, str]:
    """The package as `fmt`, logged; `PackageExpired` once `expires_at` has passed (that moment itself still counts)."""
    if now > package.expires_at:
        raise PackageExpired(
            gettext("This answer was available until %(moment)s.")
            % {"moment": formats.date_format(timezone.localtime(package.expires_at), "j F Y, H:i")}
        )
    rendered = access_package_render(package=package, fmt=fmt)
    PackageDownload.objects.create(package=package, at=now, format=fmt)
    return rendered


# One row per held field and per item of information: the CSV and the PDF read the same lines.


def package_lines(snapshot: dict) -> list[tuple[str, str, str]]:
    """(category, field, value) for every held value and every item of information per activity."""
    if snapshot["found"]:
        lines = _personal_lines(snapshot["subject"])
    else:
        lines = [(gettext("Personal data"), gettext("Result"), _not_found_text())]
    for activity in snapshot["activities"]:
        heading = f"{activity['reference']} {activity['name']}"
        lines += [(heading, label, value) for label, value in _activity_items(activity) if value]
    names = _right_names()
    return lines + [(gettext("Your rights"), names[right["code"]], right["text"]) for right in snapshot["rights"]]


def _personal_lines(subject: dict) -> list[tuple[str, str, str]]:
    lines = [
        (gettext("Personal data"), subject["labels"][name], _field_text(name, value))
        for name, value in subject["fields"].items()
        if value not in (None, "")
    ]
    return lines + [(gettext("Further data"), key, _text(value)) for key, value in subject["attributes"].items()]


def _field_text(name: str, value) -> str:
    if isinstance(DataSubject._meta.get_field(name), DateField | DateTimeField):
        return _date_text(value)
    return _text(value)


def _activity_items(activity: dict) -> list[tuple[str, str]]:
    """(label, text) of the art. 15(1) items of one activity, in the order of the article."""
    relation = activity["relation"]
    recipients = [f"{r['name']} ({r['kind_label']}, {r['country']})" for r in activity["recipients"]]
    processors = [f"{p['name']} ({gettext('processor')}, {p['country']})" for p in activity["processors"]]
    transfers = activity["third_country_transfers"]
    if transfers and activity["transfer_safeguards"]:
        transfers = gettext("%(transfers)s; safeguards: %(safeguards)s") % {
            "transfers": transfers,
            "safeguards": activity["transfer_safeguards"],
        }
    return [
        (gettext("Purposes"), activity["purposes"]),
        (gettext("Legal basis"), _joined_text(activity["legal_basis_label"], activity["legal_basis_explanation"])),
        (gettext("Categories of personal data"), ", ".join(c["name"] for c in activity["data_categories"])),
        (gettext("Recipients"), "; ".join(recipients + processors) or gettext("none outside the organisation")),
        (gettext("Transfers outside the EEA"), transfers or gettext("none")),
        (gettext("Retention"), "; ".join(activity["retention"]) or gettext("not recorded")),
        (gettext("Source"), activity["source"] or gettext("provided by you")),
        (gettext("Automated decision-making"), _automated_text(activity)),
        (gettext("Related to you since"), _date_text(relation["started_on"])),
        (gettext("Ended on"), _date_text(relation["ended_on"])),
        (gettext("Consent given on"), _joined_text(_date_text(relation["consent_given_on"]), relation["consent_how"])),
        (gettext("Consent withdrawn on"), _date_text(relation["consent_withdrawn_on"])),
        (gettext("Processing restricted"), gettext("yes") if relation["restricted"] else ""),
        (gettext("Objection made"), gettext("yes") if relation["objected"] else ""),
        (gettext("Your rights for this activity"), ", ".join(_right_names()[code] for code in activity["rights"])),
    ]


def _right_names() -> dict[str, str]:
    return {
        "rectification": gettext("rectification"),
        "erasure": gettext("erasure"),
        "restriction": gettext("restriction"),
        "objection": gettext("objection"),
        "portability": gettext("data portability"),
        "withdraw_consent": gettext("withdrawal of consent"),
        "complaint": gettext("complaint to the Autoriteit Persoonsgegevens"),
    }


def _automated_text(activity: dict) -> str:
    if not activity["automated_decision_making"]:
        return gettext("no")
    return _joined_text(gettext("yes"), activity["automated_decision_logic"])


def _not_found_text() -> str:
    return gettext("We found no personal data about you.")


def _joined_text(first: str, second: str) -> str:
    return f"{first}: {second}" if first and second else first or second


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _date_text(iso: str | None) -> str:
    return formats.date_format(date.fromisoformat(iso[:10]), "j F Y") if iso else ""


def _to_csv(snapshot: dict) -> bytes:
    """UTF-8 with a byte order mark and semicolons, like the register's CSV; formula-like cells stay text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([gettext("Category"), gettext("Field"), gettext("Value")])
    writer.writerows([_csv_cell(cell) for cell in line] for line in package_lines(snapshot))
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(text: str) -> str:
    return f"'{text}" if FORMULA_START.match(text) else text


def _to_pdf(snapshot: dict) -> bytes:
    created_at = timezone.localtime(datetime.fromisoformat(snapshot["created_at"]))
    found = snapshot["found"]
    context = {
        "snapshot": snapshot,
        "organisation": snapshot["organisation"],
        "reference": snapshot["request"]["reference"],
        "created_at": created_at,
        "found": found,
        "not_found_text": _not_found_text(),
        "personal_data": _personal_lines(snapshot["subject"]) if found else [],
        "activities": [
            {**activity, "items": [(label, value) for label, value in _activity_items(activity) if value]}
            for activity in snapshot["activities"]
        ],
        "rights": snapshot["rights"],
    }
    return pdf_render(
        template="requests_portal/access_package_pdf.html",
        context=context,
        running_title=snapshot["organisation"]["name"],
        running_subtitle=snapshot["request"]["reference"],
    )
