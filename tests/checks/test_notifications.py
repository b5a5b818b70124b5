"""Notifications of the checks app: each reaches only its agency, is marked read by its readers,
and is emailed through the configured mailer when CHECKER_NOTIFY_EMAIL is on."""

import pytest

from accounts.choices import AgencyKind, Role
from checks import notifications, selectors
from checks.choices import NotificationKind
from checks.models import Notification
from tests.checks.sites import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


def test_notifications_reach_only_their_agency_and_are_marked_read(officer, make_user):
    [link] = register(officer, "https://127.0.0.1:9/x")
    notifications.notify_agencies(link, NotificationKind.REAPPEARED, "back again")
    colleague = make_user(Role.SUPERVISOR, agency=officer.agency)
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-11")

    assert selectors.notifications_for(colleague).count() == 1
    assert not selectors.notifications_for(stranger).exists()
    note = Notification.objects.get()
    assert notifications.mark_read([note.pk], user=stranger) == 0
    assert notifications.mark_read([note.pk], user=officer) == 1
    assert not selectors.notifications_for(colleague, unread_only=True).exists()


def test_notification_email_goes_through_the_configured_mailer_without_deprecation_warnings(
    officer, settings, mailoutbox, django_capture_on_commit_callbacks
):
    import warnings

    from django.utils.deprecation import RemovedInDjango2028Warning

    settings.CHECKER_NOTIFY_EMAIL = True
    officer.email = "officer@example.kz"
    officer.save()
    [link] = register(officer, "https://127.0.0.1:9/mail")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_agencies(link, NotificationKind.REAPPEARED, "back again")

    assert [m.to for m in mailoutbox] == [["officer@example.kz"]]
    assert not [w for w in caught if issubclass(w.category, RemovedInDjango2028Warning)]
