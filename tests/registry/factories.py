"""Factories for the link registry (factory_boy)."""

import factory
from django.utils import timezone

from registry import canon
from registry.choices import ReportSource
from registry.models import Link, Report
from tests.factories import UserFactory


class LinkFactory(factory.django.DjangoModelFactory):
    """A registered link with its first Report, as a submission would leave it."""

    class Meta:
        model = Link
        exclude = ["canonical"]
        skip_postgeneration_save = True

    class Params:
        raw_url = factory.Sequence(lambda n: f"https://propaganda.example/post/{n}")

    canonical = factory.LazyAttribute(lambda o: canon.canonicalize(o.raw_url))
    key = factory.LazyAttribute(lambda o: o.canonical.key)
    url = factory.LazyAttribute(lambda o: o.canonical.url)
    platform = factory.LazyAttribute(lambda o: o.canonical.platform)
    platform_id = factory.LazyAttribute(lambda o: o.canonical.platform_id)
    host = factory.LazyAttribute(lambda o: o.canonical.host)
    registrable_domain = factory.LazyAttribute(lambda o: o.canonical.registrable_domain)
    first_reported_at = factory.LazyFunction(timezone.now)
    first_reported_by = factory.SubFactory(UserFactory)
    first_reported_agency = factory.LazyAttribute(lambda o: o.first_reported_by.agency)

    @factory.post_generation
    def first_report(self, create, extracted, **kwargs):
        if create:
            Report.objects.create(
                link=self,
                user=self.first_reported_by,
                agency=self.first_reported_agency,
                submitted_at=self.first_reported_at,
                raw_url=self.url,
                source=ReportSource.API,
                is_repeat=False,
            )
