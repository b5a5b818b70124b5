"""Demo links for `manage.py seed_demo`: a few hundred, submitted by the demo users through the
same service as everyone else (set-based), marked `is_demo`. Idempotent."""

import datetime as dt

from django.db import transaction

from accounts.models import User
from registry import services
from registry.choices import LinkState, ReportSource
from registry.models import Link

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


def demo_urls(count: int = 320) -> list[str]:
    return [_FORMS[n % len(_FORMS)].format(n=n, m=n % 7) for n in range(count)]


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
            services.transition(pk, LinkState.CONFIRMED, actor=prosecutor, reason="Demo: confirmed")
        for pk in ids[:20]:
            services.transition(
                pk,
                LinkState.BLOCKING_REQUESTED,
                actor=prosecutor,
                document_number=f"DEMO-{pk}",
                document_date=dt.date(2026, 1, 15),
            )
        for pk in ids[:10]:
            services.transition(pk, LinkState.BLOCKED, actor=prosecutor, reason="Demo: blocked")
        for pk in ids[40:50]:
            services.transition(pk, LinkState.REJECTED, actor=supervisor, reason="Demo: legal")
    return f"Links: {len(ids)} demo links ({len(urls) // 10 + 8} repeat reports, 80 reviewed)"
