from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.choices import Role
from accounts.services import issue_token


@login_required
def home(request):
    scope = policy.scope_of(request.user)
    return render(request, "portal/home.html", {"scope": scope})


@login_required
def profile(request):
    roles = sorted(str(Role(name).label) for name in request.user.roles)
    return render(request, "portal/profile.html", {"roles": roles, "new_token": None})


@login_required
@require_POST
def new_token(request):
    key = issue_token(request.user)
    messages.success(request, _("A new API token was issued; the previous one no longer works."))
    roles = sorted(str(Role(name).label) for name in request.user.roles)
    # Shown once, on this response only.
    return render(request, "portal/profile.html", {"roles": roles, "new_token": key})
