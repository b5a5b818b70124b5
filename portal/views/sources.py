"""Watched sources in the portal (issue 16): the list (filters, counts, activity per row), a
source's page (its posts as defanged links to their registry pages, statistics with a chart,
watch history), adding a source, the actions (pause, resume, watch now, register the channel
as a link), "watch this presence" from an organization's page, and the posts of a channel on
its link's page.

Every read starts from the access policy (sources.selectors, sources.stats); every write is
one sources.services function, which asks the policy again. A source the user may not read
answers 404 (its number says nothing); one they read but may not change answers 403. A post
whose link the user may not read in the registry (another agency's confidential link) is
listed without its address.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import Agency
from kibernadzor.errors import Conflict, DomainError, NotAllowed
from organizations.models import OnlinePresence, Organization
from portal.charts import line_chart
from portal.forms import prepare_filter_form
from portal.source_forms import SourceForm
from registry import selectors as registry_selectors
from registry.choices import ReadChannel
from sources import on_demand, selectors, services, stats
from sources.choices import SourceState
from sources.filtersets import SourceFilterSet
from sources.models import Source
from utilities.defang import defang, defang_text
from utilities.pagination import COUNT_CAP, CappedPaginator

PAGE_SIZE = 50
ITEMS_PER_PAGE = 50
WATCHES_SHOWN = 30
CHANNEL_POSTS_SHOWN = 50

_FILTER_LABELS = {
    "q": gettext_lazy("Address or title contains"),
    "kind": gettext_lazy("Kind"),
    "state": gettext_lazy("State"),
    "agency": gettext_lazy("Agency"),
    "organization": gettext_lazy("Organization"),
    "failing": gettext_lazy("Last watch failed"),
}
SHOWN_FILTERS = ("q", "agency", "organization", "failing")


def _require_view(user) -> None:
    if not policy.can(user, "view", model=Source):
        raise Http404(_("No such page."))


def _organizations(user):
    return Organization.objects.restrict(user, "view").order_by("name_ru")


def _agencies_with_sources(user):
    """The agencies of the sources the user may read (the agency filter's choices)."""
    visible = selectors.sources_for(user).order_by().values("agency")
    return Agency.objects.filter(pk__in=visible).order_by("code")


def _filterset(request) -> SourceFilterSet:
    user = request.user
    filterset = SourceFilterSet(request.GET, queryset=selectors.sources_for(user), request=request)
    form = prepare_filter_form(filterset.form)
    for name, label in _FILTER_LABELS.items():
        form.fields[name].label = label
    form.fields["organization"].queryset = _organizations(user)
    form.fields["organization"].empty_label = _("any")
    form.fields["agency"].widget = forms.Select(
        choices=[("", _("any")), *((a.code, str(a)) for a in _agencies_with_sources(user))]
    )
    return filterset


def _state_counts(queryset) -> dict:
    """{state: sources} and the failing ones of the filtered list, in one query."""
    row = queryset.order_by().aggregate(
        total=Count("id"),
        failing=Count("id", filter=Q(consecutive_failures__gt=0)),
        **{state: Count("id", filter=Q(state=state)) for state in SourceState.values},
    )
    return row


@login_required
def source_list(request):
    """The sources the user may read, through the FilterSet the API uses."""
    user = request.user
    _require_view(user)
    filterset = _filterset(request)
    valid = filterset.is_valid()
    # A wrong filter never silently widens the list: show nothing and say what is wrong.
    sources = filterset.qs if valid else filterset.queryset.none()
    counts = _state_counts(sources)
    paginator = CappedPaginator(sources.order_by("-created_at", "-id"), PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    stats.activity(page.object_list)  # the page's rows only: one query
    for source in page.object_list:
        source.last_error_label = stats.failure_label(source.last_error_code)
    query = request.GET.copy()
    query.pop("page", None)
    form = filterset.form
    context = {
        "form": form,
        "fields": [form[name] for name in SHOWN_FILTERS],
        "page": page,
        "sources": page.object_list,
        "capped": paginator.capped,
        "count_cap": COUNT_CAP,
        "query": query.urlencode(),
        "valid": valid,
        "counts": counts,
        "states": SourceState,
        "activity_days": stats.ACTIVITY_DAYS,
        "can_add": _may_add(user),
    }
    return render(request, "portal/sources/list.html", context, status=200 if valid else 400)


def _may_add(user) -> bool:
    return user.agency_id is not None and policy.can(user, "add", model=Source)


def _visible_source(user, pk: int) -> Source:
    source = selectors.sources_for(user).select_related("presence").filter(pk=pk).first()
    if source is None:
        raise Http404(_("No such source, or you may not see it."))
    return source


def _items_page(request, source: Source):
    items = stats.with_link_access(
        selectors.items_for(request.user, source).select_related(
            "material", "material__organization"
        ),
        request.user,
    ).order_by("-first_seen_at", "-id")
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    # The links shown are reads of the registry: the confidential ones are logged.
    registry_selectors.read_links(
        request.user,
        [item.link for item in page.object_list if item.link_readable],
        ReadChannel.LIST,
    )
    return page


def _chart(days: list[stats.Day]):
    return line_chart(
        [row.day for row in days],
        [
            (_("posts"), [row.posts for row in days]),
            (_("repeats"), [row.repeats for row in days]),
            (_("matched"), [row.matched for row in days]),
        ],
        x_label=lambda day: day.strftime("%d.%m"),
    )


@login_required
def source_detail(request, pk: int):
    user = request.user
    _require_view(user)
    source = _visible_source(user, pk)
    days = stats.daily(source)
    watches = list(
        selectors.watches_for(user, source).order_by("-started_at", "-id")[:WATCHES_SHOWN]
    )
    for watch in watches:
        watch.failure_label = stats.failure_label(watch.failure_code)
    may_change = policy.can(user, "change", source)
    channel_link = None
    if source.channel_link_id is not None:
        channel_link = registry_selectors.links_for(user).filter(pk=source.channel_link_id).first()
    context = {
        "source": source,
        "last_error_label": stats.failure_label(source.last_error_code),
        "summary": stats.summary(source),
        "days": days,
        "chart": _chart(days),
        "chart_days": stats.CHART_DAYS,
        "page": _items_page(request, source),
        "query": "",
        "watches": watches,
        "watches_shown": WATCHES_SHOWN,
        "may_change": may_change,
        "channel_link": channel_link,
        "organization_readable": source.organization_id is not None
        and policy.can(user, "view", model=Organization),
        "now": timezone.now(),
    }
    return render(request, "portal/sources/detail.html", context)


@login_required
def source_add(request):
    user = request.user
    if not _may_add(user):
        raise PermissionDenied(_("You may not add sources."))
    organizations = _organizations(user)
    status, existing = 200, None
    if request.method == "POST":
        form = SourceForm(request.POST, organizations=organizations)
        status = 400
        if form.is_valid():
            try:
                source = services.add_source(actor=user, **form.service_arguments())
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                _refuse_on_form(form, error)
                if isinstance(error, Conflict):
                    existing = _readable_source_id(user, error.details.get("source"))
            else:
                messages.success(
                    request,
                    _("Source No. %(id)s added: it is watched at once.") % {"id": source.pk},
                )
                return redirect("portal:source", pk=source.pk)
    else:
        form = SourceForm(organizations=organizations, initial=_initial(request, organizations))
    context = {"form": form, "existing": existing}
    return render(request, "portal/sources/add.html", context, status=status)


def _readable_source_id(user, pk) -> int | None:
    if pk and selectors.sources_for(user).filter(pk=pk).exists():
        return pk
    return None


def _initial(request, organizations) -> dict:
    value = request.GET.get("organization", "")
    if value.isdigit() and organizations.filter(pk=int(value)).exists():
        return {"organization": int(value)}
    return {}


def _refuse_on_form(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, defang_message(error.message))


def defang_message(message: str) -> str:
    """A refusal may quote the address entered: it is shown defanged, like every URL here."""
    return defang_text(message)


# --- actions ----------------------------------------------------------------------------------
ACTIONS = {
    "pause": services.pause_source,
    "resume": services.resume_source,
    "watch": on_demand.watch_now,
    "channel-link": services.register_channel_as_link,
}
_DONE = {
    "pause": gettext_lazy("The source is paused."),
    "resume": gettext_lazy("The source is watched again, at once."),
    "watch": gettext_lazy("A watch of the source has been started; reload in a moment."),
    "channel-link": gettext_lazy("The channel is registered as a link in the registry."),
}


@login_required
@require_POST
def source_action(request, pk: int, action: str):
    """Pause, resume, watch now or register the channel as a link, through sources.services
    (which asks the policy: 404 for a source the user may not read, 403 for one they may not
    change)."""
    user = request.user
    _require_view(user)
    service = ACTIONS.get(action)
    if service is None:
        raise Http404(_("No such action."))
    try:
        done = service(pk, actor=user)
    except services.SourceNotFound:
        raise Http404(_("No such source, or you may not see it.")) from None
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:  # a state that does not allow it, an address refused
        messages.error(request, defang_message(error.message))
    else:
        if action == "watch" and done is None:
            messages.warning(
                request,
                _(
                    "The watch could not be queued now (the task broker does not answer); "
                    "the source will be watched when its lease runs out, within %(minutes)d "
                    "minutes."
                )
                % {"minutes": round(settings.SOURCES_LEASE_SECONDS / 60)},
            )
        else:
            messages.success(request, str(_DONE[action]))
    return redirect("portal:source", pk=pk)


@login_required
@require_POST
def presence_watch(request, pk: int):
    """Watch an organization's known channel, account or site for the user's agency
    (sources.services.source_from_presence); already watched: say by which source."""
    user = request.user
    presence = (
        OnlinePresence.objects.restrict(user, "view")
        .select_related("organization")
        .filter(pk=pk)
        .first()
    )
    if presence is None:
        raise Http404(_("No such presence, or you may not see it."))
    if not _may_add(user):
        raise PermissionDenied(_("You may not add sources."))
    try:
        source = services.source_from_presence(presence, actor=user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except Conflict as error:
        existing = _readable_source_id(user, error.details.get("source"))
        messages.info(request, defang_message(error.message))
        if existing:
            return redirect("portal:source", pk=existing)
    except DomainError as error:
        messages.error(request, defang_message(error.message))
    else:
        messages.success(
            request,
            _("%(presence)s is watched from now on (source No. %(id)s).")
            % {"presence": defang(str(presence)), "id": source.pk},
        )
        return redirect("portal:source", pk=source.pk)
    return redirect("portal:organization", pk=presence.organization_id)


# --- parts of other pages ---------------------------------------------------------------------
def presence_part(user, organization: Organization) -> dict:
    """For an organization's page: whether the user may watch its presence, and which of its
    presence entries the user's agency already watches ({presence id: source id})."""
    may_watch = _may_add(user)
    watched = {}
    if may_watch:
        watched = dict(
            selectors.sources_for(user)
            .filter(agency_id=user.agency_id, presence__organization=organization)
            .values_list("presence_id", "pk")
        )
    return {"may_watch_presence": may_watch, "watched_presence": watched}


def channel_part(user, link) -> dict:
    """For a link's page: the sources (the user may read) whose channel this link is, and the
    latest posts found on them, grouped under the channel."""
    if not policy.can(user, "view", model=Source):
        return {}
    sources = list(selectors.sources_for(user).filter(channel_link=link).order_by("pk"))
    if not sources:
        return {}
    items = stats.with_link_access(
        selectors.items_for(user).filter(source__in=sources).order_by("-first_seen_at", "-id"),
        user,
    )
    shown = list(items[:CHANNEL_POSTS_SHOWN])
    registry_selectors.read_links(
        user, [item.link for item in shown if item.link_readable], ReadChannel.LIST
    )
    total = len(shown)
    if total >= CHANNEL_POSTS_SHOWN:
        total = selectors.items_for(user).filter(source__in=sources).count()
    return {"channel_sources": sources, "channel_posts": shown, "channel_post_count": total}
