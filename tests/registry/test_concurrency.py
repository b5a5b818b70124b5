"""Many agencies submitting the same content at the same moment (docs/design.md §4.2).

Real PostgreSQL connections in parallel: each thread has its own connection and transaction.
The database (INSERT … ON CONFLICT on the unique key) must leave exactly one Link per piece
of content and one Report per submission, and nobody may get an error.
"""

import itertools
import random
import threading

import pytest
from django.db import connection

from accounts.choices import AgencyKind, Role
from registry import services
from registry.models import Link, Report
from tests.factories import AgencyFactory, UserFactory, region

THREADS = 16
VIDEOS = [f"vid{n:08d}" for n in range(40)]
SURFACES = [
    "https://www.youtube.com/watch?v={}",
    "youtu.be/{}?si=tracking",
    "https://m.youtube.com/watch?v={}&feature=share",
    "http://youtube.com/shorts/{}",
    "hxxps://www[.]youtube.com/watch?v={}#t=10",
    "https://www.youtube.com/embed/{}",
]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_in_different_forms_make_one_link_and_a_report_each():
    kinds = [AgencyKind.PROSECUTOR, AgencyKind.KNB, AgencyKind.POLICE, AgencyKind.AKIMAT]
    regions = ["KZ-75", "KZ-71", "KZ-11", "KZ-15"]
    users = [
        UserFactory(agency=AgencyFactory(kind=kind, region=region(iso)), roles=[Role.OFFICER])
        for kind, iso in itertools.product(kinds, regions)
    ]
    assert len(users) == THREADS
    start = threading.Barrier(THREADS)
    answers, errors = {}, []

    def submit(number, user):
        rng = random.Random(number)
        urls = [SURFACES[(number + i) % len(SURFACES)].format(v) for i, v in enumerate(VIDEOS)]
        rng.shuffle(urls)  # every thread meets the keys in its own order
        try:
            start.wait()
            answers[number] = services.submit_urls(urls, user=user)
        except Exception as error:  # noqa: BLE001 - the assertion reports it
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n, u)) for n, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(answers) == THREADS
    assert Link.objects.count() == len(VIDEOS)
    assert Report.objects.count() == THREADS * len(VIDEOS)
    assert Report.objects.filter(is_repeat=False).count() == len(VIDEOS)
    assert set(Link.objects.values_list("report_count", flat=True)) == {THREADS}
    statuses = [a.status for batch in answers.values() for a in batch]
    assert statuses.count("new") == len(VIDEOS)
    assert statuses.count("known") == (THREADS - 1) * len(VIDEOS)
    # The agency each "new" went to is the one the Link names as first reporter.
    for number, batch in answers.items():
        for answer in batch:
            if answer.status == "new":
                link = Link.objects.get(pk=answer.link)
                assert link.first_reported_by == users[number]
