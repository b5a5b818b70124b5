"""Roles as code: each role is a Django group whose permissions are set here (docs/design.md §5.1).

Model permissions say *what kind* of action a role may take; the access policy
(accounts.policy) says *on which rows*. Later apps extend ROLE_PERMISSIONS with their models.
`sync_roles()` runs after every migrate and is idempotent.
"""

from django.contrib.auth.models import Group, Permission

from accounts.choices import Role

# Roles that work in the Django admin.
STAFF_ROLES = frozenset({Role.PROSECUTOR, Role.AUDITOR, Role.ADMIN})

_DIRECTORY = ["accounts.view_region", "accounts.view_agency", "accounts.view_user"]
_HISTORY = [
    "accounts.view_historicalregion",
    "accounts.view_historicalagency",
    "accounts.view_historicaluser",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICER: [*_DIRECTORY],
    Role.SUPERVISOR: [*_DIRECTORY],
    Role.PROSECUTOR: [*_DIRECTORY],
    Role.ANALYST: [*_DIRECTORY],
    Role.AUDITOR: [
        *_DIRECTORY,
        *_HISTORY,
        "auth.view_group",
        "accounts.view_rolegrant",
        "accounts.view_apitokenevent",
    ],
    Role.ADMIN: [
        *_DIRECTORY,
        *_HISTORY,
        "accounts.add_agency",
        "accounts.change_agency",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_rolegrant",
        "accounts.change_rolegrant",  # deciding a pending grant (never the grant itself)
        "auth.view_group",
        # API tokens: listed and revoked, never added (a key is shown only to whoever issues
        # it: its owner on the profile page, or `manage.py issue_token`).
        "accounts.view_apitoken",
        "accounts.delete_apitoken",
        "accounts.view_apitokenevent",
    ],
}


def extend_role_permissions(extra: dict[str, list[str]]) -> None:
    """Called by other apps' AppConfig.ready() to add their models' permissions."""
    for role, perms in extra.items():
        ROLE_PERMISSIONS[role] = list(dict.fromkeys([*ROLE_PERMISSIONS[role], *perms]))


def permission_objects(names: list[str]) -> list[Permission]:
    """Permission rows for 'app_label.codename' names; a name without a row is an error."""
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = list(
        Permission.objects.filter(
            content_type__app_label__in={app for app, _ in wanted},
            codename__in={code for _, code in wanted},
        ).select_related("content_type")
    )
    found = [p for p in found if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Unknown permissions in ROLE_PERMISSIONS: {sorted(missing)}")
    return found


def sync_roles() -> None:
    """Create or update one group per role with exactly its permissions."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(permission_objects(ROLE_PERMISSIONS[role]))


def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    # Run once, after the last app has created its permissions.
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if app_config is not None and app_config.label != with_models[-1].label:
        return
    sync_roles()
