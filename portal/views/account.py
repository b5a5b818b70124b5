"""The officer's own profile and API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.choices import Role, TokenChannel
from accounts.selectors import own_tokens
from accounts.services import InvalidTokenName, TokenNotFound, issue_token, revoke_own_token
from portal.forms import NewTokenForm


def _render(request, *, form=None, new_token=None, status=200):
    context = {
        "roles": sorted(str(Role(name).label) for name in request.user.roles),
        "tokens": own_tokens(request.user),
        "form": form or NewTokenForm(),
        "new_token": new_token,
    }
    return render(request, "portal/profile.html", context, status=status)


@login_required
def profile(request):
    return _render(request)


@never_cache
@login_required
@require_POST
def new_token(request):
    form = NewTokenForm(request.POST)
    if form.is_valid():
        try:
            key = issue_token(
                request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                actor=request.user,
                via=TokenChannel.PORTAL,
            )
        except InvalidTokenName as error:
            form.add_error("name", error.message)
        else:
            # The key is in this response only (never_cache): it is stored as a digest.
            return _render(request, new_token={"key": key, "name": form.cleaned_data["name"]})
    return _render(request, form=form, status=400)


@login_required
@require_POST
def revoke_token(request, pk):
    try:
        revoke_own_token(request.user, pk)
    except TokenNotFound:
        raise Http404(_("No such token among yours.")) from None
    messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("portal:profile")
