"""The portal's submit page: one URL, a pasted list, a file processed chunk by chunk, with
per-URL results (new / known / invalid) and never a live link to what was submitted."""

import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime
from lxml import html

from accounts.choices import AgencyKind, Role
from portal import submissions
from portal.models import BulkChunk, BulkSubmission
from registry.models import Link, Report
from tests.second_factor import log_in

SUBMIT = reverse("portal:submit")


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


@pytest.fixture
def other_officer(make_user):
    """An officer of another agency (KNB) in another region."""
    return make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")


def browser_for(user) -> Client:
    """A test client logged in as `user`, reading the portal in English."""
    client = log_in(Client(), user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def submit_one(client, url: str, **extra):
    return client.post(SUBMIT, {"mode": "one", "one-url": url, **extra})


def submit_list(client, text: str):
    return client.post(SUBMIT, {"mode": "list", "list-urls": text})


def submit_file(client, name: str, content: bytes):
    return client.post(SUBMIT, {"mode": "file", "file-file": SimpleUploadedFile(name, content)})


def result_rows(content: bytes | str) -> list[dict]:
    """The result rows of a page or fragment: status, line, text of the row, its hrefs."""
    doc = html.fromstring(content if isinstance(content, str) else content.decode())
    rows = []
    for tr in doc.xpath("//tr[contains(concat(' ', @class, ' '), ' result ')]"):
        status = tr.get("data-status")
        assert f"result-{status}" in tr.get("class").split()
        rows.append(
            {
                "status": status,
                "line": int(tr.get("data-line")),
                "text": " ".join(tr.text_content().split()),
                "hrefs": tr.xpath(".//a/@href"),
            }
        )
    return rows


def follow_batch(client, response):
    """The batch page a submission redirected to."""
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def batch_id_of(response):
    return re.search(r"/submit/([0-9a-f-]{36})/", response["Location"])[1]


def test_one_url_is_registered_as_new_and_links_to_its_record(officer):
    client = browser_for(officer)
    page = follow_batch(client, submit_one(client, "https://propaganda.example/post/1"))
    assert page.status_code == 200
    link = Link.objects.get()
    [row] = result_rows(page.content)
    assert row["status"] == "new"
    assert row["line"] == 1
    assert "hxxps://propaganda[.]example/post/1" in row["text"]
    assert row["hrefs"] == [reverse("portal:link", args=[link.pk])]
    assert Report.objects.get().source == "form"
    assert link.first_reported_by == officer


def test_another_agency_submitting_another_form_sees_known_with_first_reporter(
    officer, other_officer
):
    first = browser_for(officer)
    follow_batch(first, submit_one(first, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42"))
    link = Link.objects.get()

    second = browser_for(other_officer)
    page = follow_batch(second, submit_one(second, "youtu.be/dQw4w9WgXcQ?si=tracking"))

    [row] = result_rows(page.content)
    assert row["status"] == "known"
    assert f"Known since {localtime(link.first_reported_at):%d.%m.%Y}" in row["text"]
    assert officer.agency.name_ru in row["text"]
    assert "State: new" in row["text"]
    assert "Reports: 2" in row["text"]
    assert row["hrefs"] == [reverse("portal:link", args=[link.pk])]
    assert Link.objects.count() == 1
    assert Report.objects.filter(link=link, agency=other_officer.agency, is_repeat=True).exists()


def test_confidential_hit_reveals_only_whom_to_contact(officer, other_officer):
    officer.agency.contact = "+7 727 000 00 00"
    officer.agency.save()
    first = browser_for(officer)
    follow_batch(
        first, submit_one(first, "https://t.me/secret_channel/15", **{"one-confidential": "on"})
    )
    link = Link.objects.get()
    assert link.confidential

    second = browser_for(other_officer)
    page = follow_batch(second, submit_one(second, "https://t.me/s/secret_channel/15"))

    [row] = result_rows(page.content)
    assert row["status"] == "known"
    assert "contact" in row["text"].lower()
    assert officer.agency.name_ru in row["text"]
    assert "+7 727 000 00 00" in row["text"]
    # Nothing else: no record to open, no state, no count, no date.
    assert row["hrefs"] == []
    assert "State" not in row["text"] and "Reports" not in row["text"]
    assert "since" not in row["text"].lower()
    body = page.content.decode()
    assert reverse("portal:link", args=[link.pk]) not in body


def test_pasted_list_answers_invalid_lines_with_numbers_and_processes_the_rest(officer):
    client = browser_for(officer)
    text = "\n".join(
        [
            "https://propaganda.example/a",
            "",
            "javascript:alert(1)",
            "hxxps://propaganda[.]example/b",
            "https://propaganda.example/a?utm_source=x",
            "ftp://files.example/x",
        ]
    )
    page = follow_batch(client, submit_list(client, text))

    rows = result_rows(page.content)
    assert [(r["line"], r["status"]) for r in rows] == [
        (1, "new"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "new"),
        (5, "known"),
        (6, "invalid"),
    ]
    assert "empty" in rows[1]["text"].lower()
    assert "javascript" in rows[2]["text"].lower()
    assert "The same content as line 1" in rows[4]["text"]
    assert Link.objects.count() == 2
    assert Report.objects.count() == 3
    doc = html.fromstring(page.content)
    assert doc.xpath("string(//dd[@class='total-new'])") == "2"
    assert doc.xpath("string(//dd[@class='total-known'])") == "1"
    assert doc.xpath("string(//dd[@class='total-invalid'])") == "3"


def _csv(urls):
    return ("url;comment\n" + "\n".join(f"{u};x" for u in urls) + "\n").encode()


def _txt(urls):
    return ("\n".join(urls) + "\n").encode("cp1251")


def _xlsx(urls):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["№", "Ссылка"])
    for number, url in enumerate(urls, start=1):
        sheet.append([number, url])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "first_line"),
    [("list.csv", _csv, 2), ("list.txt", _txt, 1), ("list.xlsx", _xlsx, 2)],
)
def test_file_is_submitted_in_chunks_with_progress_and_correct_totals(
    officer, monkeypatch, name, make, first_line
):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 3)
    urls = [f"https://propaganda.example/file/{n}" for n in range(7)]
    urls.insert(4, "not a url at all")
    urls.append("https://propaganda.example/file/0")  # the same content again
    client = browser_for(officer)

    response = submit_file(client, name, make(urls))
    batch = BulkSubmission.objects.get(pk=batch_id_of(response))
    assert (batch.line_count, batch.chunk_count, batch.position) == (9, 3, 1)
    assert batch.source == "file" and batch.filename == name

    page = follow_batch(client, response)
    doc = html.fromstring(page.content)
    [progress] = doc.xpath("//progress")
    assert (progress.get("value"), progress.get("max")) == ("3", "9")
    [form] = doc.xpath("//div[@id='batch-next']/form")
    assert form.get("hx-trigger") == "load"
    assert form.xpath("string(.//input[@name='chunk']/@value)") == "1"
    assert len(result_rows(page.content)) == 3

    fragments = []
    for chunk in (1, 2):
        fragment = client.post(
            reverse("portal:submit_next", args=[batch.pk]), {"chunk": chunk}, HTTP_HX_REQUEST="true"
        )
        assert fragment.status_code == 200
        fragments.append(fragment.content.decode())
    # Each fragment appends its chunk's rows and replaces the progress out of band.
    assert 'hx-swap-oob="beforeend:#results-body"' in fragments[0]
    assert [r["line"] for r in result_rows(fragments[0])] == [first_line + n for n in (3, 4, 5)]
    assert 'id="batch-progress" class="batch-progress" hx-swap-oob="true"' in fragments[1]
    assert 'value="9" max="9"' in fragments[1]
    assert "hx-trigger" not in fragments[1]  # finished: nothing more to ask for

    batch.refresh_from_db()
    assert batch.finished and batch.finished_at is not None
    assert (batch.new_count, batch.known_count, batch.invalid_count) == (7, 1, 1)
    page = client.get(reverse("portal:submit_batch", args=[batch.pk]))
    rows = result_rows(page.content)
    assert [r["line"] for r in rows] == list(range(first_line, first_line + 9))
    assert [r["status"] for r in rows].count("invalid") == 1
    assert rows[-1]["status"] == "known"
    assert Link.objects.count() == 7
    assert Report.objects.filter(source="file").count() == 8


