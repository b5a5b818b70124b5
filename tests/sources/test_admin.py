"""Sources in the admin: read through the policy, URLs defanged, history read-only, pause
and resume through the services."""

import pytest

from accounts.choices import AgencyKind, Role
from sources import services
from sources.choices import SourceState

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(add):
    return add("https://t.me/admin_channel")


def test_a_prosecutor_reads_sources_defanged_with_their_history(
    client_for, regional_prosecutor, source
):
    client = client_for(regional_prosecutor)
    listing = client.get("/admin/sources/source/").content.decode()
    assert "hxxps://t[.]me/admin_channel" in listing
    assert "https://t.me/admin_channel" not in listing
    page = client.get(f"/admin/sources/source/{source.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert "hxxps://t[.]me/s/admin_channel" in page.content.decode()
    assert client.get("/admin/sources/source/add/").status_code == 403
    history = client.get(f"/admin/sources/source/{source.pk}/history/")
    assert history.status_code == 200
    assert client.post(f"/admin/sources/source/{source.pk}/history/").status_code == 405


def test_another_regions_prosecutor_does_not_see_the_source(client_for, make_user, source):
    far = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, region="KZ-11")
    client = client_for(far)
    assert client.get(f"/admin/sources/source/{source.pk}/change/").status_code in (302, 404)
    assert "admin_channel" not in client.get("/admin/sources/source/").content.decode()


def test_pause_action_goes_through_the_service(client_for, regional_prosecutor, source):
    client = client_for(regional_prosecutor)
    client.post(
        "/admin/sources/source/",
        {"action": "pause", "_selected_action": [source.pk]},
    )
    source.refresh_from_db()
    assert source.state == SourceState.PAUSED
    assert source.history.first().history_user == regional_prosecutor
    services.resume_source(source.pk, actor=regional_prosecutor)
