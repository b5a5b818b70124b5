"""Writes for watched sources (issue 16): adding one (by hand or from an organization's known
presence), pausing, resuming, marking gone, deleting, and registering the channel itself as a
link. The watching itself is sources.watching.

Every function takes the acting user and asks the one access policy (sources.access) first.
A source is identified by what is fetched (`watch_url`, from sources.parsers.urls): an agency
watches an address once, which the database holds (`source_unique_watch_per_agency`); a second
attempt, even a concurrent one, meets the constraint and gets a clear error naming the source
that already watches it.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from kibernadzor.errors import Conflict, DomainError, NotAllowed
from organizations.choices import PresencePlatform
from registry.choices import ReportSource, SubmissionStatus
from sources.choices import SourceKind, SourceState
from sources.models import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, Source

MAX_URL_LENGTH = 2000
# The username of an agency's monitor account: `monitor.<agency code>` (see monitor_account).
MONITOR_USERNAME = "monitor.{code}"


class SourceNotFound(DomainError):
    http_status = 404
    code = "not_found"


class SourceStateConflict(Conflict):
    code = "state_conflict"


# --- adding ---------------------------------------------------------------------------------
def resolve(url: str, kind: str | None = None, pattern: str = "") -> tuple[str, str, str, str]:
    """Check what would be watched: (url, kind, watch_url, pattern) or a DomainError naming the
    field. The kind is detected from the address when not given."""
    from sources.parsers.urls import NotWatchable, detect_kind, watch_url

    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        raise DomainError(_("Enter the address of the channel, wall or feed."), field="url")
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(
            _("The address is longer than %(limit)d characters.") % {"limit": MAX_URL_LENGTH},
            field="url",
        )
    kind = (kind or "").strip()
    if kind and kind not in SourceKind.values:
        raise DomainError(
            _("Unknown kind of source %(kind)r; choose one of: %(kinds)s.")
            % {"kind": kind[:40], "kinds": ", ".join(SourceKind.values)},
            field="kind",
        )
    pattern = (pattern or "").strip()
    if kind == SourceKind.PATTERN or (not kind and pattern):
        kind = SourceKind.PATTERN
        _check_pattern(pattern)
    elif pattern:
        raise DomainError(_("A link pattern applies only to a page source."), field="pattern")
    try:
        kind = detect_kind(url, kind or None)
        watched = watch_url(kind, url)
    except NotWatchable as error:
        raise DomainError(str(error), field="url") from None
    return url, str(kind), watched, pattern


def _check_pattern(pattern: str) -> None:
    """The pattern is checked when the source is saved (sources.parsers.compile_pattern: valid,
    bounded, no catastrophic backtracking), so the user learns at once, not at a watch."""
    from sources.parsers import ParseFailed, compile_pattern

    try:
        compile_pattern(pattern)
    except ParseFailed as error:
        raise DomainError(error.message, field="pattern") from None


def _check_interval(minutes) -> int:
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        value = None
    if value is None or not MIN_INTERVAL_MINUTES <= value <= MAX_INTERVAL_MINUTES:
        raise DomainError(
            _("Watch every %(min)d to %(max)d minutes.")
            % {"min": MIN_INTERVAL_MINUTES, "max": MAX_INTERVAL_MINUTES},
            field="interval_minutes",
        )
    return value


def add_source(
    *,
    actor,
    url: str,
    kind: str | None = None,
    pattern: str = "",
    title: str = "",
    organization=None,
    presence=None,
    interval_minutes=60,
    demo: bool = False,
) -> Source:
    """Start watching an address for the actor's agency.

    The address must be a watchable kind (sources.parsers.urls); an agency watches an address
    once (a Conflict naming the source that does). The first watch is due at once."""
    if not policy.can(actor, "add", model=Source):
        raise NotAllowed(_("You may not add sources."))
    if actor.agency_id is None:
        raise NotAllowed(_("Only officers of an agency can add sources."))
    url, kind, watched, pattern = resolve(url, kind, pattern)
    interval = _check_interval(interval_minutes)
    title = (title or "").strip()
    if len(title) > 300:
        raise DomainError(_("The title is longer than 300 characters."), field="title")
    if presence is not None and organization is None:
        organization = presence.organization
    source = Source(
        url=url,
        kind=kind,
        watch_url=watched,
        pattern=pattern,
        title=title,
        agency_id=actor.agency_id,
        organization=organization,
        presence=presence,
        created_by=actor,
        interval_minutes=interval,
        next_watch_at=timezone.now(),
        # A demo source names a real platform and is never fetched (sources.watching).
        state=SourceState.PAUSED if demo else SourceState.ACTIVE,
        is_demo=demo,
    )
    source._change_reason = "add"
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError as error:
        if _constraint(error) != "source_unique_watch_per_agency":
            raise
        existing = Source.objects.filter(agency_id=actor.agency_id, watch_url=watched).first()
        raise Conflict(
            _("Your agency already watches this address (source No. %(id)s).")
            % {"id": existing.pk if existing else "?"},
            field="url",
            source=existing.pk if existing else None,
        ) from None
    return source


def _constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


# The address of a presence on each platform that can be watched (its handle as the
# organizations register keeps it: organizations.models.normalise_handle).
_PRESENCE_URL = {
    PresencePlatform.TELEGRAM: "https://t.me/{handle}",
    PresencePlatform.VK: "https://vk.com/{handle}",
    PresencePlatform.YOUTUBE: "https://www.youtube.com/@{handle}",
    PresencePlatform.WEBSITE: "https://{handle}/sitemap.xml",
}


def presence_url(presence) -> tuple[str, str | None]:
    """(address, kind or None to detect) to watch for an organization's known presence."""
    handle = presence.handle.strip().strip("/")
    if presence.url:
        if presence.platform == PresencePlatform.WEBSITE:
            return presence.url, None
        return presence.url, None
    if presence.platform == PresencePlatform.YOUTUBE and handle.startswith("UC"):
        return f"https://www.youtube.com/channel/{handle}", None
    template = _PRESENCE_URL.get(presence.platform)
    if template is None:
        raise DomainError(
            _("A presence on %(platform)s cannot be watched.")
            % {"platform": presence.get_platform_display()},
            field="presence",
        )
    kind = SourceKind.SITEMAP if presence.platform == PresencePlatform.WEBSITE else None
    return template.format(handle=handle), kind


