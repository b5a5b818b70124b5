"""The documents of an order (orders.documents): what the DOCX and the PDF say, in Russian and
Kazakh; that no live URL is in them; that they are stored with their hashes, append-only; and
that a template that does not render is refused with the Jinja error named and nothing saved."""

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from checks.choices import CheckTrigger
from checks.models import Check
from decisions.models import CourtDecision
from orders import documents
from orders.choices import OrderKind, OrderState, RecipientKind
from orders.errors import OrderNotAllowed
from orders.models import DocumentTemplate, Order, OrderDocument, OrderLink, Recipient
from tests.hostile_files import docx_bomb
from tests.registry.factories import LinkFactory
from utilities.defang import defang

pytestmark = pytest.mark.django_db

URLS = [
    "https://t.me/extremist_channel/15",
    "https://www.youtube.com/watch?v=abcdefghijk",
    "https://propaganda.example/articles/jihad?id=7",
]
KAZAKH_LETTERS = set("әғқңөұүі")
SHA = "a" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def recipient():
    return Recipient.objects.create(
        name_ru="Министерство информации и общественного развития РК",
        name_kk="ҚР Ақпарат және қоғамдық даму министрлігі",
        kind=RecipientKind.MINISTRY,
        contacts="г. Астана, https://ministry.example/contacts",
        deadline_hours=24,
    )


@pytest.fixture
def decision():
    return CourtDecision.objects.create(
        court="Есильский районный суд г. Астаны",
        case_number="7199-26-00-2/123",
        decision_date=date(2026, 11, 15),
        outcome="recognise_extremist",
    )


@pytest.fixture
def links():
    return [LinkFactory(raw_url=url) for url in URLS]


def make_order(prosecutor, recipient, links, **fields) -> Order:
    fields = {
        "number": "ПР-2026/000123",
        "date": date(2026, 12, 3),
        "kind": OrderKind.BLOCKING,
        "state": OrderState.SIGNED,
        "recipient": recipient,
        "agency": prosecutor.agency,
        "issued_by": prosecutor,
        "signatory": prosecutor,
        "law_article": "ст. 41-1 п. 1 Закона РК «О связи»",
        **fields,
    }
    order = Order.objects.create(**fields)
    OrderLink.objects.bulk_create(OrderLink(order=order, link=link) for link in links)
    return order


