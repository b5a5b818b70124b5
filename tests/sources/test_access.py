"""Who sees and changes watched sources: roles × agency kinds × regions against an oracle
restated from the rules (sources/access.py): an agency's sources are its own; prosecutors of
the region, central offices and auditors see them; officers and supervisors of the agency
and prosecutors in scope change them; supervisors and prosecutors delete them."""

import itertools

import pytest

from accounts import policy
from accounts.choices import AgencyKind, AgencyLevel, Role
from kibernadzor.errors import NotAllowed
from sources import services
from sources.models import Source, SourceItem, SourceWatch
from tests.factories import AgencyFactory, UserFactory, region

KINDS = [AgencyKind.PROSECUTOR, AgencyKind.KNB, AgencyKind.POLICE]
REGIONS = ["KZ-75", "KZ-11"]


@pytest.fixture
def world(db, central_agency):
    agencies = [central_agency] + [
        AgencyFactory(kind=kind, region=region(iso))
        for kind, iso in itertools.product(KINDS, REGIONS)
    ]
    users = {
        (agency.code, role): UserFactory(
            username=f"{role}-{agency.code}", agency=agency, roles=[role]
        )
        for agency, role in itertools.product(agencies, Role)
    }
    sources = {}
    for agency in agencies:
        officer = users[agency.code, Role.OFFICER]
        name = "chan_" + agency.code.replace("-", "_").lower()
        sources[agency.code] = services.add_source(actor=officer, url=f"https://t.me/{name}")
        SourceWatch.objects.create(source=sources[agency.code])
    return agencies, users, sources


def expected(user, action: str, source: Source) -> bool:
    (role,) = user.roles
    own = source.agency_id == user.agency_id
    central = user.agency.level == AgencyLevel.REPUBLICAN
    same_region = source.agency.region_id == user.agency.region_id
    territory = central or same_region
    if role == Role.ADMIN:
        return False
    if action == "view":
        if role in (Role.AUDITOR,):
            return True
        if role == Role.PROSECUTOR:
            return own or territory
        if role in (Role.SUPERVISOR, Role.ANALYST) and central:
            return True
        return own and role in (Role.OFFICER, Role.SUPERVISOR, Role.ANALYST)
    if action == "change":
        if role == Role.PROSECUTOR:
            return own or territory
        return own and role in (Role.OFFICER, Role.SUPERVISOR)
    if action == "delete":
        if role == Role.PROSECUTOR:
            return own or territory
        return own and role == Role.SUPERVISOR
    raise AssertionError(action)


def test_every_role_in_every_agency_sees_and_changes_exactly_what_the_rules_allow(world):
    _, users, sources = world
    for user, action in itertools.product(users.values(), ("view", "change", "delete")):
        allowed = set(Source.objects.restrict(user, action).values_list("pk", flat=True))
        oracle = {s.pk for s in sources.values() if expected(user, action, s)}
        assert allowed == oracle, (user.username, action)
        if action == "view":
            items = set(SourceWatch.objects.restrict(user).values_list("source_id", flat=True))
            assert items == oracle, user.username
            assert not SourceItem.objects.restrict(user, "change").exists()


def test_only_officers_supervisors_and_prosecutors_of_an_agency_add_sources(world):
    _, users, _ = world
    for (_code, role), user in users.items():
        may = role in (Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR)
        assert policy.can(user, "add", model=Source) == may, user.username
        if not may:
            with pytest.raises(NotAllowed):
                services.add_source(actor=user, url="https://t.me/another_channel")


def test_another_agencys_source_is_not_found_and_a_visible_one_not_changeable(world):
    _, users, sources = world
    police = sources["police-KZ-75"]
    knb_officer = users["knb-KZ-75", Role.OFFICER]
    with pytest.raises(services.SourceNotFound):
        services.pause_source(police.pk, actor=knb_officer)
    analyst = users["gp", Role.ANALYST]  # sees every source, changes none
    with pytest.raises(NotAllowed):
        services.pause_source(police.pk, actor=analyst)
    officer = users["police-KZ-75", Role.OFFICER]
    with pytest.raises(NotAllowed):
        services.delete_source(police.pk, actor=officer)
    services.pause_source(police.pk, actor=users["prosecutor-KZ-75", Role.PROSECUTOR])
    with pytest.raises(services.SourceNotFound):
        services.resume_source(police.pk, actor=users["prosecutor-KZ-11", Role.PROSECUTOR])
    services.delete_source(police.pk, actor=users["police-KZ-75", Role.SUPERVISOR])
    assert not Source.objects.filter(pk=police.pk).exists()
