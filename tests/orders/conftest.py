import pytest

from accounts.choices import AgencyKind, Role
from orders import services
from orders.choices import RecipientKind
from orders.models import Recipient
from registry.choices import LinkPlatform, LinkState
from tests.factories import UserFactory
from tests.registry.factories import LinkFactory

ARTICLE = "ст. 41-1 п. 1 Закона РК «О связи»"


@pytest.fixture
def ministry(db):
    return Recipient.objects.create(
        name_ru="Министерство информации и общественного развития РК",
        kind=RecipientKind.MINISTRY,
        deadline_hours=24,
    )


@pytest.fixture
def no_deadline_recipient(db):
    return Recipient.objects.create(
        name_ru="Хостинг без срока", kind=RecipientKind.HOSTING_PROVIDER, deadline_hours=None
    )


@pytest.fixture
def youtube_representative(db):
    return Recipient.objects.create(
        name_ru="Представитель YouTube",
        kind=RecipientKind.PLATFORM_REPRESENTATIVE,
        deadline_hours=24,
        platforms=[LinkPlatform.YOUTUBE],
    )


@pytest.fixture
def other_region_officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")


@pytest.fixture
def other_region_prosecutor(make_user):
    return make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, region="KZ-71")


@pytest.fixture
def supervisor(officer):
    return UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])


@pytest.fixture
def analyst(officer):
    return UserFactory(agency=officer.agency, roles=[Role.ANALYST])


@pytest.fixture
def confirmed_link(officer):
    """A link reported by the officer (KZ-75) and confirmed illegal."""

    def make(**fields):
        fields.setdefault("state", LinkState.CONFIRMED)
        return LinkFactory(first_reported_by=officer, **fields)

    return make


@pytest.fixture
def draft(prosecutor, ministry, confirmed_link):
    """A draft order of the central prosecutor to the Ministry covering two confirmed links."""

    def make(user=None, links=None, **fields):
        fields.setdefault("law_article", ARTICLE)
        return services.create_order(
            user or prosecutor,
            recipient=fields.pop("recipient", ministry),
            links=links if links is not None else [confirmed_link(), confirmed_link()],
            **fields,
        )

    return make


@pytest.fixture
def sent_order(draft, prosecutor):
    def make(user=None, **fields):
        user = user or prosecutor
        order = draft(user, **fields)
        services.sign_order(user, order)
        return services.send_order(user, order)

    return make
