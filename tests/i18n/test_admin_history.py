"""The admin's history of a link speaks the reader's language: state labels, not codes; the
services' reason codes named; an empty reference "—", not "Deleted agency (pk=None)"; dates
local and day-first."""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts.choices import Role
from registry import services as registry_services
from registry.choices import LinkState, ReportSource
from tests.factories import UserFactory
from tests.second_factor import log_in


def test_link_history_in_the_admin_reads_in_russian_and_kazakh(officer, prosecutor, client):
    supervisor = UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])
    (answer,) = registry_services.submit_urls(
        ["https://propaganda.example/channel/1"], user=officer, source=ReportSource.FORM
    )
    registry_services.transition(
        answer.link, LinkState.UNDER_REVIEW, actor=supervisor, reason="повторная проверка"
    )
    registry_services.assign(
        answer.link, actor=prosecutor, agency=officer.agency, due_date=date(2026, 12, 31)
    )
    log_in(client, prosecutor)
    url = reverse("admin:registry_link_history", args=[answer.link])

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(url)
    assert response.status_code == 200
    text = " ".join(html.fromstring(response.content.decode()).text_content().split())
    assert "pk=None" not in text
    assert "start_review" not in text and "under_review" not in text
    assert "Начать рассмотрение: повторная проверка" in text
    assert "31.12.2026" in text  # the due date, day-first
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert today in text  # the records' dates, local and day-first
    assert not any(marker in text for marker in ("UTC", "+00:00", "a.m.", "p.m."))

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    text = html.fromstring(client.get(url).content.decode()).text_content()
    assert "start_review" not in text and "pk=None" not in text


def test_history_reason_codes_are_named_in_the_readers_language():
    from django.utils import translation

    from orders.selectors import change_reason_label as order_reason
    from registry.selectors import change_reason_label as link_reason

    with translation.override("kk"):
        assert order_reason("refuse: мазмұны жоқ") == "бас тартылды: мазмұны жоқ"
        assert order_reason("check: gone") == "автоматты тексеру: материал қолжетімсіз"
        assert link_reason("submit") == "жіберілді"
    with translation.override("ru"):
        assert order_reason("sign") == "подписано"
        assert link_reason("confirm/reject: x") == "Подтвердить противоправность, Отклонить: x"
        # Words that are not a code stay as written.
        assert order_reason("Order ПР-2026/1 sent") == "Order ПР-2026/1 sent"
        assert link_reason("повторная проверка") == "повторная проверка"
