"""Who may do what with court-recognised materials (docs/design.md §5.1): the court registers' rule
(decisions.access) and role grants. Imported by MaterialsConfig.ready().
"""

from accounts import policy
from accounts.roles import court_register_permissions, extend_role_permissions
from decisions.access import register_rule
from materials.models import Material, MaterialFingerprint

for model in (Material, MaterialFingerprint):
    policy.rule(model)(register_rule)

extend_role_permissions(
    court_register_permissions("materials", ["material"], ["materialfingerprint"])
)
