"""Captures are asked for by themselves: at a link's first successful check, when a check
finds the content changed, when a prosecutor confirms the link, when an order covering it is
signed; at sending, the order is written into the custody of each link's latest capture. On
demand, from the API, by whoever may read the link."""

import io
import zipfile

import pytest

from accounts.choices import AgencyKind, Role
from checks.recording import run_checks
from evidence import services
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture
from orders import services as order_services
from orders.choices import RecipientKind
from orders.models import Recipient
from registry import services as registry_services
from registry.choices import LinkState
from tests.checks.sites import page, register

pytestmark = pytest.mark.django_db


def reasons(link) -> list[str]:
    return list(Capture.objects.filter(link=link).order_by("pk").values_list("reason", flat=True))


def test_first_successful_check_and_changed_content_ask_for_captures(site, officer):
    site.serve("/post", page("Пост", "Первая версия текста публикации"))
    site.serve("/missing", b"gone", status=404)
    link, missing = register(officer, site.url("/post"), site.url("/missing"))

    run_checks([link.pk, missing.pk])
    assert reasons(link) == [CaptureReason.FIRST_CHECK]
    assert reasons(missing) == []  # nothing to preserve until it answers

    services.take_capture(Capture.objects.get(link=link).pk)
    run_checks([link.pk])
    assert reasons(link) == [CaptureReason.FIRST_CHECK]  # the same content: no new capture

    site.serve("/post", page("Пост", "Текст публикации изменён автором после жалобы"))
    run_checks([link.pk])
    assert reasons(link) == [CaptureReason.FIRST_CHECK, CaptureReason.CHANGED]


def test_confirming_a_link_asks_for_a_capture(officer, prosecutor):
    link = register(officer, "https://example.test/post/7")[0]
    registry_services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    registry_services.transition(
        link.pk,
        LinkState.CONFIRMED,
        actor=prosecutor,
        reason="Призывы к насилию",
        classification="extremist",
    )

    capture = Capture.objects.get(link=link)
    assert (capture.reason, capture.requested_by) == (CaptureReason.CONFIRMED, prosecutor)
    assert capture.state == CaptureState.PENDING


def test_an_order_is_preceded_by_captures_and_attached_to_them(
    site, evidence_page, officer, prosecutor
):
    link = register(officer, evidence_page)[0]
    (first,) = services.request_captures([link.pk], CaptureReason.ON_DEMAND)
    services.take_capture(first.pk)
    type(link).objects.filter(pk=link.pk).update(state=LinkState.CONFIRMED)
    ministry = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    order = order_services.create_order(
        prosecutor, recipient=ministry, links=[link.pk], law_article="ст. 41-1"
    )

    order_services.sign_order(prosecutor, order)
    before = Capture.objects.get(link=link, reason=CaptureReason.BEFORE_ORDER)
    assert before.order == order
    services.take_capture(before.pk)
    order_services.send_order(prosecutor, order)

    before.refresh_from_db()
    attached = before.custody.get(action=CustodyAction.ATTACHED_TO_ORDER)
    assert attached.details == {"order": order.pk}
    assert not first.custody.filter(action=CustodyAction.ATTACHED_TO_ORDER).exists()


def test_with_enqueue_on_commit_the_capture_is_taken_in_the_queue(
    site, evidence_page, officer, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_ENQUEUE_ON_COMMIT = True  # tasks run inline here (CELERY_TASK_ALWAYS_EAGER)
    link = register(officer, evidence_page)[0]
    with django_capture_on_commit_callbacks(execute=True):
        (capture,) = services.request_captures([link.pk], CaptureReason.FIRST_CHECK)

    capture.refresh_from_db()
    assert capture.state == CaptureState.DONE


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def test_on_demand_over_the_api_for_those_who_read_the_link(as_user, officer, make_user):
    link = register(officer, "https://example.test/post/9")[0]
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")

    answer = as_user(officer).post("/api/v1/captures/", {"link": link.pk}, format="json")
    assert answer.status_code == 202, answer.content
    assert answer.json()["state"] == CaptureState.PENDING
    assert answer.json()["reason"] == CaptureReason.ON_DEMAND

    refused = as_user(stranger).post("/api/v1/captures/", {"link": link.pk}, format="json")
    assert refused.status_code == 403
    assert as_user(stranger).get(f"/api/v1/captures/?link={link.pk}").json()["count"] == 0
    assert as_user(officer).get(f"/api/v1/captures/?link={link.pk}").json()["count"] == 1


def test_the_package_over_the_api_is_logged_as_downloaded(
    site, evidence_page, as_user, officer, make_user
):
    link = register(officer, evidence_page)[0]
    (capture,) = services.request_captures([link.pk], CaptureReason.ON_DEMAND)
    services.take_capture(capture.pk)
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")

    answer = as_user(officer).get(f"/api/v1/captures/package/?link={link.pk}")

    assert answer.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert f"capture-{capture.pk}/screenshot.png" in names
    downloaded = capture.custody.get(action=CustodyAction.DOWNLOADED)
    assert (downloaded.user, downloaded.details) == (officer, {"channel": "api"})
    assert as_user(stranger).get(f"/api/v1/captures/package/?link={link.pk}").status_code == 404


def test_the_dispatcher_sends_captures_left_pending(site, evidence_page, officer):
    from datetime import timedelta

    from django.utils import timezone

    from evidence.tasks import dispatch_pending

    old, new = register(officer, evidence_page, site.url("/style.css"))
    (left,) = services.request_captures([old.pk], CaptureReason.FIRST_CHECK)
    (recent,) = services.request_captures([new.pk], CaptureReason.FIRST_CHECK)
    Capture.objects.filter(pk=left.pk).update(requested_at=timezone.now() - timedelta(minutes=5))

    assert dispatch_pending() == 1  # inline here: taken at once

    assert Capture.objects.get(pk=left.pk).state == CaptureState.DONE
    assert Capture.objects.get(pk=recent.pk).state == CaptureState.PENDING
