"""The three roles, as auth groups with their permissions.

Each migration that adds models calls `roles_sync` again (as `0002_roles` does), so the groups always
hold the permissions this table grants. History is never edited by hand: on historical models a role
gets at most the view permission.
"""

from django.contrib.auth.management import create_permissions

DPO = "Functionaris gegevensbescherming"
BOARD = "Bestuur"
STAFF = "Medewerker"

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

# "see": every request of the organisation (requests_portal.see_all_requests); staff see only those assigned.
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    DPO: {"register": ALL, "requests_portal": (*ALL, "see"), "retention": VIEW},
    BOARD: {"register": VIEW, "requests_portal": (*VIEW, "see"), "retention": VIEW},
    STAFF: {"register": VIEW, "requests_portal": ("view", "change")},
}


def _granted(grants: dict[str, tuple[str, ...]], app_label: str, model: str, codename: str) -> bool:
    action = codename.split("_", 1)[0]
    if model.startswith("historical"):
        return action == "view" and action in grants[app_label]
    return action in grants[app_label]


def roles_sync(apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly the permissions of ROLES. Usable as a RunPython."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations ran; a fresh database needs them now.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # migration state apps have none
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        candidates = Permission.objects.filter(content_type__app_label__in=grants).select_related("content_type")
        group.permissions.set(
            [p for p in candidates if _granted(grants, p.content_type.app_label, p.content_type.model, p.codename)]
        )
