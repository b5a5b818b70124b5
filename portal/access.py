"""Who may do what with the portal's own records (docs/design.md §5.1): the rules for submission
batches and the role grants. Imported by PortalConfig.ready().
"""

from django.db.models import Q

from accounts import policy
from accounts.choices import Role
from accounts.roles import extend_role_permissions
from portal.models import BulkChunk, BulkSubmission


@policy.rule(BulkSubmission)
def own_batch_rule(user, action, scope):
    # A submission batch (portal.submissions) is its submitter's alone: nobody else reads
    # its lines or results; deleting is the service's clean-up of old batches.
    return Q(user=user.pk)


@policy.rule(BulkChunk)
def own_chunk_rule(user, action, scope):
    return Q(batch__user=user.pk)


# Whoever may submit links may keep submission batches (the rules above: their own only).
_BATCHES = [
    f"portal.{action}_{model}"
    for action in ("add", "view", "change", "delete")
    for model in ("bulksubmission", "bulkchunk")
]
extend_role_permissions(dict.fromkeys((Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR), _BATCHES))
