"""Roles as code: each role is a Django group whose permissions are set here (docs/design.md §5.1).

Model permissions say *what kind* of action a role may take; the access policy
(accounts.policy) says *on which rows*. Each app grants the permissions for its own models in
its access.py, beside its rules (extend_role_permissions). `sync_roles()` runs after every
migrate and is idempotent.
"""

from django.contrib.auth.models import Group, Permission

from accounts.choices import Role

# Roles that work in the Django admin.
STAFF_ROLES = frozenset({Role.PROSECUTOR, Role.AUDITOR, Role.ADMIN})

# Filled by each app's access.py, imported from its AppConfig.ready(), through
# extend_role_permissions(): the permissions stand next to the rules they open.
ROLE_PERMISSIONS: dict[str, list[str]] = {role: [] for role in Role}


def extend_role_permissions(extra: dict[str, list[str]]) -> None:
    """Grant each role the listed permissions (called by every app's access.py)."""
    for role, perms in extra.items():
        ROLE_PERMISSIONS[role] = list(dict.fromkeys([*ROLE_PERMISSIONS[role], *perms]))


def court_register_permissions(
    app_label: str, models: list[str], children: list[str] = ()
) -> dict[str, list[str]]:
    """Permissions per role for the court-register `models` of `app_label` (decisions,
    organizations, materials: their access.py passes the result to extend_role_permissions).

    docs/design.md §5.1: prosecutors keep the registers; every other role reads them; auditors
    also read their history; system administrators see no case content. `children` are rows
    edited inline with their parent (aliases, online presence, fingerprints): prosecutors may
    also delete those, since a wrong alias must be removable. The registers themselves are never
    deleted: a ban is lifted, a material excluded.
    """
    view = [f"{app_label}.view_{m}" for m in [*models, *children]]
    history = [f"{app_label}.view_historical{m}" for m in [*models, *children]]
    write = [f"{app_label}.{a}_{m}" for m in [*models, *children] for a in ("add", "change")]
    write += [f"{app_label}.delete_{m}" for m in children]
    return {
        Role.OFFICER: view,
        Role.SUPERVISOR: view,
        Role.ANALYST: view,
        Role.PROSECUTOR: [*view, *history, *write],
        Role.AUDITOR: [*view, *history],
    }


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
