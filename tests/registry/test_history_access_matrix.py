"""Who sees which link's history in the admin: roles × agencies × regions (docs/design.md §5.4).

A link's history (the list of its records and each record) is its content: it is shown exactly
to those the policy lets read the link, with the same oracle as tests/registry/test_access_matrix.
"""

from django.urls import reverse

from registry.models import Link
from tests.registry.test_access_matrix import may_read_link, world  # noqa: F401  (fixture)
from tests.second_factor import log_in
from utilities.defang import defang


def _history_pages(link):
    record = link.history.earliest()
    return (
        reverse("admin:registry_link_history", args=[link.pk]),
        reverse("admin:registry_link_simple_history", args=[link.pk, record.history_id]),
    )


def test_every_role_in_every_agency_sees_exactly_the_link_histories_the_design_allows(
    world,  # noqa: F811
    client,
):
    links = list(Link.objects.prefetch_related("reports__agency"))
    for viewer in world.values():
        if not viewer.is_staff:
            continue  # no admin at all (asserted below)
        log_in(client, viewer)
        for link in links:
            allowed = may_read_link(viewer, link)
            for url in _history_pages(link):
                response = client.get(url)
                expected = (200,) if allowed else (403, 404)
                assert response.status_code in expected, (viewer.username, url)
                if allowed:
                    assert defang(link.url).encode() in response.content  # never live


def test_roles_without_the_admin_are_sent_to_its_login_from_every_history_page(
    world,  # noqa: F811
    client,
):
    link = Link.objects.first()
    for viewer in world.values():
        if viewer.is_staff:
            continue
        log_in(client, viewer)
        for url in _history_pages(link):
            response = client.get(url)
            assert response.status_code == 302, (viewer.username, url)
            assert "/admin/login/" in response["Location"]