@pytest.fixture
def order(prosecutor, recipient, decision, links):
    prosecutor.first_name, prosecutor.last_name = "Асель", "Серікова"
    prosecutor.position = "Заместитель Генерального прокурора"
    prosecutor.save()
    return make_order(prosecutor, recipient, links, court_decision=decision)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Without whitespace: the PDF wraps a long URL inside its table cell."""
    return re.sub(r"\s+", "", text)


def texts(generated) -> dict[tuple[str, str], str]:
    result = {}
    for document in generated:
        with document.file.open("rb") as stream:
            data = stream.read()
        read = docx_text if document.format == "docx" else pdf_text
        result[document.language, document.format] = read(data)
    return result


def test_a_submission_is_generated_in_russian_and_kazakh_as_docx_and_pdf(order, prosecutor):
    generated = documents.generate_documents(order, prosecutor)

    assert sorted((d.language, d.format) for d in generated) == [
        ("kk", "docx"),
        ("kk", "pdf"),
        ("ru", "docx"),
        ("ru", "pdf"),
    ]
    assert {d.kind for d in generated} == {"submission"}
    assert OrderDocument.objects.filter(order=order).count() == 4


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("format_", ["docx", "pdf"])
def test_the_document_says_number_date_recipient_basis_and_every_link_defanged(
    order, prosecutor, links, language, format_
):
    text = texts(documents.generate_documents(order, prosecutor))[language, format_]
    flat = squeezed(text)

    assert "ПР-2026/000123" in text
    assert "03.12.2026" in text
    recipient = "ҚР Ақпарат және қоғамдық даму министрлігі" if language == "kk" else "Министерство"
    assert squeezed(recipient) in flat
    assert squeezed("Есильский районный суд г. Астаны") in flat
    assert "7199-26-00-2/123" in flat
    assert "15.11.2026" in text
    assert squeezed("ст. 41-1 п. 1 Закона РК «О связи»") in flat
    assert "hxxps://t[.]me/extremist_channel/15" in flat
    for link in links:
        assert defang(link.url) in flat
    assert squeezed("Асель Серікова") in flat
    assert squeezed("Заместитель Генерального прокурора") in flat


def test_no_document_carries_a_live_url(order, prosecutor):
    for text in texts(documents.generate_documents(order, prosecutor)).values():
        flat = squeezed(text)
        assert "http://" not in flat and "https://" not in flat
        assert "ministry.example" not in flat  # the recipient's contacts are defanged too
        assert "hxxps://ministry[.]example/contacts" in flat


def test_the_kazakh_pdf_is_in_kazakh_with_its_letters(order, prosecutor):
    text = texts(documents.generate_documents(order, prosecutor))["kk", "pdf"]

    assert set(text) >= KAZAKH_LETTERS
    assert "ҰСЫНУ" in text
    assert squeezed("«Байланыс туралы» Қазақстан Республикасы Заңының 41-1-бабына") in squeezed(
        text
    )


def test_each_link_lists_its_registry_id_and_first_content_hash(order, prosecutor, links):
    first, later = timezone.now() - timedelta(days=2), timezone.now()
    for when, digest in ((later, "b" * 64), (first, SHA)):
        Check.objects.create(
            link=links[0],
            checked_at=when,
            trigger=CheckTrigger.RECHECK,
            url=links[0].url,
            available=True,
            content_sha256=digest,
            tlsh="T1ABCDEF",
        )
    text = texts(documents.generate_documents(order, prosecutor))

    for key in (("ru", "docx"), ("ru", "pdf"), ("kk", "pdf")):
        flat = squeezed(text[key])
        for link in links:
            assert f"{link.pk}" in flat
        assert SHA in flat
        assert "b" * 64 not in flat
        assert "TLSHT1ABCDEF" in flat


def test_stored_files_match_their_recorded_hash_and_size(order, prosecutor, media):
    for document in documents.generate_documents(order, prosecutor):
        data = (media / document.file.name).read_bytes()
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size == len(data)
        assert document.file.name.startswith(f"orders/{document.generated_at.year}/")


def test_generating_again_adds_documents_and_keeps_the_first(order, prosecutor, media):
    first = documents.generate_documents(order, prosecutor)
    second = documents.generate_documents(order, prosecutor)

    assert OrderDocument.objects.filter(order=order).count() == 8
    assert {d.file.name for d in first}.isdisjoint({d.file.name for d in second})
    for document in first:
        data = (media / document.file.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.sha256


def test_a_repeated_submission_cites_the_first_order(order, prosecutor, recipient, links):
    order.sent_at = timezone.now()
    order.state = OrderState.SENT
    order.save()
    repeat = make_order(
        prosecutor,
        recipient,
        links[:1],
        number="ПР-2026/000130",
        kind=OrderKind.REPEATED,
        parent=order,
    )
    generated = texts(documents.generate_documents(repeat, prosecutor))

    ru, kk = squeezed(generated["ru", "pdf"]), squeezed(generated["kk", "docx"])
    assert "ПОВТОРНОЕПРЕДСТАВЛЕНИЕ" in ru
    assert squeezed("Представление № ПР-2026/000123 от 03.12.2026") in ru
    assert "ҚАЙТАЛАПҰСЫНУ" in kk and squeezed("03.12.2026 жылғы № ПР-2026/000123") in kk
    assert "hxxps://t[.]me/extremist_channel/15" in ru
    assert "propaganda[.]example" not in ru  # only the overdue link


def test_a_restoration_notice_gives_the_reason_and_the_order_it_follows(
    order, prosecutor, recipient, links
):
    notice = make_order(
        prosecutor,
        recipient,
        links[2:],
        number="ПР-2026/000140",
        kind=OrderKind.RESTORATION,
        parent=order,
        note="Материал удалён владельцем, см. https://propaganda.example/removed",
    )
    generated = texts(documents.generate_documents(notice, prosecutor))

    ru = squeezed(generated["ru", "docx"])
    assert {d.kind for d in OrderDocument.objects.filter(order=notice)} == {"restoration_notice"}
    assert "УВЕДОМЛЕНИЕ" in ru and squeezed("может быть восстановлен") in ru
    assert squeezed("Материал удалён владельцем") in ru
    assert "hxxps://propaganda[.]example/removed" in ru
    assert "https://" not in ru
    assert "ХАБАРЛАМА" in generated["kk", "pdf"]


def test_only_a_prosecutor_who_may_act_on_the_order_generates_its_documents(order, officer):
    with pytest.raises(OrderNotAllowed):
        documents.generate_documents(order, officer)
    assert not OrderDocument.objects.exists()


# --------------------------------------------------------------------------------------------
# Templates


def template_docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Представление № {{ number }", "unexpected '}'"),
        ("{% for link in links %}{{ link.url }}", "endfor"),
        ("№ {{ numbr }}", "'numbr' is undefined"),
        ("{{ number.__class__.__mro__ }}", "__class__"),
    ],
)
def test_an_uploaded_template_that_does_not_render_is_refused_naming_the_error(
    prosecutor, media, body, named
):
    with pytest.raises(ValidationError) as refused:
        documents.upload_template(
            prosecutor, kind="submission", language="ru", data=template_docx(body)
        )

    assert refused.value.reason == "template_error"
    assert named in refused.value.messages[0]
    assert not DocumentTemplate.objects.exists()
    assert stored_files(media) == []


def test_a_template_that_loops_for_ever_is_stopped_and_refused(prosecutor, monkeypatch):
    monkeypatch.setattr(documents, "SAMPLE_RENDER_SECONDS", 0.5)
    body = "{% for a in range(99999) %}{% for b in range(99999) %}{{ a }}{% endfor %}{% endfor %}"

    with pytest.raises(ValidationError) as refused:
        documents.upload_template(
            prosecutor, kind="submission", language="ru", data=template_docx(body)
        )
    assert refused.value.reason == "too_slow"
    assert not DocumentTemplate.objects.exists()


def test_a_file_that_is_not_a_docx_is_refused(prosecutor, media):
    with pytest.raises(ValidationError):
        documents.upload_template(
            prosecutor, kind="submission", language="ru", data=b"%PDF-1.7 not a template"
        )
    assert not DocumentTemplate.objects.exists()


def test_a_zip_bomb_template_is_refused_before_it_is_read(prosecutor, media):
    with pytest.raises(ValidationError) as refused:
        documents.upload_template(prosecutor, kind="submission", language="ru", data=docx_bomb())
    assert refused.value.reason == "unsafe_file"
    assert not DocumentTemplate.objects.exists()
    assert stored_files(media) == []


def test_an_uploaded_template_replaces_the_default_and_the_previous_upload(order, prosecutor):
    first = documents.upload_template(
        prosecutor,
        kind="submission",
        language="ru",
        data=template_docx(
            "ПЕРВЫЙ ШАБЛОН № {{ number }}", "{% for l in links %}{{ l.url }} {% endfor %}"
        ),
    )
    second = documents.upload_template(
        prosecutor,
        kind="submission",
        language="ru",
        data=template_docx("ОБЛАСТНОЙ ШАБЛОН № {{ number }} {{ recipient.name }}"),
    )
    first.refresh_from_db()

    assert (first.active, second.active) == (False, True)
    assert second.sha256 and second.uploaded_by == prosecutor
    generated = texts(documents.generate_documents(order, prosecutor))
    assert "ОБЛАСТНОЙ ШАБЛОН № ПР-2026/000123 Министерство" in generated["ru", "docx"]
    assert "ОБЛАСТНОЙ ШАБЛОН" in generated["ru", "pdf"]
    assert "ҰСЫНУ" in generated["kk", "docx"]  # Kazakh still from the default


def test_a_template_that_fails_on_the_order_saves_no_document(order, prosecutor, media):
    # Stored without the upload's proof (as if a library upgrade broke it): the failure at
    # generation is a clear ValidationError, and no file or row is left behind.
    broken = DocumentTemplate(kind="submission", language="kk", active=True)
    broken.file.save("broken.docx", io.BytesIO(template_docx("{{ number }")), save=True)
    before = set(stored_files(media))

    with pytest.raises(ValidationError) as refused:
        documents.generate_documents(order, prosecutor)

    assert "unexpected '}'" in refused.value.messages[0]
    assert not OrderDocument.objects.exists()
    assert set(stored_files(media)) == before


def test_an_officer_may_not_upload_templates(officer):
    with pytest.raises(OrderNotAllowed):
        documents.upload_template(
            officer, kind="submission", language="ru", data=template_docx("{{ number }}")
        )


@pytest.mark.parametrize("kind", ["submission", "repeated_submission", "restoration_notice"])
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_default_template_renders_the_sample(kind, language):
    rendered = documents.render_docx(
        documents.default_template(kind, language), documents.sample_context(kind, language)
    )
    text = docx_text(rendered)
    assert "ПР-2026/000001" in text and "hxxps://t[.]me/example_channel/15" in text


def test_generation_reads_a_fixed_number_of_queries_whatever_the_links(
    prosecutor, recipient, django_assert_max_num_queries
):
    small = make_order(prosecutor, recipient, [LinkFactory() for _ in range(2)])
    large = make_order(
        prosecutor, recipient, [LinkFactory() for _ in range(40)], number="ПР-2026/000999"
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        documents.generate_documents(small, prosecutor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        documents.generate_documents(large, prosecutor)


# --------------------------------------------------------------------------------------------
# Through the services


def test_sending_an_order_generates_its_documents(sent_order, prosecutor):
    order = sent_order()

    generated = OrderDocument.objects.filter(order=order)
    assert sorted(generated.values_list("language", "format")) == [
        ("kk", "docx"),
        ("kk", "pdf"),
        ("ru", "docx"),
        ("ru", "pdf"),
    ]
    assert set(generated.values_list("generated_by", flat=True)) == {prosecutor.pk}
    ru = texts(generated)["ru", "pdf"]
    assert order.number in ru and order.date.strftime("%d.%m.%Y") in ru


def test_a_template_that_fails_refuses_the_sending_and_nothing_moves(draft, prosecutor, media):
    from orders import services

    order = draft()
    services.sign_order(prosecutor, order)
    broken = DocumentTemplate(kind="submission", language="ru", active=True)
    broken.file.save("broken.docx", io.BytesIO(template_docx("{{ number }")), save=True)
    before = set(stored_files(media))

    with pytest.raises(ValidationError):
        services.send_order(prosecutor, order)

    order.refresh_from_db()
    assert order.state == OrderState.SIGNED and order.sent_at is None
    assert not OrderLink.objects.filter(order=order, deadline_at__isnull=False).exists()
    assert not OrderDocument.objects.exists()
    assert set(stored_files(media)) == before
