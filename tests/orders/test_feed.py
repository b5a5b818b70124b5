"""The blocklist feed for providers (orders.feed, orders.api.feed): who may open it, what it
lists for a subscriber's scope, its pages and increments, its validators and its signature."""

import base64
import hashlib
import json
import shutil
import subprocess
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import issue_token as issue_user_token
from orders import feed, signing
from orders.choices import OrderKind, OrderLinkState, OrderState, RecipientKind
from orders.models import FeedAccess, FeedSubscriber, Order, OrderLink, Recipient
from registry.choices import LinkClassification, LinkState
from tests.registry.factories import LinkFactory

JSON_URL = "/api/v1/feed/blocklist.json"
CSV_URL = "/api/v1/feed/blocklist.csv"


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    settings.KBZ_SIGNING_KEY_FILE = tmp_path / "signing" / "office.pem"
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = True
    return settings.KBZ_SIGNING_KEY_FILE


@pytest.fixture
def recipient(db):
    return Recipient.objects.create(
        name_ru="Министерство информации", kind=RecipientKind.MINISTRY, deadline_hours=24
    )


@pytest.fixture
def make_order(prosecutor, recipient):
    """make_order(links, state=sent, kind=blocking, sent_at=now) -> an Order with its links."""
    counter = iter(range(1, 1000))

    def make(links, *, state=OrderState.SENT, kind=OrderKind.BLOCKING, sent_at=None, parent=None):
        sent = state not in (OrderState.DRAFT, OrderState.SIGNED)
        order = Order.objects.create(
            number=f"ПР-2026/{next(counter):06d}",
            kind=kind,
            parent=parent,
            state=state,
            recipient=recipient,
            agency=prosecutor.agency,
            issued_by=prosecutor,
            signatory=None if state == OrderState.DRAFT else prosecutor,
            law_article="ст. 41-1 п. 1 Закона РК «О связи»",
            sent_at=(sent_at or timezone.now()) if sent else None,
        )
        for link in links:
            OrderLink.objects.create(order=order, link=link)
        return order

    return make


def confirmed_link(url, **fields):
    """A link whose blocking was requested three days ago (well before any cursor)."""
    earlier = timezone.now() - timedelta(days=3)
    fields = {"first_reported_at": earlier, "state_changed_at": earlier, **fields}
    return LinkFactory(raw_url=url, state=LinkState.BLOCKING_REQUESTED, **fields)


