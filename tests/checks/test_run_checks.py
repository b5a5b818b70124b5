"""Recording checks: outcome, statistics, republications, attribution, reappearance, access."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import policy
from accounts.choices import AgencyKind, Role
from checks import recording, scheduling, selectors
from checks.choices import CheckTrigger, NotificationKind
from checks.models import Check, LinkStats, Notification, RepublicationGroup
from registry.choices import AttributionSource, LinkState
from registry.models import Link, LinkMaterial, StateChange
from tests.checks import sites
from tests.checks.sites import page, register
from utilities import fingerprints

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db

LONG_TEXT = "Это длинный текст публикации, который повторяется на разных сайтах без изменений. " * 6


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


def check_now(link, trigger=CheckTrigger.MANUAL):
    [check] = recording.run_checks([link.pk], trigger=trigger)
    return check


def test_check_records_outcome_title_views_and_fingerprint(site, officer):
    site.serve("/post", page("Пропаганда", LONG_TEXT, views=1234))
    [link] = register(officer, site.url("/post"))

    check = check_now(link)

    assert check.available is True
    assert check.status_code == 200
    assert check.final_url == site.url("/post")
    assert check.title == "Пропаганда"
    assert check.views == 1234
    assert "длинный текст" in check.excerpt
    expected = fingerprints.text_fingerprints(
        fingerprints.html_to_text(site.pages["/post"][1].decode())
    )
    assert check.content_sha256 == expected.sha256
    assert check.tlsh == expected.tlsh
    assert check.error == ""
    assert check.duration_ms >= 0
    stats = LinkStats.objects.get(link=link)
    assert stats.last_views == stats.max_views == stats.views_at_detection == 1234
    assert stats.last_checked_at is not None and stats.check_count == 1


def test_redirects_and_final_url_are_kept(site, officer):
    site.serve("/old", b"", status=301, Location=site.url("/new"))
    site.serve("/new", page("Moved", LONG_TEXT))
    [link] = register(officer, site.url("/old"))

    check = check_now(link)

    assert check.available is True
    assert check.final_url == site.url("/new")
    assert check.redirects == [site.url("/new")]


def test_missing_page_is_unavailable_and_rechecked_on_the_state_schedule(site, officer):
    [link] = register(officer, site.url("/gone"))

    before = timezone.now()
    check = check_now(link)

    assert check.available is False
    assert check.status_code == 404
    assert check.error == "http_error"
    assert check.content_sha256 == ""
    stats = LinkStats.objects.get(link=link)
    assert stats.failures == 0
    assert stats.next_check_at >= before + scheduling.recheck_interval(LinkState.NEW)


def test_transient_failure_backs_off_exponentially(site, officer, settings):
    site.serve("/busy", b"busy", status=503, content_type="text/plain")
    [link] = register(officer, site.url("/busy"))

    check_now(link)
    first = LinkStats.objects.get(link=link)
    check_now(link)
    second = LinkStats.objects.get(link=link)

    assert (first.failures, second.failures) == (1, 2)
    base = timedelta(minutes=settings.CHECKER_RETRY_BASE_MINUTES)
    assert first.next_check_at - first.last_checked_at == base
    assert second.next_check_at - second.last_checked_at == 2 * base


def test_intervals_follow_the_state():
    hours = scheduling.recheck_interval
    assert hours(LinkState.BLOCKING_REQUESTED) < hours(LinkState.UNDER_REVIEW)
    assert hours(LinkState.UNDER_REVIEW) < hours(LinkState.BLOCKED)
    assert hours(LinkState.BLOCKED) == hours(LinkState.REMOVED) == timedelta(days=1)
    assert hours(LinkState.REJECTED) is None


def test_a_second_delivery_of_the_same_task_records_nothing(site, officer):
    site.serve("/post", page("Once", LONG_TEXT))
    [link] = register(officer, site.url("/post"))
    requested = timezone.now()

    recording.run_checks([link.pk], trigger=CheckTrigger.FIRST, requested_at=requested)
    again = recording.run_checks([link.pk], trigger=CheckTrigger.FIRST, requested_at=requested)

    assert again == []
    assert Check.objects.filter(link=link).count() == 1


def test_view_series_and_maximum_follow_the_checks(site, officer):
    [link] = register(officer, site.url("/video"))
    for views in (100, 250, 200):
        site.serve("/video", page("Video", LONG_TEXT, views=views))
        check_now(link)

    assert [v for _, v in selectors.view_series(officer, link.pk)] == [100, 250, 200]
    stats = LinkStats.objects.get(link=link)
    assert (stats.views_at_detection, stats.last_views, stats.max_views) == (100, 200, 250)


def test_same_content_at_two_links_is_one_republication_group(site, officer):
    site.serve("/a", page("A", LONG_TEXT))
    site.serve("/b", page("A", LONG_TEXT))
    site.serve("/c", page("C", LONG_TEXT + " и ещё другой текст"))
    [first] = register(officer, site.url("/a"))
    second, other = register(officer, site.url("/b"), site.url("/c"))

    for link in (second, first, other):
        check_now(link)

    group = RepublicationGroup.objects.get()
    assert group.link_count == 2
    assert group.first_link == first  # the earliest reported, whatever was checked first
    assert set(group.members.values_list("link_id", flat=True)) == {first.pk, second.pk}
    assert LinkStats.objects.get(link=other).republication_group is None


def test_link_leaving_the_content_leaves_the_group(site, officer):
    site.serve("/a", page("A", LONG_TEXT))
    site.serve("/b", page("A", LONG_TEXT))
    first, second = register(officer, site.url("/a"), site.url("/b"))
    check_now(first)
    check_now(second)

    site.serve("/b", page("B", "совсем другое содержание страницы " * 20))
    check_now(second)

    group = RepublicationGroup.objects.get()
    assert group.link_count == 1
    assert LinkStats.objects.get(link=second).republication_group is None


def test_short_common_pages_are_not_grouped(site, officer):
    site.serve("/a", page("Stub", "Страница"))
    site.serve("/b", page("Stub", "Страница"))
    for link in register(officer, site.url("/a"), site.url("/b")):
        check_now(link)

    assert not RepublicationGroup.objects.exists()


def test_content_matching_a_material_is_attributed_to_it(site, officer):
    from materials.models import Material, MaterialFingerprint

    material = Material.objects.create(number=4242, title="Брошюра", kind="print")
    body = page("Брошюра", LONG_TEXT)
    fp = fingerprints.text_fingerprints(fingerprints.html_to_text(body.decode()))
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256="f" * 64, md5="0" * 32, text_sha256=fp.text_sha256
    )
    site.serve("/copy", body)
    [link] = register(officer, site.url("/copy"))

    check_now(link)
    check_now(link)  # a second check does not attribute twice

    attribution = LinkMaterial.objects.get(link=link)
    assert attribution.material == material
    assert attribution.source == AttributionSource.AUTOMATIC
    assert attribution.added_by is None
    note = Notification.objects.get(kind=NotificationKind.MATERIAL_MATCH)
    assert note.agency_id == officer.agency_id and "4242" in note.message


def test_material_attributed_by_hand_is_left_as_it_is_and_not_announced(site, officer):
    from materials.models import Material, MaterialFingerprint

    material = Material.objects.create(number=4243, title="Листовка", kind="print")
    body = page("Листовка", LONG_TEXT)
    fp = fingerprints.text_fingerprints(fingerprints.html_to_text(body.decode()))
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256=fp.sha256, md5=fp.md5, text_sha256=fp.text_sha256
    )
    site.serve("/leaflet", body)
    [link] = register(officer, site.url("/leaflet"))
    LinkMaterial.objects.create(
        link=link, material=material, source=AttributionSource.MANUAL, added_by=officer
    )

    check_now(link)

    attribution = LinkMaterial.objects.get(link=link)
    assert attribution.source == AttributionSource.MANUAL and attribution.added_by == officer
    assert not Notification.objects.filter(kind=NotificationKind.MATERIAL_MATCH).exists()


def test_content_matching_an_excluded_material_is_not_attributed(site, officer):
    from materials.choices import MaterialStatus
    from materials.models import Material, MaterialFingerprint

    material = Material.objects.create(
        number=4244, title="Брошюра", kind="print", status=MaterialStatus.EXCLUDED
    )
    body = page("Брошюра", LONG_TEXT)
    fp = fingerprints.text_fingerprints(fingerprints.html_to_text(body.decode()))
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256=fp.sha256, md5=fp.md5, text_sha256=fp.text_sha256
    )
    site.serve("/old", body)
    [link] = register(officer, site.url("/old"))

    check_now(link)

    assert not LinkMaterial.objects.filter(link=link).exists()


def test_blocked_link_found_available_reappears_and_its_agency_is_told(site, officer):
    site.serve("/post", page("Back", LONG_TEXT, views=70))
    [link] = register(officer, site.url("/post"))
    check_now(link)  # views 70 seen while the case was open
    blocked_at = timezone.now()
    Link.objects.filter(pk=link.pk).update(state=LinkState.BLOCKED, state_changed_at=blocked_at)
    site.serve("/post", page("Back", LONG_TEXT, views=90))

    check_now(link)

    link.refresh_from_db()
    assert link.state == LinkState.REAPPEARED
    change = StateChange.objects.get(link=link, to_state=LinkState.REAPPEARED)
    assert change.actor is None and change.from_state == LinkState.BLOCKED
    note = Notification.objects.get(kind=NotificationKind.REAPPEARED)
    assert note.agency_id == officer.agency_id and note.link_id == link.pk
    stats = LinkStats.objects.get(link=link)
    assert stats.views_at_blocking == 70
    assert stats.next_check_at - stats.last_checked_at <= timedelta(hours=2)


def test_blocked_link_still_unavailable_stays_blocked(site, officer):
    [link] = register(officer, site.url("/removed"))
    Link.objects.filter(pk=link.pk).update(state=LinkState.REMOVED)

    check_now(link)

    link.refresh_from_db()
    assert link.state == LinkState.REMOVED
    assert not Notification.objects.exists()


def test_checks_are_visible_to_whoever_sees_the_link(site, officer, make_user):
    site.serve("/post", page("P", LONG_TEXT))
    [link] = register(officer, site.url("/post"))
    check_now(link)
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-11")
    admin = make_user(Role.ADMIN)

    assert selectors.checks_for(officer).filter(link=link).exists()
    assert selectors.stats_for(officer).filter(link=link).exists()
    assert not selectors.checks_for(stranger).exists()
    assert not selectors.stats_for(stranger).exists()
    assert not selectors.checks_for(admin).exists()
    assert not policy.can(officer, "change", model=Check)


def test_reappearance_notification_is_emailed_when_configured(
    site, officer, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CHECKER_NOTIFY_EMAIL = True
    officer.email = "officer@example.kz"
    officer.save()
    site.serve("/post", page("Back", LONG_TEXT))
    [link] = register(officer, site.url("/post"))
    Link.objects.filter(pk=link.pk).update(state=LinkState.BLOCKED)

    with django_capture_on_commit_callbacks(execute=True):
        check_now(link)

    assert [m.to for m in mailoutbox] == [["officer@example.kz"]]
