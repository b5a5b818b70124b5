"""Assign by picking: the link page lists only the agencies the actor may assign to and their
people, and a forged POST naming anyone else is refused, with nothing saved; whoever a link
is assigned to is notified in the portal."""

import pytest
from django.utils import translation

from accounts.choices import AgencyKind, Role
from checks.choices import NotificationKind
from checks.models import Notification
from registry import services
from registry.models import Link
from tests.factories import AgencyFactory, UserFactory, region
from tests.portal.conftest import browser_for, page


@pytest.fixture
def agencies(db):
    return {
        "a": AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75")),
        "b": AgencyFactory(kind=AgencyKind.KNB, region=region("KZ-75")),
        "c": AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-71")),
    }


@pytest.fixture
def people(agencies):
    a, b, c = agencies["a"], agencies["b"], agencies["c"]
    return {
        "officer_a": UserFactory(agency=a, roles=[Role.OFFICER], username="officer_a"),
        "supervisor_a": UserFactory(agency=a, roles=[Role.SUPERVISOR], username="supervisor_a"),
        "officer_b": UserFactory(agency=b, roles=[Role.OFFICER], username="officer_b"),
        "supervisor_b": UserFactory(agency=b, roles=[Role.SUPERVISOR], username="supervisor_b"),
        "supervisor_b2": UserFactory(agency=b, roles=[Role.SUPERVISOR], username="supervisor_b2"),
        "officer_c": UserFactory(agency=c, roles=[Role.OFFICER], username="officer_c"),
        "retired_a": UserFactory(
            agency=a, roles=[Role.OFFICER], username="retired_a", is_active=False
        ),
        "analyst_a": UserFactory(agency=a, roles=[Role.ANALYST], username="analyst_a"),
    }


@pytest.fixture
def link(people):
    [answer] = services.submit_urls(["https://t.me/bad_channel/7"], user=people["officer_a"])
    return Link.objects.get(pk=answer.link)


def picker(user, link):
    doc = page(browser_for(user).get(f"/links/{link.pk}/"))
    agencies = doc.xpath("//select[@name='assign-agency']/option[@value!='']/@value")
    officers = {
        option.get("value"): option.get("data-agency")
        for option in doc.xpath("//select[@name='assign-user']/option[@value!='']")
    }
    return {int(pk) for pk in agencies}, officers


def test_a_supervisor_picks_from_the_agencies_and_people_of_their_region(link, agencies, people):
    offered_agencies, officers = picker(people["supervisor_a"], link)
    assert agencies["a"].pk in offered_agencies and agencies["b"].pk in offered_agencies
    assert agencies["c"].pk not in offered_agencies
    # Each person says their agency, for the browser's filter; analysts and the inactive
    # are not offered, nor anyone outside the region.
    assert officers == {
        "officer_a": str(agencies["a"].pk),
        "supervisor_a": str(agencies["a"].pk),
        "officer_b": str(agencies["b"].pk),
        "supervisor_b": str(agencies["b"].pk),
        "supervisor_b2": str(agencies["b"].pk),
    }


def test_the_page_loads_the_picker_script_from_static_files(link, people):
    doc = page(browser_for(people["supervisor_a"]).get(f"/links/{link.pk}/"))
    sources = doc.xpath("//script/@src")
    assert any("portal/assign-picker" in src for src in sources)
    assert not [s for s in doc.xpath("//script[not(@src)]") if s.text and s.text.strip()]


def assign(actor, link, **data):
    fields = {f"assign-{name}": value for name, value in data.items()}
    return browser_for(actor).post(f"/links/{link.pk}/assign/", fields)


def test_picking_an_agency_and_its_officer_assigns_and_notifies_the_officer(link, people):
    supervisor, officer = people["supervisor_a"], people["officer_b"]
    response = assign(
        supervisor, link, agency=officer.agency_id, user="officer_b", due_date="2026-12-20"
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.assigned_agency_id, link.assigned_user_id) == (officer.agency_id, officer.pk)
    [note] = Notification.objects.filter(kind=NotificationKind.ASSIGNED)
    assert (note.user_id, note.agency_id, note.link_id) == (officer.pk, None, link.pk)
    assert "20.12.2026" in note.message
    # The officer sees it among their notifications, with the way to the link's page.
    doc = page(browser_for(officer).get("/notifications/"))
    assert doc.xpath(f"//li[@id='note-{note.pk}']//a[@href='/links/{link.pk}/']")
    assert "link assigned" in doc.xpath(f"string(//li[@id='note-{note.pk}'])")
    # Nobody else was told.
    assert not Notification.objects.exclude(pk=note.pk).exists()