def source_from_presence(presence, *, actor, interval_minutes=60) -> Source:
    """Watch an organization's known channel, account or site (organizations.OnlinePresence)
    for the actor's agency, in one action: the source belongs to the organization."""
    url, kind = presence_url(presence)
    return add_source(
        actor=actor,
        url=url,
        kind=kind,
        title=str(presence),
        organization=presence.organization,
        presence=presence,
        interval_minutes=interval_minutes,
    )


# --- state ----------------------------------------------------------------------------------
def _locked_source(source_id: int, actor, action: str = "change") -> Source:
    """The source locked FOR UPDATE, if the actor may take `action` on it; 404 if they may not
    even see it (nothing about another agency's sources leaks), 403 if they only see it."""
    locked = Source.objects.select_for_update(of=("self",)).filter(pk=source_id)
    source = locked.restrict(actor, action).first()
    if source is not None:
        return source
    if Source.objects.restrict(actor, "view").filter(pk=source_id).exists():
        raise NotAllowed(_("You may not change this source."))
    raise SourceNotFound(_("No source No. %(id)s.") % {"id": source_id})


def _set_state(source: Source, state: str, reason: str, **fields) -> Source:
    source.state = state
    for name, value in fields.items():
        setattr(source, name, value)
    source._change_reason = reason
    source.save()
    return source


@transaction.atomic
def pause_source(source_id: int, *, actor) -> Source:
    """Stop watching until resumed."""
    source = _locked_source(source_id, actor)
    if source.state != SourceState.ACTIVE:
        raise SourceStateConflict(
            _("Only a watched source can be paused; this one is %(state)s.")
            % {"state": source.get_state_display()},
            field="state",
        )
    return _set_state(source, SourceState.PAUSED, "pause")


@transaction.atomic
def resume_source(source_id: int, *, actor) -> Source:
    """Watch again (a paused source, or a gone one that came back), at once."""
    source = _locked_source(source_id, actor)
    if source.state == SourceState.ACTIVE:
        raise SourceStateConflict(_("The source is already watched."), field="state")
    if source.is_demo:
        raise SourceStateConflict(
            _("A demo source is never watched: it names a real platform."), field="state"
        )
    return _set_state(
        source,
        SourceState.ACTIVE,
        "resume",
        next_watch_at=timezone.now(),
        consecutive_failures=0,
    )


