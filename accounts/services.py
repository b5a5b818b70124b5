"""Writes for accounts: provisioning users, roles and API tokens."""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from knox.settings import knox_settings

from accounts.choices import Role, TokenChannel, TokenEventAction, TokenScope
from accounts.models import Agency, ApiToken, ApiTokenEvent, User
from accounts.roles import STAFF_ROLES
from kibernadzor.errors import DomainError


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
    """Give the user exactly these roles; admin access follows from them."""
    validate_roles(roles)
    user.groups.set(Group.objects.filter(name__in=roles))
    user.is_staff = user.is_superuser or bool(set(roles) & STAFF_ROLES)
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_roles_cache", None)


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
    return user, created


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
