"""Writes for accounts: provisioning users, roles, access changes and API tokens.

Separation of duties (README, Access). An administrator changes another user's roles and agency
only through `change_access`: what narrows access (a role removed, no agency) applies at once,
what widens it (a role granted, a move to an agency) is recorded as a pending RoleGrant that a
second administrator approves or rejects (`approve_grant`, `reject_grant`). Nobody changes their
own access or decides their own request; the database refuses both too (RoleGrant's
constraints). The command line (`add_user`, the break-glass way in) and the demo seed apply
directly through `provision_user` and are recorded as such. Every record and decision is sent as
`accounts.signals.access_changed`, which alerts the auditors.
"""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.settings import knox_settings

from accounts import policy
from accounts.choices import (
    AccessChange,
    GrantChannel,
    GrantState,
    Role,
    TokenChannel,
    TokenEventAction,
    TokenScope,
)
from accounts.models import Agency, ApiToken, ApiTokenEvent, RoleGrant, User
from accounts.roles import STAFF_ROLES
from accounts.signals import access_changed
from kibernadzor.errors import Conflict, DomainError, NotAllowed


class UnknownAgency(DomainError):
    code = "unknown_agency"


class UnknownRole(DomainError):
    code = "unknown_role"


def validate_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise UnknownRole(
            f"Unknown role(s): {', '.join(unknown)}. Roles: {', '.join(Role.values)}.",
            field="role",
        )
    if not roles:
        raise UnknownRole("At least one role is required.", field="role")
    return roles


@transaction.atomic
def assign_roles(user: User, roles: list[str]) -> None:
    """Give the user exactly these roles; admin access follows from them.

    Records nothing: the primitive under `provision_user` and the grant services (and test
    factories). People change roles through those, which record who and when."""
    validate_roles(roles)
    _set_roles(user, set(roles))


def _set_roles(user: User, roles: set[str]) -> None:
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = user.is_superuser or bool(roles & STAFF_ROLES)
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_roles_cache", None)
    user.__dict__.pop("_policy_scope", None)


def _held_roles(user: User) -> set[str]:
    return set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


@transaction.atomic
def provision_user(
    username: str,
    *,
    agency_code: str,
    roles: list[str],
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    position: str = "",
    is_demo: bool = False,
) -> tuple[User, bool]:
    """Create or update a user in an agency with roles; returns (user, created).

    A None password leaves an existing password alone and gives a new user an unusable one.
    """
    validate_roles(roles)
    try:
        agency = Agency.objects.get(code=agency_code)
    except Agency.DoesNotExist:
        raise UnknownAgency(
            f"No agency with code {agency_code!r} (e.g. gp, prosecutor-KZ-75).", field="agency"
        ) from None
    user, created = User.objects.get_or_create(username=username)
    user = User.objects.select_for_update().get(pk=user.pk)
    channel = GrantChannel.DEMO if is_demo else GrantChannel.COMMAND_LINE
    records = _direct_records(user, set(roles), agency, channel)
    user.agency = agency
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.position = position or user.position
    user.is_demo = is_demo
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    assign_roles(user, roles)
    _announce(RoleGrant.objects.bulk_create(records))
    return user, created


def _direct_records(user: User, roles: set[str], agency: Agency, channel: str) -> list[RoleGrant]:
    """The changes `provision_user` makes, recorded as applied through `channel` (no person:
    the command line or the demo seed)."""
    held = _held_roles(user) if user.pk else set()
    base = {"user": user, "channel": channel, "state": GrantState.APPLIED}
    records = [
        RoleGrant(change=AccessChange.REMOVE_ROLE, role=role, **base)
        for role in sorted(held - roles)
    ]
    records += [
        RoleGrant(change=AccessChange.ADD_ROLE, role=role, **base) for role in sorted(roles - held)
    ]
    if user.agency_id != agency.pk:
        records.append(
            RoleGrant(
                change=AccessChange.AGENCY,
                agency=agency,
                previous_agency_id=user.agency_id,
                **base,
            )
        )
    return records


