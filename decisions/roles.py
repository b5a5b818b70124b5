"""Role permissions for the court registers (decisions, organizations, materials).

docs/design.md §5.1: prosecutors keep the registers; every other role reads them; auditors also
read their history; system administrators see no case content. Each register app calls
`register_permissions()` for its own models from AppConfig.ready().
"""

from accounts.choices import Role


def register_permissions(
    app_label: str, models: list[str], children: list[str] = ()
) -> dict[str, list[str]]:
    """Permissions per role for the register `models` of `app_label`.

    `children` are rows edited inline with their parent (aliases, online presence, fingerprints):
    prosecutors may also delete those, since a wrong alias must be removable. The registers
    themselves are never deleted: a ban is lifted, a material excluded.
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
