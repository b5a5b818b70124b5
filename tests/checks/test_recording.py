"""Recording a batch of checks is set-based: its cost in queries does not grow with its size."""

import pytest

from accounts.choices import Role
from checks import recording
from checks.models import Check, LinkStats, RepublicationGroup
from tests.checks import sites
from tests.checks.sites import page, register

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db

TEXT = "Один и тот же текст, опубликованный по двум адресам, образует группу. " * 8

# SAVEPOINT; INSERT the missing LinkStats; SELECT them FOR UPDATE with their links; INSERT the
# checks; UPDATE the statistics; grouping: SELECT the links with the same contents, SELECT the
# new groups' links in report order and their contents, INSERT the groups, SELECT their ids,
# UPDATE the members, UPDATE the counts; materials: SELECT exact copies, SELECT TLSH copies;
# evidence: INSERT the captures the batch asks for (evidence.triggers); RELEASE SAVEPOINT.
BATCH_QUERIES = 16


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


@pytest.mark.parametrize("pairs", [1, 5])
def test_a_batch_of_results_costs_the_same_queries_whatever_its_size(
    site, officer, pairs, django_assert_num_queries
):
    """Each pair of links serves one text: every pair makes a new republication group."""
    paths = []
    for n in range(pairs):
        site.serve(f"/{n}/a", page("A", f"{n} {TEXT}"))
        site.serve(f"/{n}/b", page("B", f"{n} {TEXT}"))
        paths += [f"/{n}/a", f"/{n}/b"]
    links = register(officer, *(site.url(p) for p in paths))
    fetched = recording.fetch([(link.pk, link.url) for link in links])

    with django_assert_num_queries(BATCH_QUERIES):
        checks = recording.record_results(fetched, trigger="manual")

    assert len(checks) == Check.objects.count() == 2 * pairs
    assert RepublicationGroup.objects.filter(link_count=2).count() == pairs
    assert LinkStats.objects.filter(check_count=1, last_available=True).count() == 2 * pairs


def test_re_recording_unchanged_pages_costs_less(site, officer, django_assert_max_num_queries):
    """A re-check that finds the same content in its group skips the grouping work."""
    site.serve("/a", page("A", TEXT))
    site.serve("/b", page("B", TEXT))
    links = register(officer, site.url("/a"), site.url("/b"))
    recording.run_checks([link.pk for link in links])
    fetched = recording.fetch([(link.pk, link.url) for link in links])

    with django_assert_max_num_queries(BATCH_QUERIES - 7):
        recording.record_results(fetched, trigger="recheck")

    assert RepublicationGroup.objects.get().link_count == 2
    assert set(LinkStats.objects.values_list("check_count", flat=True)) == {2}


def test_a_batch_with_a_link_twice_records_it_once(site, officer):
    site.serve("/a", page("A", TEXT))
    [link] = register(officer, site.url("/a"))
    fetched = recording.fetch([(link.pk, link.url), (link.pk, link.url)])

    recording.record_results(fetched, trigger="manual")

    assert Check.objects.filter(link=link).count() == 1
    assert LinkStats.objects.get(link=link).check_count == 1