def _announce(grants: list[RoleGrant]) -> list[RoleGrant]:
    for grant in grants:
        access_changed.send(sender=RoleGrant, grant=grant)
    return grants


class OwnAccessChange(NotAllowed):
    code = "own_access"


class GrantAlreadyDecided(Conflict):
    code = "grant_decided"


class AgencyChangePending(Conflict):
    code = "agency_change_pending"


def is_administrator(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.ADMIN)))


@transaction.atomic
def change_access(
    user: User, *, roles: set[str], agency: Agency | None, by: User
) -> list[RoleGrant]:
    """An administrator sets another user's roles and agency (the admin's user form).

    Roles taken away and leaving an agency apply at once (narrowing is safe); roles given and a
    move to an agency are recorded as pending until a second administrator approves them. A
    change already awaiting approval is not requested twice. Returns the records made."""
    if not is_administrator(by) or not policy.can(by, "change", user):
        raise NotAllowed(_("Only administrators change users' roles and agencies."))
    if by.pk == user.pk:
        raise OwnAccessChange(_("You cannot change your own roles or agency."), field="roles")
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise UnknownRole(_("Unknown role(s): %s.") % ", ".join(sorted(unknown)), field="roles")
    user = User.objects.select_for_update().get(pk=user.pk)
    held = _held_roles(user)
    base = {"user": user, "channel": GrantChannel.ADMIN, "requested_by": by}
    pending_rows = RoleGrant.objects.filter(user=user, state=GrantState.PENDING)
    pending = set(pending_rows.values_list("change", "role"))
    pending_agency = pending_rows.filter(change=AccessChange.AGENCY).first()
    records = [
        RoleGrant(change=AccessChange.REMOVE_ROLE, role=role, state=GrantState.APPLIED, **base)
        for role in sorted(held - roles)
    ] + [
        RoleGrant(change=AccessChange.ADD_ROLE, role=role, state=GrantState.PENDING, **base)
        for role in sorted(roles - held)
        if (AccessChange.ADD_ROLE, role) not in pending
    ]
    agency_id = agency.pk if agency is not None else None
    if pending_agency is not None and agency_id == pending_agency.agency_id:
        pass  # the same move already awaits approval
    elif agency_id != user.agency_id:
        if agency_id is not None and pending_agency is not None:
            raise AgencyChangePending(
                _("A change of this user's agency already awaits approval; decide it first."),
                field="agency",
            )
        records.append(
            RoleGrant(
                change=AccessChange.AGENCY,
                agency_id=agency_id,
                previous_agency_id=user.agency_id,
                state=GrantState.APPLIED if agency_id is None else GrantState.PENDING,
                **base,
            )
        )
    if held - roles:
        _set_roles(user, held & roles)
    if agency_id is None and user.agency_id is not None:
        user.agency = None
        user.save(update_fields=["agency"])
    return _announce(RoleGrant.objects.bulk_create(records))


def approve_grant(grant_id: int, *, by: User) -> RoleGrant:
    """A second administrator approves a pending change; it takes effect now."""
    return _decide(grant_id, by, GrantState.APPROVED)


def reject_grant(grant_id: int, *, by: User) -> RoleGrant:
    """A second administrator rejects a pending change; nothing about the user changes."""
    return _decide(grant_id, by, GrantState.REJECTED)