def test_continue_without_javascript_returns_to_the_batch_page(officer, monkeypatch):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 2)
    client = browser_for(officer)
    response = submit_list(client, "\n".join(f"https://propaganda.example/{n}" for n in range(3)))
    batch_id = batch_id_of(response)

    after = client.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": 1})
    assert after.status_code == 302
    assert after["Location"] == reverse("portal:submit_batch", args=[batch_id])
    page = client.get(after["Location"])
    assert len(result_rows(page.content)) == 3
    assert b"batch-next" in page.content and b'name="chunk"' not in page.content


def test_a_chunk_requested_twice_is_submitted_once(officer, monkeypatch):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 2)
    client = browser_for(officer)
    response = submit_list(client, "\n".join(f"https://propaganda.example/{n}" for n in range(4)))
    batch_id = batch_id_of(response)
    next_url = reverse("portal:submit_next", args=[batch_id])

    first = client.post(next_url, {"chunk": 1}, HTTP_HX_REQUEST="true")
    reports = Report.objects.count()
    again = client.post(next_url, {"chunk": 1}, HTTP_HX_REQUEST="true")

    assert len(result_rows(first.content)) == 2
    assert result_rows(again.content) == []  # nothing appended twice
    assert Report.objects.count() == reports == 4
    assert Link.objects.filter(report_count=1).count() == 4
    batch = BulkSubmission.objects.get(pk=batch_id)
    assert (batch.position, batch.processed_lines, batch.new_count) == (2, 4, 4)
    # The first chunk, asked for once more after the batch finished, is not submitted either.
    client.post(next_url, {"chunk": 0})
    assert Report.objects.count() == 4


