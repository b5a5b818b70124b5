"""A blocking order in a real browser: a prosecutor ticks confirmed links in the registry, picks
the recipient and a court decision found by its case number, creates the draft, signs and
sends it, and reads it back from the list and from a link's page. Screenshots of each page go
to docs/screenshots/orders-*.png."""

import datetime as dt
import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from accounts import demo as account_demo
from accounts.models import User
from decisions.models import CourtDecision
from orders import services
from orders.choices import OrderState, RecipientKind
from orders.models import Order, Recipient
from registry import demo as registry_demo
from registry.choices import LinkState
from registry.models import Link
from tests.browser.conftest import PASSWORD, SCREENSHOTS, log_in, screenshot
from tests.browser.test_accessibility import UNNAMED_CONTROLS

ARTICLE = "ст. 41-1 п. 1 Закона РК «О связи»"


def directory() -> dict[str, Recipient]:
    """The recipients' directory as an office would keep it."""
    return {
        "ministry": Recipient.objects.create(
            name_ru="Министерство культуры и информации РК",
            name_kk="ҚР Мәдениет және ақпарат министрлігі",
            name_en="Ministry of Culture and Information",
            kind=RecipientKind.MINISTRY,
            email="mki@example.kz",
            deadline_hours=24,
        ),
        "knb": Recipient.objects.create(
            name_ru="Комитет национальной безопасности РК",
            name_en="National Security Committee",
            kind=RecipientKind.NATIONAL_SECURITY,
            deadline_hours=48,
        ),
        "telegram": Recipient.objects.create(
            name_ru="Представитель Telegram в Казахстане",
            name_en="Telegram's representative in Kazakhstan",
            kind=RecipientKind.PLATFORM_REPRESENTATIVE,
            platforms=["telegram"],
            deadline_hours=24,
        ),
    }


def court_decision() -> CourtDecision:
    return CourtDecision.objects.create(
        court="Есильский районный суд г. Астаны",
        case_number="2-1234/2025",
        decision_date=dt.date(2025, 11, 4),
        outcome="recognise_extremist",
        text="Решение о признании материалов экстремистскими",
    )


def earlier_orders(prosecutor, recipients, decision) -> None:
    """Orders of the weeks before, so that the list shows several states and an overdue one."""
    confirmed = list(Link.objects.filter(state=LinkState.CONFIRMED).order_by("-pk")[:6])
    late = services.create_order(
        prosecutor, recipient=recipients["knb"], links=confirmed[:3], court_decision=decision
    )
    services.sign_order(prosecutor, late)
    services.send_order(prosecutor, late, now=timezone.now() - timedelta(days=3))
    services.acknowledge_order(prosecutor, late, now=timezone.now() - timedelta(days=2))
    withdrawn = services.create_order(
        prosecutor, recipient=recipients["ministry"], links=confirmed[3:4], law_article=ARTICLE
    )
    services.withdraw_order(prosecutor, withdrawn, "Направлено повторно с уточнённым перечнем")
    services.create_order(
        prosecutor,
        recipient=recipients["ministry"],
        links=confirmed[4:6],
        law_article=ARTICLE,
        note="Черновик к подписи",
    )


def accessible(page) -> None:
    """One main heading and a name for every control, as on every portal page."""
    expect(page.locator("main h1")).to_have_count(1)
    assert page.evaluate(UNNAMED_CONTROLS) == [], page.url


def test_a_prosecutor_orders_ticked_links_blocked_signs_and_sends(open_page):
    account_demo.seed_agencies()
    account_demo.seed_users(lambda username: PASSWORD)
    account_demo.seed_second_factor("demo_prosecutor")
    registry_demo.seed()
    recipients = directory()
    decision = court_decision()
    prosecutor = User.objects.get(username="demo_prosecutor")
    earlier_orders(prosecutor, recipients, decision)
    before = set(Order.objects.values_list("pk", flat=True))

    page = open_page()
    log_in(page, "demo_prosecutor")
    page.goto("/links/?state=confirmed")
    boxes = page.locator("#order-selection input[name=link]")
    ticked = [boxes.nth(i).get_attribute("value") for i in range(3)]
    for i in range(3):
        boxes.nth(i).check()
    screenshot(page, "orders-registry-selection")
    page.locator("#order-selection button[type=submit]").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/orders/new/\?link="))
    expect(page.locator("ul.chosen-links input:checked")).to_have_count(3)

    page.locator("#id_recipient").select_option(str(recipients["ministry"].pk))
    page.locator("#id_decision_q").fill("1234")  # htmx swaps in the matching decisions
    found = page.locator(f"#decision-choices input[value='{decision.pk}']")
    expect(found).to_be_visible()
    found.check()
    page.locator("#id_law_article").fill(ARTICLE)
    page.locator("#id_note").fill("Материалы признаны экстремистскими, распространяются повторно")
    accessible(page)
    screenshot(page, "orders-create")
    page.locator(".actions button[name=create]").click()
    page.wait_for_load_state()

    [new] = Order.objects.exclude(pk__in=before)
    expect(page).to_have_url(re.compile(rf"/orders/{new.pk}/$"))
    assert sorted(str(pk) for pk in new.order_links.values_list("link_id", flat=True)) == sorted(
        ticked
    )
    assert new.court_decision == decision and new.law_article == ARTICLE

    page.locator("form[action$='/sign/'] button").click()
    page.wait_for_load_state()
    page.locator("form[action$='/send/'] button").click()
    page.wait_for_load_state()
    new.refresh_from_db()
    assert new.state == OrderState.SENT
    expect(page.locator("table.order-links tbody tr")).to_have_count(3)
    expect(page.locator("table.order-links time").first).to_be_visible()  # the deadlines
    expect(page.locator("main a[href^='http']")).to_have_count(0)  # never a live link
    accessible(page)
    screenshot(page, "orders-detail")

    page.goto("/orders/")
    expect(page.locator("tr.order-row")).to_have_count(4)
    accessible(page)
    screenshot(page, "orders-list")

    page.goto("/")
    overdue = page.locator(".overdue-orders")
    expect(overdue).to_contain_text("1")
    overdue.locator("a").click()
    page.wait_for_load_state()
    expect(page.locator("tr.order-row")).to_have_count(1)

    page.goto(f"/links/{ticked[0]}/")
    trail = page.locator("section.link-orders")
    expect(trail).to_contain_text(new.number)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    trail.screenshot(path=str(SCREENSHOTS / "orders-link.png"))
