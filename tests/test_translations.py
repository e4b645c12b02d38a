"""The Dutch catalogue is complete, compiled, and up to date with the code."""

import shutil

import polib
import pytest
from django.core.management import call_command

from tests.conftest import require
from tests.processes import BASE_DIR

PO = BASE_DIR / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["config", "register", "requests_portal", "retention", "templates"]


def entry_keys(po: polib.POFile) -> set[tuple]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}


def test_every_message_has_a_dutch_translation():
    untranslated = [e.msgid for e in polib.pofile(str(PO)) if not e.obsolete and not e.translated()]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO)) if e.msgid}
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)) if e.translated()}
    assert compiled == source, "run `make messages` to compile the catalogue"


def test_catalogue_is_up_to_date_with_the_code(tmp_path, monkeypatch, settings):
    require(shutil.which("xgettext") is not None, "GNU gettext (xgettext) is not installed")
    for source in SOURCES:
        shutil.copytree(BASE_DIR / source, tmp_path / source, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["nl"], no_location=True, verbosity=0)
    fresh = polib.pofile(str(tmp_path / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    assert entry_keys(fresh) == entry_keys(committed), "run `make messages` and translate what is new"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_model_labels_are_translated(language):
    from django.utils import translation

    from register.models import Organisation

    with translation.override(language):
        label = str(Organisation._meta.verbose_name)
    assert label == {"nl": "organisatie", "en": "organisation"}[language]
