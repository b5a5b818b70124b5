"""Uploading a document template in the admin: proved by a render before it is kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from orders.models import DocumentTemplate

pytestmark = pytest.mark.django_db

ADD = "/admin/orders/documenttemplate/add/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(*paragraphs: str) -> SimpleUploadedFile:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("template.docx", out.getvalue())


def test_a_template_that_renders_is_kept_and_used(client_for, prosecutor):
    response = client_for(prosecutor).post(
        ADD,
        {"kind": "submission", "language": "ru", "file": upload("№ {{ number }} от {{ date }}")},
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    template = DocumentTemplate.objects.get()
    assert (template.kind, template.language, template.active) == ("submission", "ru", True)
    assert template.uploaded_by == prosecutor and len(template.sha256) == 64


def test_a_broken_template_is_refused_on_the_form_naming_the_jinja_error(
    client_for, prosecutor, media
):
    response = client_for(prosecutor).post(
        ADD, {"kind": "submission", "language": "kk", "file": upload("№ {{ number }")}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert "unexpected '}'" in errors[0]
    assert not DocumentTemplate.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_the_defaults_can_be_downloaded_to_start_from(client_for, prosecutor):
    response = client_for(prosecutor).get(
        "/admin/orders/documenttemplate/default/restoration_notice/kk/"
    )

    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "ХАБАРЛАМА" in text


def test_a_regional_prosecutor_reads_templates_but_uploads_none(client_for, regional_prosecutor):
    client = client_for(regional_prosecutor)
    assert client.get("/admin/orders/documenttemplate/").status_code == 200
    response = client.post(
        ADD, {"kind": "submission", "language": "ru", "file": upload("{{ number }}")}
    )
    assert response.status_code == 403
    assert not DocumentTemplate.objects.exists()


def test_activating_an_older_upload_deactivates_the_current_one(client_for, prosecutor):
    client = client_for(prosecutor)
    for text in ("первый {{ number }}", "второй {{ number }}"):
        client.post(ADD, {"kind": "submission", "language": "ru", "file": upload(text)})
    first, second = DocumentTemplate.objects.order_by("uploaded_at", "id")
    first.refresh_from_db()
    assert (first.active, second.active) == (False, True)

    client.post(
        "/admin/orders/documenttemplate/",
        {"action": "activate", "_selected_action": [first.pk]},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.active, second.active) == (True, False)
