from django.db import models


class RestrictedQuerySet(models.QuerySet):
    """`.restrict(user, action)`: the rows of this queryset the access policy grants the user."""

    def restrict(self, user, action: str = "view"):
        from accounts import policy

        return policy.restrict(self, user, action)