@transaction.atomic
def mark_gone(source_id: int, *, actor) -> Source:
    """The channel or feed no longer exists: stop watching it (resume brings it back)."""
    source = _locked_source(source_id, actor)
    if source.state == SourceState.GONE:
        raise SourceStateConflict(_("The source is already marked gone."), field="state")
    return _set_state(source, SourceState.GONE, "gone")


@transaction.atomic
def update_source(
    source_id: int, *, actor, title=None, interval_minutes=None, organization=...
) -> Source:
    """Change a source's title, schedule or organization (its address is its identity: to
    watch another address, add another source)."""
    source = _locked_source(source_id, actor)
    if title is not None:
        title = title.strip()
        if len(title) > 300:
            raise DomainError(_("The title is longer than 300 characters."), field="title")
        source.title = title
    if interval_minutes is not None:
        source.interval_minutes = _check_interval(interval_minutes)
        if source.last_watched_at is not None:
            source.next_watch_at = source.last_watched_at + timedelta(
                minutes=source.interval_minutes
            )
    if organization is not ...:
        source.organization = organization
    source._change_reason = "edit"
    source.save()
    return source


@transaction.atomic
def delete_source(source_id: int, *, actor) -> None:
    """Stop watching for good: the source, its items and watches go; its links stay in the
    registry with their reports."""
    source = _locked_source(source_id, actor, "delete")
    source._change_reason = "delete"
    source.delete()


# --- channels as links ----------------------------------------------------------------------
def register_channel_as_link(source_id: int, *, actor):
    """Register the channel (group, playlist, feed) itself as a link in the registry, so it can
    be assessed and blocked as a whole (as regional offices do), its posts grouped under it
    through the source's items. Idempotent: the link already tied to the source is returned.

    The report is the actor's (source "monitor"): a person decided to register the channel."""
    from registry.models import Link
    from registry.services import submit_urls

    with transaction.atomic():
        source = _locked_source(source_id, actor)
        if source.channel_link_id is not None:
            return source.channel_link
        answer = submit_urls([source.url], user=actor, source=ReportSource.MONITOR)[0]
        if answer.status == SubmissionStatus.INVALID:
            raise DomainError(answer.message or _("The address is not valid."), field="url")
        if answer.link is None:
            # Known as another agency's confidential link: the answer says whom to contact.
            raise Conflict(answer.message, field="url")
        source.channel_link_id = answer.link
        source._change_reason = "channel link"
        source.save(update_fields=["channel_link"])
    return Link.objects.get(pk=answer.link)


# --- the monitor account --------------------------------------------------------------------
def monitor_account(agency):
    """The account in whose name an agency's watched sources report what they find.

    A watch is not a person: its reports carry the agency's own monitor account (username
    `monitor.<agency code>`), never the person who added the source, so the registry's trail
    says truthfully that the system found the post, for that agency, through a source (each
    SourceItem names which source and which watch). The account cannot log in (inactive, no
    usable password) and holds no role; it exists only so that reports name a user."""
    User = get_user_model()
    username = MONITOR_USERNAME.format(code=agency.code)[:150]
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(
        username=username,
        agency=agency,
        is_active=False,
        first_name=_("Source monitor"),
        position=_("automatic watch of sources"),
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created meanwhile by a concurrent watch
        return User.objects.get(username=username)
    return user


def monitor_accounts(agency_ids) -> dict[int, int]:
    """{agency id: its monitor account's user id} for these agencies, creating the missing
    accounts (a fixed number of queries: a watch batch asks for all its agencies at once)."""
    from accounts.models import Agency

    User = get_user_model()
    agency_ids = sorted(set(agency_ids))
    if not agency_ids:
        return {}
    expected = Concat(Value(MONITOR_USERNAME.format(code="")), F("agency__code"))
    found = dict(
        User.objects.filter(agency_id__in=agency_ids)
        .annotate(expected=expected)
        .filter(username=F("expected"))
        .values_list("agency_id", "pk")
    )
    missing = [pk for pk in agency_ids if pk not in found]
    if missing:
        for agency in Agency.objects.filter(pk__in=missing):
            found[agency.pk] = monitor_account(agency).pk
    return found
