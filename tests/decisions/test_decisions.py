"""The court decisions register: documents keep their SHA-256; validation answers 400."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import Role
from decisions.models import CourtDecision


def test_prosecutor_uploads_a_decision_document_with_its_hash(
    make_user, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    document = b"%PDF-1.4 decision text"
    response = api_client.post(
        "/api/v1/decisions/",
        {
            "court": "Специализированный межрайонный суд по уголовным делам Атырауской области",
            "outcome": "recognise_terrorist",
            "decision_date": "2020-11-04",
            "case_number": "2-123/2020",
            "document": SimpleUploadedFile("decision.pdf", document, "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["document_sha256"] == hashlib.sha256(document).hexdigest()
    assert body["region"] == "KZ-23"  # from the court's name


def test_decision_cannot_enter_into_force_before_it_is_made(make_user, api_client):
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    response = api_client.post(
        "/api/v1/decisions/",
        {
            "court": "Суд",
            "outcome": "ban_organization",
            "decision_date": "2020-11-04",
            "entry_into_force": "2020-10-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not CourtDecision.objects.exists()


def test_decisions_are_searched_and_filtered(make_user, api_client):
    CourtDecision.objects.create(court="Есильский районный суд г. Астаны", outcome="lift_ban")
    CourtDecision.objects.create(court="Медеуский районный суд г. Алматы", outcome="lift_ban")
    api_client.force_authenticate(make_user(Role.OFFICER))
    response = api_client.get("/api/v1/decisions/", {"q": "есильский"})
    assert [d["court"] for d in response.json()["results"]] == ["Есильский районный суд г. Астаны"]
