"""Demo links for `manage.py seed_demo`: a few hundred, submitted by the demo users through the
same service as everyone else (set-based), marked `is_demo`. Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from registry import services
from registry.choices import LinkClassification, LinkState, ReportSource
from registry.models import Link, Report, StateChange

# Confirming needs a classification (registry.transitions): the demo spreads its confirmed links.
DEMO_CLASSIFICATIONS = (
    LinkClassification.EXTREMIST,
    LinkClassification.TERRORIST,
    LinkClassification.EXTREMIST,
    LinkClassification.SEPARATIST,
)

_FORMS = [
    "https://youtu.be/demo{n:07d}?si=demo",
    "https://t.me/demo_channel_{m}/{n}",
    "https://vk.com/wall-{m}00_{n}",
    "https://x.com/demo_user_{m}/status/9{n:09d}",
    "https://www.instagram.com/p/Demo{n:05d}/",
    "https://www.tiktok.com/@demo{m}/video/7{n:018d}",
    "https://ok.ru/video/{n}",
    "https://demo-propaganda-{m}.example/articles/{n}",
]


# The reasons the demo records, stored once for readers of every language: the words of a
# prosecutor in Russian, Kazakh and English, each marked as demo data.
DEMO_REASONS = {
    "confirmed": "Демо: противоправность подтверждена / Демо: заңсыздығы расталды / "
    "Demo: confirmed as illegal",
    "blocked": "Демо: заблокировано / Демо: бұғатталды / Demo: blocked",
    "legal": "Демо: материал не противоправен / Демо: материал заңсыз емес / Demo: legal content",
}


def demo_urls(count: int = 320) -> list[str]:
    return [_FORMS[n % len(_FORMS)].format(n=n, m=n % 7) for n in range(count)]


def _spread_over_recent_weeks(ids: list[int], weeks: int = 12) -> None:
    """Date the demo as if it had been worked on for `weeks`: the first links oldest, repeats
    and state changes between a link's first report and now. Without this every demo record
    is dated the moment `seed_demo` ran, and the dashboard's trend is a single spike."""
    now = timezone.now()
    span = dt.timedelta(weeks=weeks)
    links = Link.objects.in_bulk(ids)
    first_at = {}
    for index, pk in enumerate(ids):
        age = span * (1 - index / len(ids)) - dt.timedelta(hours=index % 11)
        first_at[pk] = now - max(age, dt.timedelta(hours=1))
        links[pk].first_reported_at = first_at[pk]
    reports = list(Report.objects.filter(link_id__in=ids).order_by("link_id", "pk"))
    changes = list(StateChange.objects.filter(link_id__in=ids).order_by("link_id", "pk"))
    for rows, field in ((reports, "submitted_at"), (changes, "at")):
        by_link: dict[int, list] = {}
        for row in rows:
            by_link.setdefault(row.link_id, []).append(row)
        for pk, group in by_link.items():
            start = first_at[pk]
            step = (now - start) / (len(group) + 1)
            for number, row in enumerate(group):
                # A link's first report is its registration; later rows follow in order.
                offset = number if field == "submitted_at" else number + 1
                setattr(row, field, start + step * offset)
    last_change = {change.link_id: change.at for change in changes}  # ordered: the last wins
    for link in links.values():
        link.state_changed_at = last_change.get(link.pk, link.first_reported_at)
    Link.objects.bulk_update(links.values(), ["first_reported_at", "state_changed_at"])
    Report.objects.bulk_update(reports, ["submitted_at"])
    StateChange.objects.bulk_update(changes, ["at"])
    _date_history_like_the_trail(links, changes)


def _date_history_like_the_trail(links: dict, changes: list) -> None:
    """Each link's history must agree with its row (`manage.py check_record`): its first record
    is the registration, each later one a step of the trail, dated and valued to match."""
    steps: dict[int, list] = {}
    for change in changes:
        steps.setdefault(change.link_id, []).append(change.at)
    history = Link.history.model
    records = list(history.objects.filter(id__in=list(links)).order_by("id", "history_id"))
    number = {}
    for record in records:
        link = links[record.id]
        index = number[record.id] = number.get(record.id, -1) + 1
        trail = steps.get(record.id, [])
        at = trail[min(index, len(trail)) - 1] if index and trail else link.first_reported_at
        record.first_reported_at = link.first_reported_at
        record.state_changed_at = at
        record.history_date = at
    history.objects.bulk_update(
        records, ["first_reported_at", "state_changed_at", "history_date"], batch_size=1000
    )


def seed(stdout=None) -> str:
    if Link.objects.filter(is_demo=True).exists():
        return f"Links: {Link.objects.filter(is_demo=True).count()} demo links already in place"
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    officer = users.get("demo_officer")
    supervisor = users.get("demo_supervisor")
    prosecutor = users.get("demo_prosecutor")
    if not (officer and supervisor and prosecutor):
        return "Links: skipped (the demo users are missing)"
    urls = demo_urls()
    with transaction.atomic():
        services.submit_urls(urls, user=officer, source=ReportSource.DEMO, demo=True)
        # Some were found again by the central office: repeats, not new links.
        services.submit_urls(urls[::10], user=prosecutor, source=ReportSource.DEMO, demo=True)
        services.submit_urls(
            urls[-8:], user=officer, source=ReportSource.DEMO, demo=True, confidential=True
        )
        ids = list(Link.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True))
        for pk in ids[:80]:
            services.transition(pk, LinkState.UNDER_REVIEW, actor=supervisor)
        for pk in ids[:40]:
            services.transition(
                pk,
                LinkState.CONFIRMED,
                actor=prosecutor,
                reason=DEMO_REASONS["confirmed"],
                classification=DEMO_CLASSIFICATIONS[pk % len(DEMO_CLASSIFICATIONS)],
            )
        for pk in ids[:20]:
            services.transition(
                pk,
                LinkState.BLOCKING_REQUESTED,
                actor=prosecutor,
                document_number=f"DEMO-{pk}",
                document_date=dt.date(2026, 1, 15),
            )
        for pk in ids[:10]:
            services.transition(
                pk, LinkState.BLOCKED, actor=prosecutor, reason=DEMO_REASONS["blocked"]
            )
        for pk in ids[40:50]:
            services.transition(
                pk, LinkState.REJECTED, actor=supervisor, reason=DEMO_REASONS["legal"]
            )
        _spread_over_recent_weeks(ids)
    return f"Links: {len(ids)} demo links ({len(urls) // 10 + 8} repeat reports, 80 reviewed)"
