"""A small hand-made registry with known dates, and the users who look at it.

All times are local (Asia/Almaty). Agencies: police and KNB of KZ-75 (Almaty), police of KZ-71
(Astana), the central prosecutor's office (gp). Links (registering agency, platform, dates):

  L1 police-75  youtube   reg 2025-03-03 10:00  review 03-04, confirmed 03-05, requested 03-06,
                          blocked 03-08 10:00 (120 h)       extremist, organization O1
  L2 police-75  telegram  reg 2025-03-04 12:00  review 03-04 13:00, confirmed 03-05,
                          requested 03-05 18:00, removed 03-10   terrorist, material M1
  L3 knb-75     web       reg 2025-03-10 09:00  new; repeats by police-75 (03-11 00:30) and
                          police-71 (03-12); republishes L1's content
  L4 police-71  youtube   reg 2025-03-05 08:00  review 03-06; repeat by knb-75 (03-06)  extremist
  L5 police-71  vk        reg 2025-02-20 10:00  review 02-21, confirmed 02-22, requested 02-23,
                          blocked 03-02 10:00 (240 h), reappeared 03-15
  L6 police-75  web       reg 2025-03-07 11:00  CONFIDENTIAL; review 03-07 12:00, confirmed 03-09;
                          repeat by knb-75 (03-20)
  L7 police-71  web       reg 2024-12-30 10:00  removed 2025-01-05 (via review, confirmed,
                          requested on 2025-01-02)
Views (LinkStats): L1 100 → 250, L2 40 → 40, L3 10 → —.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from checks.models import LinkStats, RepublicationGroup
from decisions.choices import CourtClassification as Court
from materials.choices import MaterialKind, MaterialStatus
from organizations.choices import OrganizationStatus
from registry.choices import LinkClassification, LinkState, ReportSource
from registry.models import LinkMaterial, LinkOrganization, Report, StateChange
from reporting import services
from tests.factories import AgencyFactory, UserFactory, region
from tests.materials.factories import MaterialFactory, OrganizationFactory
from tests.registry.factories import LinkFactory
from tests.reporting import oracle

S = LinkState


@pytest.fixture(params=["facts", "oracle"])
def engine(request, monkeypatch):
    """Run a test through both ways of computing reports: from the report facts
    (reporting.queries) and straight from the registry (tests/reporting/oracle.py). They must
    agree with the hand-computed figures, hence with each other."""
    if request.param == "oracle":
        monkeypatch.setattr(services, "queries", oracle)
    return request.param


def at(month, day, hour=12, minute=0, year=2025) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@pytest.fixture
def world(db, central_agency):
    police75 = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    knb75 = AgencyFactory(kind=AgencyKind.KNB, region=region("KZ-75"))
    police71 = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-71"))
    prosecutor75 = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-75"))
    users = SimpleNamespace(
        officer75=UserFactory(agency=police75, roles=[Role.OFFICER]),
        knb_officer=UserFactory(agency=knb75, roles=[Role.OFFICER]),
        officer71=UserFactory(agency=police71, roles=[Role.OFFICER]),
        knb_supervisor=UserFactory(agency=knb75, roles=[Role.SUPERVISOR]),
        regional_prosecutor=UserFactory(agency=prosecutor75, roles=[Role.PROSECUTOR]),
        central=UserFactory(agency=central_agency, roles=[Role.PROSECUTOR]),
        central_analyst=UserFactory(agency=central_agency, roles=[Role.ANALYST]),
        auditor=UserFactory(agency=central_agency, roles=[Role.AUDITOR]),
        admin=UserFactory(agency=central_agency, roles=[Role.ADMIN]),
    )
    u = users

    def link(name, reporter, when, platform_url, state,
             classification=LinkClassification.UNCLASSIFIED, confidential=False):  # fmt: skip
        return LinkFactory(
            raw_url=platform_url,
            first_reported_by=reporter,
            first_reported_at=when,
            state=state,
            classification=classification,
            confidential=confidential,
        )

    links = SimpleNamespace(
        L1=link("L1", u.officer75, at(3, 3, 10), "https://youtu.be/aaaaaaaaaa1", S.BLOCKED,
                LinkClassification.EXTREMIST),
        L2=link("L2", u.officer75, at(3, 4, 12), "https://t.me/chan/2", S.REMOVED,
                LinkClassification.TERRORIST),
        L3=link("L3", u.knb_officer, at(3, 10, 9), "https://mirror.example/3", S.NEW),
        L4=link("L4", u.officer71, at(3, 5, 8), "https://youtu.be/aaaaaaaaaa4", S.UNDER_REVIEW,
                LinkClassification.EXTREMIST),
        L5=link("L5", u.officer71, at(2, 20, 10), "https://vk.com/wall-1_5", S.REAPPEARED),
        L6=link("L6", u.officer75, at(3, 7, 11), "https://secret.example/6", S.CONFIRMED,
                LinkClassification.EXTREMIST, confidential=True),
        L7=link("L7", u.officer71, at(12, 30, 10, year=2024), "https://old.example/7",
                S.REMOVED),
    )  # fmt: skip

    def trail(link, *steps):
        state = S.NEW
        for to_state, when in steps:
            StateChange.objects.create(link=link, from_state=state, to_state=to_state, at=when)
            state = to_state

    trail(
        links.L1,
        (S.UNDER_REVIEW, at(3, 4)),
        (S.CONFIRMED, at(3, 5)),
        (S.BLOCKING_REQUESTED, at(3, 6)),
        (S.BLOCKED, at(3, 8, 10)),
    )
    trail(
        links.L2,
        (S.UNDER_REVIEW, at(3, 4, 13)),
        (S.CONFIRMED, at(3, 5)),
        (S.BLOCKING_REQUESTED, at(3, 5, 18)),
        (S.REMOVED, at(3, 10)),
    )
    trail(links.L4, (S.UNDER_REVIEW, at(3, 6)))
    trail(
        links.L5,
        (S.UNDER_REVIEW, at(2, 21)),
        (S.CONFIRMED, at(2, 22)),
        (S.BLOCKING_REQUESTED, at(2, 23)),
        (S.BLOCKED, at(3, 2, 10)),
        (S.REAPPEARED, at(3, 15)),
    )
    trail(links.L6, (S.UNDER_REVIEW, at(3, 7, 12)), (S.CONFIRMED, at(3, 9)))
    trail(links.L7, (S.UNDER_REVIEW, at(1, 2, 9)), (S.CONFIRMED, at(1, 2, 10)),
          (S.BLOCKING_REQUESTED, at(1, 2, 11)), (S.REMOVED, at(1, 5)))  # fmt: skip

    def repeat(link, user, when):
        Report.objects.create(
            link=link, user=user, agency=user.agency, submitted_at=when, raw_url=link.url,
            source=ReportSource.FORM, is_repeat=True,
        )  # fmt: skip
        link.report_count += 1
        link.save(update_fields=["report_count"])

    repeat(links.L3, u.officer75, at(3, 11, 0, 30))
    repeat(links.L3, u.officer71, at(3, 12))
    repeat(links.L4, u.knb_officer, at(3, 6))
    # KNB reports police-75's confidential L6 again: it may read its own report, not the link.
    repeat(links.L6, u.knb_officer, at(3, 20))

    # The registers.
    O1 = OrganizationFactory(classification=Court.EXTREMIST, banned_on=dt.date(2025, 2, 1))
    OrganizationFactory(classification=Court.TERRORIST, banned_on=dt.date(2010, 5, 5))
    OrganizationFactory(
        classification=Court.EXTREMIST,
        banned_on=dt.date(2020, 1, 1),
        status=OrganizationStatus.BAN_LIFTED,
        ban_lifted_on=dt.date(2024, 6, 1),
    )
    OrganizationFactory(classification=Court.TERRORIST, banned_on=None)
    M1 = MaterialFactory(
        classification=Court.EXTREMIST, kind=MaterialKind.VIDEO, included_on=dt.date(2025, 1, 10)
    )
    MaterialFactory(
        classification=Court.TERRORIST, kind=MaterialKind.PRINT, included_on=dt.date(2019, 4, 1)
    )
    MaterialFactory(
        classification=Court.EXTREMIST,
        kind=MaterialKind.VIDEO,
        included_on=dt.date(2018, 1, 1),
        status=MaterialStatus.EXCLUDED,
        excluded_on=dt.date(2022, 1, 1),
    )
    LinkOrganization.objects.create(link=links.L1, organization=O1)
    LinkMaterial.objects.create(link=links.L2, material=M1)

    # What the checks found.
    group = RepublicationGroup.objects.create(
        content_sha256="a" * 64, first_link=links.L1, link_count=2, created_at=at(3, 10, 10)
    )
    LinkStats.objects.create(
        link=links.L1, views_at_detection=100, views_at_blocking=250, content_sha256="a" * 64,
        republication_group=group,
    )  # fmt: skip
    LinkStats.objects.create(link=links.L2, views_at_detection=40, views_at_blocking=40)
    LinkStats.objects.create(
        link=links.L3, views_at_detection=10, content_sha256="a" * 64, republication_group=group
    )
    return SimpleNamespace(
        users=users,
        links=links,
        agencies=SimpleNamespace(police75=police75, knb75=knb75, police71=police71),
        organization=O1,
        material=M1,
        group=group,
    )
