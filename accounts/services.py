"""Writes for accounts: provisioning users, roles and API tokens."""

from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.choices import Role, TokenScope
from accounts.models import Agency, ApiTokenScope, User
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


@transaction.atomic
def issue_token(user: User, scope: str = TokenScope.FULL) -> str:
    """A new API token for the user; any previous token stops working.

    `scope` "full" acts as the user; "reports" may only read the report endpoints (for an
    integration that pulls statistics). A user has one token at a time."""
    if scope not in TokenScope.values:
        raise UnknownTokenScope(
            f"Unknown token scope {scope!r}; one of: {', '.join(TokenScope.values)}.",
            field="scope",
        )
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    if scope != TokenScope.FULL:
        ApiTokenScope.objects.create(token=token, scope=scope)
    return token.key


def token_scope(token) -> str:
    """The scope of an authenticated request's token (None, e.g. a session: full)."""
    if not isinstance(token, Token):
        return TokenScope.FULL
    try:
        return token.scope_entry.scope
    except ApiTokenScope.DoesNotExist:
        return TokenScope.FULL
