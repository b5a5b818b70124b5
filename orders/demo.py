"""Demo orders for `manage.py seed_demo`: the recipients' directory and one order in every
state (and a repeated submission and a restoration notice), issued by the demo prosecutor
through orders.services on the demo links, all marked `is_demo`. Idempotent.

Demo links are made-up ids on real platforms and are never fetched (checks.recording and
orders.checking leave them out): the executed ones here are recorded as if a check had found
them gone."""

import datetime as dt
import hashlib
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orders import services
from orders.choices import DocumentKind, DocumentLanguage, RecipientKind
from orders.models import DocumentTemplate, FeedSubscriber, Order, Recipient
from registry import demo as registry_demo
from registry import services as registry_services
from registry.choices import LinkPlatform, LinkState
from registry.models import Link

ARTICLE = "ст. 41-1 п. 1 Закона РК «О связи»"

RECIPIENTS = [
    # name_ru, name_kk, name_en, kind, deadline hours, platforms, contacts
    (
        "Министерство информации и общественного развития РК (демо)",
        "ҚР Ақпарат және қоғамдық даму министрлігі (демо)",
        "Ministry of Information and Social Development (demo)",
        RecipientKind.MINISTRY,
        24,
        [],
        "г. Астана, пр. Мәңгілік Ел, 8; канцелярия (демо)",
    ),
    (
        "Комитет национальной безопасности РК (демо)",
        "ҚР Ұлттық қауіпсіздік комитеті (демо)",
        "National Security Committee (KNB) (demo)",
        RecipientKind.NATIONAL_SECURITY,
        24,
        [],
        "г. Астана; фельдъегерская связь (демо)",
    ),
    (
        "Законный представитель YouTube в РК (демо)",
        "YouTube-тың ҚР-дағы заңды өкілі (демо)",
        "YouTube legal representative in Kazakhstan (demo)",
        RecipientKind.PLATFORM_REPRESENTATIVE,
        24,
        [LinkPlatform.YOUTUBE],
        "kz-requests@demo.example (демо)",
    ),
    (
        "Законный представитель Telegram в РК (демо)",
        "Telegram-ның ҚР-дағы заңды өкілі (демо)",
        "Telegram legal representative in Kazakhstan (demo)",
        RecipientKind.PLATFORM_REPRESENTATIVE,
        24,
        [LinkPlatform.TELEGRAM],
        "abuse-kz@demo.example (демо)",
    ),
    (
        "Законный представитель TikTok в РК (демо)",
        "TikTok-тың ҚР-дағы заңды өкілі (демо)",
        "TikTok legal representative in Kazakhstan (demo)",
        RecipientKind.PLATFORM_REPRESENTATIVE,
        24,
        [LinkPlatform.TIKTOK],
        "legal-kz@demo.example (демо)",
    ),
    (
        "ТОО «Демо-Хостинг» (хостинг-провайдер, демо)",
        "«Демо-Хостинг» ЖШС (хостинг-провайдер, демо)",
        "Demo Hosting LLP (hosting provider, demo)",
        RecipientKind.HOSTING_PROVIDER,
        48,
        [],
        "noc@hosting.demo.example (демо)",
    ),
    (
        "Иной адресат без срока исполнения (демо)",
        "Орындау мерзімі жоқ өзге адресат (демо)",
        "Other recipient without a deadline rule (demo)",
        RecipientKind.OTHER,
        None,
        [],
        "Заказы этому адресату отклоняются: срок не задан (демо)",
    ),
]


def seed_recipients() -> list[Recipient]:
    recipients = []
    for name_ru, name_kk, name_en, kind, hours, platforms, contacts in RECIPIENTS:
        recipient, _created = Recipient.objects.get_or_create(
            name_ru=name_ru,
            defaults={
                "name_kk": name_kk,
                "name_en": name_en,
                "kind": kind,
                "deadline_hours": hours,
                "platforms": platforms,
                "contacts": contacts,
                "is_demo": True,
            },
        )
        recipients.append(recipient)
    return recipients


_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    ),
    "word/document.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        "ПРЕДСТАВЛЕНИЕ № {{ order.number }} (демо-шаблон, неактивен)"
        "</w:t></w:r></w:p></w:body></w:document>"
    ),
}


