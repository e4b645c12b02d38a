"""Fictional demo data, so that `make run` shows a lived-in app. Running it twice changes nothing."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from .demo_register import demo_history_backdate, demo_register_last_year, demo_register_structure
from .demo_subjects import demo_subjects
from .importing import import_file
from .models import Organisation
from .roles import BOARD, DPO

DEMO_SLUG = "demo"
DEMO_REGISTER = Path(__file__).parent / "demo_data" / "register.txt"
# Second-factor backup codes of the demo users: each works once, and every `demo` run restores them.
DEMO_CODES = ["11111111", "22222222", "33333333", "44444444", "55555555"]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    codes: tuple[str, ...] = tuple(DEMO_CODES)


DEMO_USERS = [
    # (role, username, password, first name, last name)
    (DPO, "fg", "demo-fg-wachtwoord", "Fenna", "de Graaf"),
    (BOARD, "bestuur", "demo-bestuur-wachtwoord", "Bram", "Janssen"),
]


@transaction.atomic
def demo_populate() -> list[DemoLogin]:
    started = timezone.now()
    organisation, created = Organisation.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Energiecoöperatie Zonnedael U.A.",
            "kvk_number": "99887766",
            "address": "Zonneweg 12\n7399 ZZ Zonnedael",
            "contact_email": "info@zonnedael.example",
            "contact_phone": "055 000 00 00",
            "dpo_name": "Fenna de Graaf",
            "dpo_email": "privacy@zonnedael.example",
        },
    )
    _demo_register(organisation)
    demo_register_structure(organisation)
    demo_subjects(organisation)
    logins = [_demo_user(organisation, *user) for user in DEMO_USERS]
    if created:
        demo_history_backdate(organisation, since=started)
    demo_register_last_year(organisation)
    return logins


def _demo_user(organisation, role, username, password, first_name, last_name) -> DemoLogin:
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": True,
            "email": f"{username}@zonnedael.example",
        },
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    _demo_codes(user)
    if not organisation.members.filter(pk=user.pk).exists():  # add() records history even for a member
        organisation.members.add(user)
    return DemoLogin(role=role, username=username, password=password)


def _demo_codes(user) -> None:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="demo")
    device.token_set.all().delete()
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in DEMO_CODES)


def _demo_register(organisation) -> None:
    result = import_file(
        organisation=organisation, filename=DEMO_REGISTER.name, content=DEMO_REGISTER.read_bytes(), dry_run=False
    )
    if not result.ok:
        raise ValueError(f"{DEMO_REGISTER} does not import: {' '.join(result.errors)}")
