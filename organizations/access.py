"""Who may do what with banned organizations (docs/design.md §5.1): the court registers' rule
(decisions.access) and role grants. Imported by OrganizationsConfig.ready().
"""

from accounts import policy
from accounts.roles import court_register_permissions, extend_role_permissions
from decisions.access import register_rule
from organizations.models import OnlinePresence, Organization, OrganizationAlias

for model in (Organization, OrganizationAlias, OnlinePresence):
    policy.rule(model)(register_rule)

extend_role_permissions(
    court_register_permissions(
        "organizations", ["organization"], ["organizationalias", "onlinepresence"]
    )
)