def demo_template_docx() -> bytes:
    """A minimal DOCX: the demo's earlier, deactivated upload (the shipped defaults apply)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _DOCX_PARTS.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def seed_office_settings(prosecutor, recipients) -> None:
    """A deactivated uploaded template and a (tokenless, inactive) feed subscriber."""
    if not DocumentTemplate.objects.filter(file__contains="demo-").exists():
        content = demo_template_docx()
        template = DocumentTemplate(
            kind=DocumentKind.SUBMISSION,
            language=DocumentLanguage.RU,
            active=False,
            uploaded_by=prosecutor,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        template.file.save("demo-submission-ru.docx", ContentFile(content), save=False)
        template.save()
    FeedSubscriber.objects.get_or_create(
        name="ТОО «Демо-Телеком» (оператор связи, демо)",
        defaults={
            "recipient": recipients[5],
            "contacts": "noc@telecom.demo.example (демо)",
            "active": False,
        },
    )


def _links(prosecutor, platform: str | None, count: int, taken: set[int]) -> list[int]:
    """`count` confirmed demo links (of the platform), confirming reviewed ones if short."""
    queryset = Link.objects.filter(is_demo=True).exclude(pk__in=taken).order_by("pk")
    if platform is not None:
        queryset = queryset.filter(platform=platform)
    ids = list(queryset.filter(state=LinkState.CONFIRMED).values_list("pk", flat=True)[:count])
    if len(ids) < count:
        reviewed = queryset.filter(state=LinkState.UNDER_REVIEW).values_list("pk", flat=True)
        for pk in reviewed[: count - len(ids)]:
            registry_services.transition(
                pk,
                LinkState.CONFIRMED,
                actor=prosecutor,
                reason=registry_demo.DEMO_REASONS["confirmed"],
                classification="extremist",
            )
            ids.append(pk)
    taken.update(ids)
    return ids


def _backdate(order: Order, sent_at: dt.datetime) -> None:
    """Created and signed before it was sent (the services stamp "now")."""
    Order.objects.filter(pk=order.pk).update(
        created_at=sent_at - dt.timedelta(hours=3),
        signed_at=sent_at - dt.timedelta(hours=1),
        date=timezone.localdate(sent_at),
    )


def seed(stdout=None) -> str:
    if Order.objects.filter(is_demo=True).exists():
        return f"Orders: {Order.objects.filter(is_demo=True).count()} demo orders already in place"
    prosecutor = User.objects.filter(username="demo_prosecutor").first()
    if prosecutor is None or not Link.objects.filter(is_demo=True).exists():
        return "Orders: skipped (the demo users or links are missing)"
    recipients = seed_recipients()
    (ministry, knb, youtube, telegram, tiktok, hosting, _other) = recipients
    seed_office_settings(prosecutor, recipients)
    now = timezone.now()
    taken: set[int] = set()
    made = []

    def order(recipient, platform, count, *, sent_hours_ago=None, note=""):
        links = _links(prosecutor, platform, count, taken)
        created = services.create_order(
            prosecutor,
            recipient=recipient,
            links=links,
            law_article=ARTICLE,
            note=note,
            is_demo=True,
        )
        made.append(created)
        if sent_hours_ago is None:
            return created
        sent_at = now - dt.timedelta(hours=sent_hours_ago)
        services.sign_order(prosecutor, created)
        services.send_order(prosecutor, created, now=sent_at)
        _backdate(created, sent_at)
        created.refresh_from_db()
        return created

    with transaction.atomic():
        order(ministry, None, 2, note="Демо: черновик")
        signed = order(knb, None, 2, note="Демо: подписано, не отправлено")
        services.sign_order(prosecutor, signed)
        order(youtube, LinkPlatform.YOUTUBE, 2, sent_hours_ago=3, note="Демо: отправлено")

        overdue = order(ministry, None, 3, sent_hours_ago=40, note="Демо: просрочено")
        services.acknowledge_order(prosecutor, overdue, now=overdue.sent_at + dt.timedelta(hours=2))
        made.append(
            services.create_repeated_order(prosecutor, overdue, now=now)  # the repeated draft
        )

        executed = order(telegram, LinkPlatform.TELEGRAM, 2, sent_hours_ago=72, note="Демо")
        for hours, order_link in enumerate(executed.order_links.order_by("id"), start=5):
            services.record_link_gone(order_link, executed.sent_at + dt.timedelta(hours=hours))
        made.append(
            services.revoke_links(
                prosecutor,
                executed,
                [executed.order_links.order_by("id").first().link_id],
                "Демо: владелец удалил материал, решение о блокировке снято",
            )
        )

        partly = order(tiktok, LinkPlatform.TIKTOK, 2, sent_hours_ago=96, note="Демо")
        services.record_link_gone(
            partly.order_links.order_by("id").first(), partly.sent_at + dt.timedelta(hours=20)
        )
        services.close_partly(prosecutor, partly, "Демо: второй материал вне юрисдикции")

        refused = order(hosting, LinkPlatform.WEB, 1, sent_hours_ago=120, note="Демо")
        services.refuse_order(prosecutor, refused, "Демо: провайдер не размещает этот ресурс")

        withdrawn = order(ministry, None, 1, sent_hours_ago=10, note="Демо")
        services.withdraw_order(prosecutor, withdrawn, "Демо: направлено ошибочно")
    states = sorted({o.state for o in Order.objects.filter(is_demo=True)})
    return f"Orders: {len(made)} demo orders ({', '.join(states)}), {len(RECIPIENTS)} recipients"
