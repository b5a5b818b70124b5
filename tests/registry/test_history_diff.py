"""registry.selectors.history_diff: a link's history records, newest first, each with the
fields it changed, readable (labels, agency names, yes/no); state changes are the trail's."""

from django.utils import translation

from registry import selectors, services
from registry.choices import LinkClassification, LinkState
from tests.registry.factories import LinkFactory


def diff(link, limit=100):
    with translation.override("en"):
        return [
            [(c.field, c.old, c.new) for c in entry.changes]
            for entry in selectors.history_diff(link, limit)
        ]


def test_each_record_says_what_it_changed_and_state_moves_are_left_out(db, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.classify(
        link.pk, classification=LinkClassification.EXTREMIST, confidential=True, actor=prosecutor
    )
    changes = diff(link)
    assert changes[-1] == []  # the record of its creation
    assert sorted(changes[0]) == [
        ("classification", "not yet classified", "extremist"),
        ("confidential", "no", "yes"),
    ]
    # The transition changed only the state: the trail shows it, the history does not.
    assert len(changes) == 2


def test_agencies_are_named_and_the_limit_still_diffs_the_last_record_shown(
    db, officer, prosecutor
):
    link = LinkFactory(first_reported_by=officer)
    services.assign(link.pk, actor=prosecutor, agency=officer.agency)
    services.classify(link.pk, classification=LinkClassification.TERRORIST, actor=prosecutor)
    (assigned,) = diff(link, limit=2)[1:]
    assert ("assigned agency", "—", str(officer.agency)) in assigned
    assert len(diff(link, limit=1)) == 1
    assert diff(link, limit=1)[0] == [("classification", "not yet classified", "terrorist")]