@pytest.fixture
def subscriber(db):
    return FeedSubscriber.objects.create(name="Kazakhtelecom")


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def fetch(client, url=JSON_URL, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def entries(response) -> list[dict]:
    return json.loads(body_of(response))["entries"]


def urls(response) -> set[str]:
    return {entry["url"] for entry in entries(response)}


# --- who may open it -----------------------------------------------------------------------
def test_public_key_is_published_without_authentication(db):
    response = APIClient().get("/api/v1/feed/public-key.pem")
    assert response.status_code == 200
    assert response.content == signing.public_key_pem()
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")


def test_feed_without_token_is_refused_with_bearer_challenge(db):
    response = APIClient().get(JSON_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_user_api_token_and_session_do_not_open_the_feed(prosecutor, client_for):
    user_key = issue_user_token(prosecutor, name="stats")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {user_key}")
    assert api.get("/api/v1/me/").status_code == 200  # the token works where it belongs
    assert api.get(JSON_URL).status_code == 401
    assert client_with(user_key).get(JSON_URL).status_code == 401
    assert client_for(prosecutor).get(JSON_URL).status_code == 401


def test_feed_token_opens_nothing_else(subscriber):
    key = feed.issue_token(subscriber)
    assert client_with(key).get("/api/v1/links/").status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/links/").status_code == 401
    assert api.get("/api/v1/reports/summary/").status_code == 401


def test_token_is_stored_only_as_a_digest_and_shown_once(subscriber):
    key = feed.issue_token(subscriber)
    subscriber.refresh_from_db()
    assert key.startswith(feed.TOKEN_PREFIX)
    assert key not in subscriber.token_digest
    assert subscriber.token_digest == hashlib.sha512(key.encode()).hexdigest()
    assert fetch(client_with(key)).status_code == 200


def test_revoked_or_replaced_token_and_inactive_subscriber_are_refused(subscriber):
    old = feed.issue_token(subscriber)
    new = feed.issue_token(subscriber)
    assert client_with(old).get(JSON_URL).status_code == 401
    assert client_with(new).get(JSON_URL).status_code == 200
    feed.revoke_token(subscriber)
    assert client_with(new).get(JSON_URL).status_code == 401
    again = feed.issue_token(subscriber)
    FeedSubscriber.objects.filter(pk=subscriber.pk).update(active=False)
    assert client_with(again).get(JSON_URL).status_code == 401


def test_another_subscribers_token_gets_that_subscribers_scope(subscriber, make_order):
    youtube = FeedSubscriber.objects.create(name="YouTube rep", platforms=["youtube"])
    make_order([confirmed_link("https://youtu.be/aaaaaaaaaa1"), confirmed_link("https://t.me/c/1")])
    everything = urls(fetch(client_with(feed.issue_token(subscriber))))
    only_youtube = urls(fetch(client_with(feed.issue_token(youtube))))
    assert len(everything) == 2
    assert len(only_youtube) == 1
    assert all("youtu" in url for url in only_youtube)


# --- what it lists -------------------------------------------------------------------------
def test_lists_what_must_be_blocked_now_with_its_basis(subscriber, make_order):
    in_force = confirmed_link("https://propaganda.example/in-force")
    order = make_order([in_force])
    make_order([confirmed_link("https://propaganda.example/draft")], state=OrderState.DRAFT)
    make_order([confirmed_link("https://propaganda.example/withdrawn")], state=OrderState.WITHDRAWN)
    revoked = confirmed_link("https://propaganda.example/revoked")
    make_order([revoked])
    OrderLink.objects.filter(link=revoked).update(
        state=OrderLinkState.REVOKED, revoked_at=timezone.now()
    )
    response = fetch(client_with(feed.issue_token(subscriber)))
    (entry,) = entries(response)
    assert entry == {
        "id": OrderLink.objects.get(link=in_force).pk,
        "action": "add",
        "url": in_force.url,
        "domain": "propaganda.example",
        "platform": in_force.platform,
        "legal_basis": "ст. 41-1 п. 1 Закона РК «О связи»",
        "order_number": order.number,
        "order_date": order.date.isoformat(),
        "since": order.sent_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    assert response["Content-Type"] == "application/json"


def test_scope_by_classification(subscriber, make_order):
    subscriber.classifications = [LinkClassification.TERRORIST]
    subscriber.save()
    make_order(
        [
            confirmed_link("https://a.example/1", classification=LinkClassification.TERRORIST),
            confirmed_link("https://a.example/2", classification=LinkClassification.EXTREMIST),
        ]
    )
    assert urls(fetch(client_with(feed.issue_token(subscriber)))) == {"https://a.example/1"}


def test_csv_has_the_same_entries(subscriber, make_order):
    make_order([confirmed_link("https://a.example/1"), confirmed_link("https://a.example/2")])
    client = client_with(feed.issue_token(subscriber))
    response = fetch(client, CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    lines = body_of(response).decode().splitlines()
    assert lines[0] == ",".join(feed.COLUMNS)
    assert sorted(line.split(",")[2] for line in lines[1:]) == [
        "https://a.example/1",
        "https://a.example/2",
    ]


# --- pages and increments ------------------------------------------------------------------
def test_pages_follow_the_next_cursor_without_gaps_or_repeats(subscriber, make_order):
    make_order([confirmed_link(f"https://a.example/{n}") for n in range(5)])
    client = client_with(feed.issue_token(subscriber))
    seen, params, pages, cursors = [], {"limit": 2}, 0, set()
    while True:
        response = fetch(client, **params)
        data = json.loads(body_of(response))
        seen += [entry["id"] for entry in data["entries"]]
        cursors.add(data["cursor"])
        pages += 1
        if not data["next"]:
            assert "X-Next-Page" not in response
            break
        assert 'rel="next"' in response["Link"]
        assert response["X-Next-Page"] == data["next"]
        params = {"page": data["next"], "limit": 2}
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5
    assert len(cursors) == 1  # every page gives out the first page's cursor


def test_incremental_fetch_says_what_to_add_and_what_to_remove(subscriber, make_order, monkeypatch):
    monkeypatch.setattr(feed, "OVERLAP", timedelta(0))  # exactly what changed after the cursor
    kept, revoked = confirmed_link("https://a.example/kept"), confirmed_link("https://a.example/r")
    make_order([kept, revoked], sent_at=timezone.now() - timedelta(days=2))
    client = client_with(feed.issue_token(subscriber))
    cursor = json.loads(body_of(fetch(client)))["cursor"]

    nothing_new = entries(fetch(client, since=cursor))
    assert nothing_new == []

    OrderLink.objects.filter(link=revoked).update(
        state=OrderLinkState.REVOKED, revoked_at=timezone.now()
    )
    added = confirmed_link("https://a.example/new")
    make_order([added])
    changes = {entry["url"]: entry["action"] for entry in entries(fetch(client, since=cursor))}
    assert changes == {"https://a.example/r": "remove", "https://a.example/new": "add"}


def test_changes_just_before_the_cursor_are_sent_again(subscriber, make_order):
    """An order whose transaction committed after a fetch, with a time just before that
    fetch's cursor, is not missed: the increment repeats what changed within OVERLAP of it."""
    now = timezone.now()
    make_order([confirmed_link("https://a.example/old")], sent_at=now - timedelta(days=1))
    make_order([confirmed_link("https://a.example/latest")], sent_at=now - timedelta(hours=1))
    client = client_with(feed.issue_token(subscriber))
    cursor = json.loads(body_of(fetch(client)))["cursor"]
    late = make_order(
        [confirmed_link("https://a.example/late")],
        sent_at=now - timedelta(hours=1) - feed.OVERLAP / 2,
    )
    changes = {entry["url"]: entry["action"] for entry in entries(fetch(client, since=cursor))}
    assert changes == {"https://a.example/latest": "add", "https://a.example/late": "add"}
    assert late.sent_at < feed._load("since", cursor)[2]


def test_withdrawn_order_and_rejected_link_are_removed(subscriber, make_order):
    withdrawn = make_order(
        [confirmed_link("https://a.example/w")], sent_at=timezone.now() - timedelta(days=1)
    )
    rejected = confirmed_link("https://a.example/x")
    make_order([rejected], sent_at=timezone.now() - timedelta(days=1))
    client = client_with(feed.issue_token(subscriber))
    cursor = json.loads(body_of(fetch(client)))["cursor"]
    Order.objects.filter(pk=withdrawn.pk).update(
        state=OrderState.WITHDRAWN, closed_at=timezone.now()
    )
    from registry.models import Link

    Link.objects.filter(pk=rejected.pk).update(
        state=LinkState.REJECTED, state_changed_at=timezone.now()
    )
    changes = {entry["url"]: entry["action"] for entry in entries(fetch(client, since=cursor))}
    assert changes == {"https://a.example/w": "remove", "https://a.example/x": "remove"}


def test_bad_cursor_and_limit_are_refused_naming_the_field(subscriber):
    client = client_with(feed.issue_token(subscriber))
    assert client.get(JSON_URL, {"since": "2026-01-01"}).json()["field"] == "since"
    assert client.get(JSON_URL, {"limit": "0"}).json()["field"] == "limit"
    assert client.get(JSON_URL, {"colour": "red"}).json()["field"] == "colour"


# --- validators ----------------------------------------------------------------------------
def test_etag_answers_304_until_the_list_changes(subscriber, make_order):
    make_order([confirmed_link("https://a.example/1")], sent_at=timezone.now() - timedelta(hours=1))
    client = client_with(feed.issue_token(subscriber))
    first = fetch(client)
    etag = first["ETag"]
    again = client.get(JSON_URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert body_of(fetch(client)) == body_of(first)  # the same data, the same bytes
    make_order([confirmed_link("https://a.example/2")])
    changed = client.get(JSON_URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


# --- the signature -------------------------------------------------------------------------
def verify_with_published_key(body: bytes, signature_b64: str) -> bool:
    public = APIClient().get("/api/v1/feed/public-key.pem").content
    return signing.verify(hashlib.sha256(body).digest(), signature_b64, public_key=public)


def test_feed_verifies_with_the_published_key_and_fails_on_a_tampered_byte(subscriber, make_order):
    make_order([confirmed_link("https://a.example/1"), confirmed_link("https://a.example/2")])
    response = fetch(client_with(feed.issue_token(subscriber)))
    body, signature = body_of(response), response["X-Signature"]
    assert verify_with_published_key(body, signature)
    for position in (0, len(body) // 2, len(body) - 1):
        tampered = bytearray(body)
        tampered[position] ^= 0x01
        assert not verify_with_published_key(bytes(tampered), signature)


def test_large_page_streams_and_its_signature_is_at_the_sig_url(
    subscriber, make_order, monkeypatch
):
    monkeypatch.setattr(feed, "INLINE_SIGNATURE_ROWS", 1)
    make_order([confirmed_link(f"https://a.example/{n}") for n in range(3)])
    client = client_with(feed.issue_token(subscriber))
    first = fetch(client, CSV_URL)
    assert first.streaming
    assert "X-Signature" not in first
    body = body_of(first)
    sig = client.get(CSV_URL + ".sig", HTTP_IF_MATCH=first["ETag"])
    assert sig.status_code == 200
    assert sig["ETag"] == first["ETag"]
    assert verify_with_published_key(body, base64.b64encode(sig.content).decode())
    second = fetch(client, CSV_URL)  # the same data: now signed in the header too
    assert second["X-Signature"] == base64.b64encode(sig.content).decode()
    assert body_of(second) == body


def test_sig_url_computes_the_signature_when_none_is_kept(subscriber, make_order):
    make_order([confirmed_link("https://a.example/1")])
    client = client_with(feed.issue_token(subscriber))
    sig = client.get(JSON_URL + ".sig")  # before any fetch of the body
    body = body_of(fetch(client))
    assert verify_with_published_key(body, sig["X-Signature"])
    assert client.get(JSON_URL + ".sig", HTTP_IF_MATCH='"stale"').status_code == 412


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_documented_openssl_command_verifies_the_feed(subscriber, make_order, tmp_path):
    make_order([confirmed_link("https://a.example/1")])
    response = fetch(client_with(feed.issue_token(subscriber)))
    (tmp_path / "feed.json").write_bytes(body_of(response))
    (tmp_path / "feed.sig").write_bytes(base64.b64decode(response["X-Signature"]))
    (tmp_path / "office.pem").write_bytes(signing.public_key_pem())
    # README, "Blocklist feed for providers": the digest, then the signature over it.
    command = (
        "openssl dgst -sha256 -binary feed.json > feed.sha256 && "
        "openssl pkeyutl -verify -pubin -inkey office.pem -rawin -in feed.sha256 "
        "-sigfile feed.sig"
    )
    ok = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)  # noqa: S602
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "feed.json").write_bytes(body_of(response).replace(b"a.example", b"b.example"))
    bad = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)  # noqa: S602
    assert bad.returncode != 0


# --- the access log ------------------------------------------------------------------------
def test_each_fetch_is_logged_with_subscriber_cursor_and_rows(subscriber, make_order):
    make_order([confirmed_link("https://a.example/1"), confirmed_link("https://a.example/2")])
    client = client_with(feed.issue_token(subscriber))
    data = json.loads(body_of(fetch(client)))
    fetch(client, since=data["cursor"])
    client.get(JSON_URL, HTTP_IF_NONE_MATCH=fetch(client)["ETag"])
    log = list(FeedAccess.objects.filter(subscriber=subscriber).order_by("id"))
    assert [(a.what, a.status) for a in log] == [
        ("json", 200),
        ("json", 200),
        ("json", 200),
        ("json", 304),
    ]
    assert log[0].since is None and log[0].rows == 2
    assert log[1].since is not None and log[1].rows == 2  # within OVERLAP: sent again
    assert all(a.at is not None for a in log)


def test_feed_access_log_is_read_by_prosecutors_and_auditors_only(
    subscriber, prosecutor, auditor, officer
):
    FeedAccess.objects.create(subscriber=subscriber, what="json", status=200)
    assert FeedAccess.objects.restrict(prosecutor, "view").count() == 1
    assert FeedAccess.objects.restrict(auditor, "view").count() == 1
    assert FeedAccess.objects.restrict(officer, "view").count() == 0


# --- through the services ------------------------------------------------------------------
def test_an_order_sent_and_revoked_through_the_services_enters_and_leaves_the_feed(
    subscriber, sent_order, prosecutor, monkeypatch
):
    from orders import services

    monkeypatch.setattr(feed, "OVERLAP", timedelta(0))
    order = sent_order()
    client = client_with(feed.issue_token(subscriber))
    full = json.loads(body_of(fetch(client)))
    assert {entry["order_number"] for entry in full["entries"]} == {order.number}
    assert len(full["entries"]) == 2
    first, second = order.order_links.order_by("pk")
    services.revoke_links(prosecutor, order, [first.link], reason="the owner removed it")
    changes = entries(fetch(client, since=full["cursor"]))
    assert [(entry["id"], entry["action"]) for entry in changes] == [(first.pk, "remove")]
    assert {entry["id"] for entry in entries(fetch(client))} == {second.pk}


def test_the_same_data_give_the_same_bytes_a_second_later(subscriber, make_order, monkeypatch):
    make_order([confirmed_link("https://a.example/1")])
    client = client_with(feed.issue_token(subscriber))
    first = body_of(fetch(client))
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    assert body_of(fetch(client)) == first


def test_feed_token_command_issues_once_and_revokes(subscriber):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("feed_token", subscriber.name, stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert fetch(client_with(key)).status_code == 200
    call_command("feed_token", str(subscriber.pk), "--revoke", stderr=io.StringIO())
    assert client_with(key).get(JSON_URL).status_code == 401
    with pytest.raises(CommandError):
        call_command("feed_token", "nobody", stderr=io.StringIO())


def test_the_access_log_is_in_the_admin_read_only(subscriber, prosecutor, client_for):
    FeedAccess.objects.create(subscriber=subscriber, what="csv", status=200, rows=5)
    client = client_for(prosecutor)
    page = client.get("/admin/orders/feedaccess/")
    assert page.status_code == 200
    assert "Kazakhtelecom" in page.content.decode()
    assert client.get("/admin/orders/feedaccess/add/").status_code == 403


def test_an_increment_is_paginated_too(subscriber, make_order, monkeypatch):
    monkeypatch.setattr(feed, "OVERLAP", timedelta(0))
    old = [confirmed_link(f"https://a.example/old/{n}") for n in range(3)]
    make_order(old, sent_at=timezone.now() - timedelta(days=1))
    client = client_with(feed.issue_token(subscriber))
    cursor = json.loads(body_of(fetch(client)))["cursor"]
    OrderLink.objects.filter(link__in=old[:2]).update(
        state=OrderLinkState.REVOKED, revoked_at=timezone.now()
    )
    make_order([confirmed_link(f"https://a.example/new/{n}") for n in range(3)])
    seen, params = [], {"since": cursor, "limit": 2}
    while True:
        data = json.loads(body_of(fetch(client, **params)))
        seen += [(entry["url"], entry["action"]) for entry in data["entries"]]
        assert data["incremental"] is True
        if not data["next"]:
            break
        params = {"page": data["next"], "limit": 2}
    assert sorted(seen) == sorted(
        [("https://a.example/old/0", "remove"), ("https://a.example/old/1", "remove")]
        + [(f"https://a.example/new/{n}", "add") for n in range(3)]
    )


def test_without_a_signing_key_the_feed_and_key_answer_503(subscriber, settings, tmp_path):
    settings.KBZ_SIGNING_KEY_FILE = tmp_path / "missing.pem"
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = False
    key = feed.issue_token(subscriber)
    for client, url in ((APIClient(), "/api/v1/feed/public-key.pem"), (client_with(key), JSON_URL)):
        response = client.get(url)
        assert response.status_code == 503
        assert response.json()["code"] == "signing_key_missing"