def test_assigning_only_the_agency_notifies_its_supervisors(link, people):
    response = assign(people["supervisor_a"], link, agency=people["officer_b"].agency_id)
    assert response.status_code == 302
    notified = set(
        Notification.objects.filter(kind=NotificationKind.ASSIGNED).values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"supervisor_b", "supervisor_b2"}
    # Not the agency's officers, and not as an agency-wide notice.
    assert not Notification.objects.filter(agency__isnull=False).exists()
    officer_page = page(browser_for(people["officer_b"]).get("/notifications/"))
    assert not officer_page.xpath("//li[contains(@class, 'note')]")


def test_nobody_is_told_of_their_own_assignment_or_of_an_unchanged_one(link, people):
    supervisor = people["supervisor_a"]
    assert assign(supervisor, link, agency=supervisor.agency_id, user="supervisor_a").status_code
    assert not Notification.objects.exists()
    assign(supervisor, link, agency=supervisor.agency_id, user="officer_a")
    assign(supervisor, link, agency=supervisor.agency_id, user="officer_a", due_date="2026-12-24")
    assert Notification.objects.filter(user=people["officer_a"]).count() == 1


def test_the_notice_is_written_in_the_actor_s_language(link, people):
    with translation.override("ru"):
        services.assign(
            link.pk,
            actor=people["supervisor_a"],
            agency=people["officer_a"].agency,
            user=people["officer_a"],
        )
    [note] = Notification.objects.all()
    assert f"Ссылка № {link.pk}" in note.message and "назначил" in note.message


@pytest.mark.parametrize(
    ("agency", "officer", "field"),
    [
        ("c", None, "agency"),  # an agency of another region
        ("a", "officer_c", "user"),  # a person of another region
        ("a", "retired_a", "user"),  # an inactive person
        ("a", "analyst_a", "user"),  # someone who does not work on links
        ("a", "officer_b", "user"),  # in reach, but not of the agency picked
        ("a", "nobody", "user"),  # no such person
    ],
)
def test_a_forged_pick_is_refused_on_its_field_and_nothing_is_saved(
    link, agencies, people, agency, officer, field
):
    data = {"agency": agencies[agency].pk}
    if officer:
        data["user"] = officer
    response = assign(people["supervisor_a"], link, **data)
    assert response.status_code == 400
    assert page(response).xpath(f"//*[@id='id_assign-{field}_error']")
    link.refresh_from_db()
    assert (link.assigned_agency_id, link.assigned_user_id) == (None, None)
    assert not Notification.objects.exists()


def test_the_service_refuses_what_the_form_would_not_offer(link, agencies, people):
    """The API and any other caller meet the same lists (registry.selectors.assignable_*)."""
    from kibernadzor.errors import DomainError, NotAllowed

    supervisor = people["supervisor_a"]
    with pytest.raises(NotAllowed):
        services.assign(link.pk, actor=supervisor, agency=agencies["c"])
    with pytest.raises(NotAllowed):
        services.assign(link.pk, actor=supervisor, agency=agencies["a"], user=people["analyst_a"])
    with pytest.raises(DomainError):
        services.assign(link.pk, actor=supervisor, agency=agencies["a"], user=people["officer_b"])


def test_people_who_may_not_change_the_link_get_no_picker_and_cannot_post(link, people):
    officer = people["officer_a"]
    doc = page(browser_for(officer).get(f"/links/{link.pk}/"))
    assert not doc.xpath("//select[@name='assign-agency']")
    response = assign(officer, link, agency=officer.agency_id, user="officer_a")
    assert response.status_code in (403, 404)
    link.refresh_from_db()
    assert link.assigned_agency_id is None
