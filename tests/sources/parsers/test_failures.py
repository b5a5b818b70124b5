"""ParseFailed and NotWatchable: codes, translated messages, and surviving a pickle."""

import pickle

import pytest
from django.utils import translation

from sources.parsers import FailureCode, NotWatchable, ParseFailed, parse, watch_url

from .conftest import saved


def test_failure_message_follows_the_active_language():
    with pytest.raises(ParseFailed) as failed:
        parse("vk", saved("vk_captcha.html"), "https://vk.com/demo_public")
    with translation.override("en"):
        english = str(failed.value)
    with translation.override("ru"):
        russian = str(failed.value)
    with translation.override("kk"):
        kazakh = str(failed.value)
    assert english.startswith("VK showed a captcha")
    assert russian.startswith("VK показал капчу")
    assert kazakh.startswith("VK қабырғаның орнына капча")


def test_failure_message_fills_its_numbers_in_every_language():
    body = b'<rss version="2.0"><channel><item><link>javascript:x</link></item></channel></rss>'
    with pytest.raises(ParseFailed) as failed:
        parse("rss", body, "https://a.example/feed")
    with translation.override("ru"):
        assert str(failed.value) == (
            "На странице есть записи (1), но ни в одной нет пригодного веб-адреса."
        )
    with translation.override("kk"):
        assert "жазбалар бар (1)" in str(failed.value)


def test_every_failure_code_has_a_translated_label():
    with translation.override("ru"):
        labels = {code: str(code.label) for code in FailureCode}
    with translation.override("en"):
        english = {code: str(code.label) for code in FailureCode}
    assert all(labels[code] != english[code] for code in FailureCode)


def test_failures_survive_a_pickle_as_celery_sends_them():
    with pytest.raises(ParseFailed) as failed:
        parse("rss", saved("telegram_channel.html"), "https://a.example/feed")
    copy = pickle.loads(pickle.dumps(failed.value))  # noqa: S301 - our own bytes
    assert copy.code == FailureCode.NOT_A_FEED and str(copy) == str(failed.value)
    with pytest.raises(NotWatchable) as refused:
        watch_url("youtube", "https://www.youtube.com/@demo")
    copy = pickle.loads(pickle.dumps(refused.value))  # noqa: S301 - our own bytes
    assert copy.reason == "youtube_handle" and str(copy) == str(refused.value)
