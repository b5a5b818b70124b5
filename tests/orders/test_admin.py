"""The admin of orders: recipients and templates kept by prosecutors; orders read-only with
their history, through the policy."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders import services
from orders.models import DocumentTemplate, Recipient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_orders_are_read_only_with_their_history(client_for, prosecutor, sent_order):
    order = sent_order()
    client = client_for(prosecutor)
    assert order.number in client.get("/admin/orders/order/").content.decode()
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.get("/admin/orders/order/add/").status_code == 403
    assert client.post(f"/admin/orders/order/{order.pk}/delete/").status_code == 403
    history = client.get(f"/admin/orders/order/{order.pk}/history/")
    # The services' reason code "send", named in the reader's language (Russian by default).
    assert history.status_code == 200 and "направлено" in history.content.decode()


def test_auditors_read_orders_and_change_nothing(client_for, auditor, sent_order):
    order = sent_order()
    client = client_for(auditor)
    assert client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200
    assert client.get("/admin/orders/recipient/add/").status_code == 403


def test_another_regions_prosecutor_gets_404(client_for, other_region_prosecutor, draft):
    order = draft()
    client = client_for(other_region_prosecutor)
    assert client.get(f"/admin/orders/order/{order.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/orders/order/{order.pk}/history/").status_code == 404


def test_a_prosecutor_adds_a_recipient(client_for, prosecutor):
    response = client_for(prosecutor).post(
        "/admin/orders/recipient/add/",
        {
            "name_ru": "ТОО «Хостинг»",
            "kind": "hosting_provider",
            "deadline_hours": "48",
            "platforms": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Recipient.objects.get().deadline_hours == 48


def docx_bytes() -> bytes:
    """A real DOCX template (the upload is rendered against a sample order before it is kept)."""
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("№ {{ number }} от {{ date }}")
    document.save(buffer)
    return buffer.getvalue()


def test_a_central_prosecutor_uploads_a_template_hashed(client_for, prosecutor):
    upload = SimpleUploadedFile("submission.docx", docx_bytes())
    response = client_for(prosecutor).post(
        "/admin/orders/documenttemplate/add/",
        {"kind": "submission", "language": "ru", "file": upload, "active": "on"},
    )
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    assert template.uploaded_by == prosecutor and len(template.sha256) == 64


def test_a_file_that_is_not_docx_is_refused(client_for, prosecutor):
    upload = SimpleUploadedFile("submission.docx", b"<html>not a docx</html>")
    response = client_for(prosecutor).post(
        "/admin/orders/documenttemplate/add/",
        {"kind": "submission", "language": "ru", "file": upload, "active": "on"},
    )
    assert response.status_code == 200
    assert not DocumentTemplate.objects.exists()


def test_a_regional_prosecutor_does_not_change_the_shared_templates(
    client_for, regional_prosecutor
):
    assert (
        client_for(regional_prosecutor).get("/admin/orders/documenttemplate/add/").status_code
        == 403
    )


def test_the_services_write_the_admins_history(prosecutor, draft):
    order = draft()
    services.sign_order(prosecutor, order)
    assert order.history.first().history_user == prosecutor
