"""The officer's own profile and API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.services import issue_token


def _roles(user) -> list[str]:
    return sorted(str(Role(name).label) for name in user.roles)


@login_required
def profile(request):
    return render(
        request, "portal/profile.html", {"roles": _roles(request.user), "new_token": None}
    )


@login_required
@require_POST
def new_token(request):
    key = issue_token(request.user)
    messages.success(request, _("A new API token was issued; the previous one no longer works."))
    # Shown once, on this response only.
    return render(request, "portal/profile.html", {"roles": _roles(request.user), "new_token": key})