@transaction.atomic
def _decide(grant_id: int, by: User, state: str) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant_id)
    if grant.requested_by_id == by.pk:
        raise OwnAccessChange(_("You cannot decide your own request: a second administrator must."))
    if grant.user_id == by.pk:
        raise OwnAccessChange(_("You cannot decide a change of your own access."))
    if not is_administrator(by) or not policy.can(by, "change", model=RoleGrant):
        raise NotAllowed(_("Only administrators decide access changes."))
    if grant.state != GrantState.PENDING:
        raise GrantAlreadyDecided(
            _("This change was already decided (%(state)s).") % {"state": grant.get_state_display()}
        )
    if state == GrantState.APPROVED:
        user = User.objects.select_for_update().get(pk=grant.user_id)
        if grant.change == AccessChange.ADD_ROLE:
            _set_roles(user, _held_roles(user) | {grant.role})
        elif grant.change == AccessChange.AGENCY:
            user.agency_id = grant.agency_id
            user.save(update_fields=["agency"])
    grant.state, grant.decided_by, grant.decided_at = state, by, timezone.now()
    grant.save(update_fields=["state", "decided_by", "decided_at"])
    return _announce([grant])[0]


class UnknownTokenScope(DomainError):
    code = "unknown_scope"


class InvalidTokenName(DomainError):
    code = "invalid_token_name"


class TokenNameTaken(InvalidTokenName):
    code = "token_name_taken"
    http_status = 409


class TokenNotFound(DomainError):
    code = "token_not_found"
    http_status = 404


@transaction.atomic
def issue_token(
    user: User,
    *,
    name: str,
    scope: str = TokenScope.FULL,
    actor: User | None = None,
    via: str = TokenChannel.COMMAND,
) -> str:
    """A new named API token for the user; returns its key, which is never stored or shown again.

    Only the key's digest is kept (django-rest-knox). The token expires after
    API_TOKEN_TTL_DAYS. `scope` "full" acts as the user; "reports" may only read the report
    endpoints (for an integration that pulls statistics). A user may hold several tokens, one
    per integration, each with its own name; `actor` (None: the command line) issued it, and
    the audit (ApiTokenEvent) records who, when, for whom and where."""
    if scope not in TokenScope.values:
        raise UnknownTokenScope(
            f"Unknown token scope {scope!r}; one of: {', '.join(TokenScope.values)}.",
            field="scope",
        )
    name = name.strip()
    if not name:
        raise InvalidTokenName(_("A token needs a name."), field="name")
    try:
        with transaction.atomic():
            token, key = ApiToken.objects.create(
                user, expiry=knox_settings.TOKEN_TTL, name=name, scope=scope
            )
    except IntegrityError:
        # The (user, name) constraint: two tokens of one user are told apart by their names.
        raise TokenNameTaken(
            _("You already have a token named “%(name)s”; revoke it or choose another name.")
            % {"name": name},
            field="name",
        ) from None
    _record(token, TokenEventAction.ISSUED, actor, via)
    return key


@transaction.atomic
def revoke_tokens(tokens, *, actor: User | None, via: str) -> int:
    """Revoke (delete) these tokens, recording each revocation; returns how many.

    The caller decides whose tokens `actor` may revoke: their own on the portal
    (`revoke_own_token`), anyone's in the admin (through the access policy)."""
    tokens = list(tokens.select_for_update(of=("self",)).select_related("user"))
    for token in tokens:
        _record(token, TokenEventAction.REVOKED, actor, via)
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    return len(tokens)


def revoke_own_token(user: User, token_id: int) -> None:
    """The portal's "revoke": a user revokes one of their own tokens, nobody else's."""
    if not revoke_tokens(
        ApiToken.objects.filter(user=user, pk=token_id), actor=user, via=TokenChannel.PORTAL
    ):
        raise TokenNotFound(_("No such token among yours."))


def _record(token: ApiToken, action: str, actor: User | None, via: str) -> None:
    ApiTokenEvent.objects.create(
        action=action,
        actor=actor,
        user_id=token.user_id,
        token_name=token.name,
        scope=token.scope,
        via=via,
    )


def token_scope(token) -> str:
    """The scope of an authenticated request's token (None, e.g. a session: full)."""
    if isinstance(token, ApiToken):
        return token.scope
    return TokenScope.FULL
