"""manage.py check_links runs checks in the foreground."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.choices import Role
from checks.choices import CheckTrigger
from checks.models import Check, LinkStats
from tests.checks import sites
from tests.checks.sites import page, register

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


def run(*args) -> str:
    out = StringIO()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def test_check_given_links_now(site, officer):
    site.serve("/a", page("A", "текст " * 50, views=5))
    [link] = register(officer, site.url("/a"))

    output = run("--link", str(link.pk))

    assert f"link {link.pk}: HTTP 200 available views=5" in output
    assert "1 link(s) checked." in output
    assert Check.objects.get(link=link).trigger == CheckTrigger.MANUAL


def test_check_due_links_only(site, officer):
    site.serve("/due", page("Due", "текст " * 50))
    due, later = register(officer, site.url("/due"), site.url("/later"))
    LinkStats.objects.filter(link=due).update(next_check_at=timezone.now())
    LinkStats.objects.filter(link=later).update(next_check_at=timezone.now().replace(year=2100))

    output = run("--due")

    assert "1 link(s) checked." in output
    assert list(Check.objects.values_list("link_id", "trigger")) == [(due.pk, CheckTrigger.FIRST)]


def test_unknown_link_is_named():
    with pytest.raises(CommandError, match="No link with id 999999"):
        run("--link", "999999")


def test_due_right_after_a_submission_checks_the_new_link(site, officer, settings):
    settings.CHECKER_ENQUEUE_ON_COMMIT = False  # inline tasks: nothing sends it on commit
    site.serve("/fresh", page("Fresh", "текст " * 50))
    [link] = register(officer, site.url("/fresh"))

    output = run("--due")

    assert f"link {link.pk}: HTTP 200 available" in output
    assert list(Check.objects.values_list("link_id", "trigger")) == [(link.pk, CheckTrigger.FIRST)]
