"""Defanged URLs: text that no browser or mail client turns into a live link."""

import pytest

from portal.templatetags.portal_tags import defang, defang_text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://propaganda.example/post/1", "hxxps://propaganda[.]example/post/1"),
        ("http://a.b.c:8080/x?y=1", "hxxp://a[.]b[.]c:8080/x?y=1"),
        ("t.me/s/channel/5", "t[.]me/s/channel/5"),
        ("hxxps://already[.]defanged.example/", "hxxps://already[.]defanged[.]example/"),
        (
            "https://redirect.example/?u=https://target.example/p",
            "hxxps://redirect[.]example/?u=hxxps://target[.]example/p",
        ),
        ("https://пример.рф/путь", "hxxps://пример[.]рф/путь"),
        ("", ""),
        (None, ""),
    ],
)
def test_defang(url, shown):
    assert defang(url) == shown


def test_defang_text_defangs_every_url_in_a_sentence():
    text = "Link https://a.example/x, then http://b.example."
    assert defang_text(text) == "Link hxxps://a[.]example/x, then hxxp://b[.]example[.]"