def test_another_users_batch_does_not_exist_for_them(officer, make_user):
    colleague = make_user(Role.OFFICER, agency=officer.agency)
    client = browser_for(officer)
    batch_id = batch_id_of(submit_list(client, "https://propaganda.example/1\nhttps://x.example/"))

    intruder = browser_for(colleague)
    assert intruder.get(reverse("portal:submit_batch", args=[batch_id])).status_code == 404
    assert intruder.get(reverse("portal:submit_results", args=[batch_id])).status_code == 404
    response = intruder.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": 1})
    assert response.status_code == 404
    assert Report.objects.filter(user=colleague).count() == 0


def test_csrf_token_is_required(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    refused = client.post(SUBMIT, {"mode": "one", "one-url": "https://propaganda.example/1"})
    assert refused.status_code == 403
    assert not Link.objects.exists()

    page = client.get(SUBMIT)
    token = html.fromstring(page.content).xpath(
        "string(//input[@name='csrfmiddlewaretoken']/@value)"
    )
    accepted = client.post(
        SUBMIT,
        {"mode": "one", "one-url": "https://propaganda.example/1", "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302
    batch_id = batch_id_of(accepted)
    response = client.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": 1})
    assert response.status_code == 403


def test_no_submitted_url_is_ever_a_live_link(officer, other_officer, monkeypatch):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 2)
    urls = [
        "https://propaganda.example/a",
        "http://www.extremist.example/page?id=1",
        "t.me/channel/42",
        "javascript:alert(document.cookie)",
        "https://propaganda.example/a",
    ]
    client = browser_for(officer)
    response = submit_list(client, "\n".join(urls))
    batch_id = batch_id_of(response)
    pages = [client.get(response["Location"]).content.decode()]
    pages.append(
        client.post(
            reverse("portal:submit_next", args=[batch_id]), {"chunk": 1}, HTTP_HX_REQUEST="true"
        ).content.decode()
    )
    client.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": 2})
    pages.append(client.get(response["Location"]).content.decode())
    pages.append(client.get(reverse("portal:submit")).content.decode())
    pages.append(client.get(reverse("portal:submit_results", args=[batch_id])).content.decode())

    for page in pages:
        for attribute in re.findall(r'(?:href|src|action|hx-post|hx-get)="([^"]*)"', page):
            assert attribute.startswith(("/", "#")), attribute
        for host in ("propaganda.example", "extremist.example", "t.me/"):
            assert host not in page
    # Shown in canonical form (https, no www.), defanged.
    assert "hxxps://extremist[.]example/page?id=1" in pages[0]
    assert "t[.]me/channel/42" in pages[-1]


def test_results_download_has_every_result_defanged(officer):
    client = browser_for(officer)
    batch_id = batch_id_of(submit_list(client, "https://propaganda.example/1\n\nhttp://x"))
    response = client.get(reverse("portal:submit_results", args=[batch_id]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    assert lines[1].startswith("1,new,new,hxxps://propaganda[.]example/1,")
    assert lines[2].startswith("2,invalid,invalid,")
    assert lines[3].startswith("3,invalid,invalid,hxxp://x")


def test_too_many_lines_are_refused_before_anything_is_submitted(officer, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_LINES", 5)
    client = browser_for(officer)
    response = submit_list(client, "\n".join(f"https://propaganda.example/{n}" for n in range(6)))
    assert response.status_code == 400
    assert "The list has 6 lines; at most 5 are taken at a time" in response.content.decode()
    response = submit_file(client, "big.txt", _txt([f"https://p.example/{n}" for n in range(6)]))
    assert response.status_code == 400
    assert "The list has 6 lines" in response.content.decode()
    assert not BulkSubmission.objects.exists() and not Report.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_refused(officer):
    client = browser_for(officer)
    response = submit_file(client, "links.xlsx", b"https://propaganda.example/1\n")
    assert response.status_code == 400
    assert "is not an Excel workbook" in response.content.decode()
    response = submit_file(client, "links.pdf", b"%PDF-1.4")
    assert "Upload a .txt, .csv or .xlsx file, not .pdf" in response.content.decode()
    response = submit_list(client, "\n\n")
    assert "the list is empty" in response.content.decode()
    assert not BulkSubmission.objects.exists()


def test_who_may_not_submit_gets_a_refusal(make_user, central_agency):
    administrator = make_user(Role.ADMIN, agency=central_agency)
    client = browser_for(administrator)
    assert client.get(SUBMIT).status_code == 403
    assert submit_one(client, "https://propaganda.example/1").status_code == 403
    assert not Report.objects.exists()


def test_a_chunk_costs_the_same_queries_whatever_its_size(
    officer, monkeypatch, django_assert_max_num_queries
):
    def next_chunk_queries(size):
        monkeypatch.setattr(submissions, "CHUNK_LINES", size)
        client = browser_for(officer)
        lines = "\n".join(f"https://propaganda.example/{size}/{n}" for n in range(2 * size))
        batch_id = batch_id_of(submit_list(client, lines))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": 1})
        return len(queries)

    assert next_chunk_queries(5) == next_chunk_queries(200)


def test_old_batches_are_dropped_when_a_new_one_starts(officer):
    from datetime import timedelta

    from django.utils import timezone

    client = browser_for(officer)
    old = batch_id_of(submit_list(client, "https://propaganda.example/1"))
    BulkSubmission.objects.filter(pk=old).update(
        created_at=timezone.now() - timedelta(days=submissions.KEEP_DAYS + 1)
    )
    batch_id_of(submit_list(client, "https://propaganda.example/2"))
    assert not BulkSubmission.objects.filter(pk=old).exists()
    assert not BulkChunk.objects.filter(batch_id=old).exists()
    assert BulkSubmission.objects.count() == 1


def test_the_same_form_posted_twice_starts_one_batch(officer):
    client = browser_for(officer)
    page = client.get(SUBMIT)
    form_id = html.fromstring(page.content).xpath("string(//input[@name='list-batch']/@value)")
    data = {"mode": "list", "list-batch": form_id, "list-urls": "https://propaganda.example/1"}

    first = client.post(SUBMIT, data)
    again = client.post(SUBMIT, data)

    assert first["Location"] == again["Location"]
    assert batch_id_of(first) == form_id
    assert BulkSubmission.objects.count() == 1
    assert Report.objects.count() == 1
    assert "no-store" in page["Cache-Control"]  # "back" draws a fresh form


def test_a_long_batch_page_shows_the_latest_results_and_the_download_has_all(officer, monkeypatch):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 2)
    monkeypatch.setattr(submissions, "RESULTS_ON_PAGE", 2)
    client = browser_for(officer)
    batch_id = batch_id_of(
        submit_list(client, "\n".join(f"https://propaganda.example/{n}" for n in range(6)))
    )
    for chunk in (1, 2):
        client.post(reverse("portal:submit_next", args=[batch_id]), {"chunk": chunk})

    page = client.get(reverse("portal:submit_batch", args=[batch_id]))
    assert [r["line"] for r in result_rows(page.content)] == [5, 6]
    assert "4 earlier results are not shown on this page" in page.content.decode()
    download = client.get(reverse("portal:submit_results", args=[batch_id]))
    assert len(download.content.decode("utf-8-sig").splitlines()) == 7


def test_submission_batches_go_through_the_access_policy(make_user):
    """Batches are rows the policy restricts like any other: one's own only, and nothing for a
    role that cannot submit."""
    from accounts import policy
    from accounts.choices import Role
    from portal import submissions as batches
    from portal.models import BulkSubmission
    from registry.intake import parse_text

    owner = make_user(Role.OFFICER)
    colleague = make_user(Role.OFFICER, agency=owner.agency)
    analyst = make_user(Role.ANALYST, agency=owner.agency)
    batch = batches.start(owner, parse_text("https://t.me/some_channel/1"), source="form")

    assert list(policy.restrict(BulkSubmission.objects.all(), owner)) == [batch]
    assert not policy.restrict(BulkSubmission.objects.all(), colleague).exists()
    assert not policy.restrict(BulkSubmission.objects.all(), analyst).exists()
    assert not policy.can(analyst, "add", model=BulkSubmission)
