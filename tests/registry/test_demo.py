from django.core.management import call_command

from registry.models import Link


def test_seed_demo_registers_demo_links_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Link.objects.filter(is_demo=True).count()
    assert 300 <= count <= 400
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Link.objects.filter(is_demo=True).count() == count
    assert Link.objects.exclude(is_demo=True).count() == 0


def test_demo_links_are_dated_over_the_last_weeks_with_their_trail_in_order(db):
    import datetime as dt

    from django.utils import timezone

    from registry.models import Report, StateChange

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    first = Link.objects.filter(is_demo=True).order_by("first_reported_at")
    assert now - first.first().first_reported_at > dt.timedelta(weeks=11)
    assert now - first.last().first_reported_at < dt.timedelta(days=1)
    for link in first[:50]:  # the oldest: these went through review
        reports = list(Report.objects.filter(link=link).order_by("pk"))
        assert reports[0].submitted_at == link.first_reported_at
        assert all(r.submitted_at <= now for r in reports)
        moves = list(StateChange.objects.filter(link=link).order_by("pk"))
        times = [link.first_reported_at] + [m.at for m in moves]
        assert times == sorted(times)
        assert link.state_changed_at == times[-1]
