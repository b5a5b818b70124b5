"""Who may do what with accounts, agencies, roles and API tokens (docs/design.md §5.1).

The rules (accounts.policy: on which rows) and the role grants (accounts.roles: which kinds of
action) for this app's models, and for Django's Group, which holds our roles. Imported by
AccountsConfig.ready().
"""

from django.contrib.auth.models import Group
from django.db.models import Q

from accounts import policy
from accounts.choices import GrantState, Role
from accounts.models import Agency, ApiToken, ApiTokenEvent, Region, RoleGrant, User
from accounts.roles import extend_role_permissions

# --- rules -------------------------------------------------------------------------------------


@policy.rule(Group)
def role_group_rule(user, action, scope):
    # Roles are code (accounts.roles): read by whoever holds auth.view_group, changed by none.
    return action == "view"


@policy.rule(Region)
def region_rule(user, action, scope):
    # The 20 regions are reference data loaded by a migration: read by all, changed by none.
    return action == "view"


@policy.rule(Agency)
def agency_rule(user, action, scope):
    # The directory of agencies is shared: deconfliction answers name them to everyone.
    # Agencies are deactivated, never deleted: records point at them.
    return action != "delete"


@policy.rule(User)
def user_rule(user, action, scope):
    if action == "delete":
        return False  # users are deactivated; their history and records stay attributed
    if action != "view" or user.is_superuser or user.has_role(Role.ADMIN, Role.AUDITOR):
        return True  # add/change are held by administrators only, through permissions
    in_scope = scope.q(agency_field="agency")
    if in_scope is True:
        return True
    return Q(pk=user.pk) | in_scope if in_scope else Q(pk=user.pk)


@policy.rule(RoleGrant)
def role_grant_rule(user, action, scope):
    # Access changes are read by administrators and auditors (their role permissions) and
    # decided by administrators only: pending ones that neither they requested nor concern
    # them (separation of duties; accounts.services enforces it too). Written only by
    # accounts.services, never added or deleted by hand.
    if action == "view":
        return True
    if action == "change" and (user.is_superuser or user.has_role(Role.ADMIN)):
        return Q(state=GrantState.PENDING) & ~Q(requested_by=user.pk) & ~Q(user=user.pk)
    return False


@policy.rule(ApiToken)
def api_token_rule(user, action, scope):
    # Administrators list and revoke anyone's tokens (their permissions say so); nobody adds
    # or changes one through the admin or the API: a key is shown only to whoever issues it.
    # Users manage their own on the profile page (accounts.services, by owner).
    if action in ("add", "change"):
        return False
    return True if user.is_superuser or user.has_role(Role.ADMIN) else Q(user=user.pk)


@policy.rule(ApiTokenEvent)
def api_token_event_rule(user, action, scope):
    # The audit of tokens: read by administrators and auditors, written only by services.
    return action == "view"


# --- role grants -------------------------------------------------------------------------------

_DIRECTORY = ["accounts.view_region", "accounts.view_agency", "accounts.view_user"]
_HISTORY = [
    "accounts.view_historicalregion",
    "accounts.view_historicalagency",
    "accounts.view_historicaluser",
]

extend_role_permissions(
    {
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
            # API tokens: listed and revoked, never added (a key is shown only to whoever
            # issues it: its owner on the profile page, or `manage.py issue_token`).
            "accounts.view_apitoken",
            "accounts.delete_apitoken",
            "accounts.view_apitokenevent",
        ],
    }
)
