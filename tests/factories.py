"""factory_boy factories shared by the test suite."""

import factory

from accounts.choices import AgencyKind, AgencyLevel
from accounts.models import Agency, Region, User
from accounts.services import assign_roles


def region(iso_code: str) -> Region:
    return Region.objects.get(iso_code=iso_code)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    kind = AgencyKind.POLICE
    level = AgencyLevel.REGIONAL
    region = factory.LazyFunction(lambda: region("KZ-75"))
    code = factory.LazyAttribute(
        lambda a: "gp" if a.region is None else f"{a.kind}-{a.region.iso_code}"
    )
    name_ru = factory.LazyAttribute(lambda a: f"Ведомство {a.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    agency = factory.SubFactory(AgencyFactory)
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            assign_roles(self, list(extracted))
