"""Who may do what with court decisions (docs/design.md §5.1): their rule and role grants.

`register_rule` is the rule of all three court registers: organizations and materials
register it for their models too. Imported by DecisionsConfig.ready().
"""

from accounts import policy
from accounts.choices import Role
from accounts.roles import court_register_permissions, extend_role_permissions
from decisions.models import CourtDecision


def keeps_registers(user) -> bool:
    return user.is_superuser or user.has_role(Role.PROSECUTOR)


@policy.rule(CourtDecision)
def register_rule(user, action, scope):
    # The registers are shared by every agency: whoever may read them reads all of them.
    # Only prosecutors keep them; court decisions, organizations and materials are never
    # deleted (a ban is lifted, a material excluded), which their role permissions reflect.
    if action == "view":
        return True
    return keeps_registers(user)


extend_role_permissions(court_register_permissions("decisions", ["courtdecision"]))
