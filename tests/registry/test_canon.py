"""registry.canon: one identity per piece of content, never two pieces merged.

Pure unit tests: no database, no network, no Django.
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from registry import canon
from registry.canon import (
    FACEBOOK,
    INSTAGRAM,
    INVALID_REASONS,
    MAX_URL_BYTES,
    OK,
    PLATFORMS,
    RUTUBE,
    TELEGRAM,
    TIKTOK,
    VK,
    WEB,
    YOUTUBE,
    Canonical,
    InvalidURL,
    canonicalize,
)
from registry.canon import X as X_PLATFORM

REPO_ROOT = Path(__file__).resolve().parents[2]


def identity(url: str) -> tuple[str, str, str]:
    found = canonicalize(url)
    return found.url, found.platform, found.platform_id


def assert_one_identity(forms: list[str], url: str, platform: str, platform_id: str) -> None:
    """Every form canonicalizes to exactly this identity (and so to one key)."""
    for form in forms:
        assert identity(form) == (url, platform, platform_id), form


def params(forms: list[str]) -> list[pytest.param]:
    return [pytest.param(form, id=form[:60]) for form in forms]


# ======================================================================================
# The result object
# ======================================================================================


def test_key_is_the_sha256_of_the_canonical_url():
    found = canonicalize("https://example.com/a")
    assert found.key == hashlib.sha256(b"https://example.com/a").hexdigest()
    assert len(found.key) == 64


def test_canonical_is_a_frozen_slotted_value():
    found = canonicalize("https://example.com/")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.url = "https://other.example/"  # type: ignore[misc]
    assert not hasattr(found, "__dict__")
    assert found == canonicalize("example.com")


def test_platforms_are_exported_as_constants_and_one_tuple():
    assert PLATFORMS == (
        "youtube",
        "vk",
        "telegram",
        "x",
        "instagram",
        "tiktok",
        "ok",
        "rutube",
        "facebook",
        "web",
    )
    constants = (YOUTUBE, VK, TELEGRAM, X_PLATFORM, INSTAGRAM, TIKTOK, OK, RUTUBE, FACEBOOK, WEB)
    assert constants == PLATFORMS


def test_canonicalize_of_a_non_string_is_a_programming_error():
    with pytest.raises(TypeError):
        canonicalize(None)  # type: ignore[arg-type]


def test_module_has_no_django_imports():
    source = (REPO_ROOT / "registry" / "canon.py").read_text(encoding="utf-8")
    assert "django" not in source.lower().replace("no django imports", "")


def test_public_suffix_list_is_read_offline_without_network():
    """The bundled PSL snapshot is used: no socket is ever opened, even on first use."""
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise AssertionError("network access attempted")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from registry.canon import canonicalize

        found = canonicalize("https://news.bbc.co.uk/x")
        assert found.registrable_domain == "bbc.co.uk", found
        assert canonicalize("пример.рф").registrable_domain == "xn--e1afmkfd.xn--p1ai"
        print("offline ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "offline ok" in result.stdout


# ======================================================================================
# Generic normalization
# ======================================================================================


def test_scheme_and_host_case_do_not_matter():
    assert_one_identity(
        ["HTTPS://EXAMPLE.COM/Path", "https://Example.Com/Path", "hTTpS://eXaMpLe.cOm/Path"],
        "https://example.com/Path",
        WEB,
        "",
    )


def test_path_case_matters_on_generic_sites():
    assert (
        canonicalize("https://example.com/Path").key != canonicalize("https://example.com/path").key
    )


def test_http_and_https_are_the_same_content():
    assert_one_identity(
        ["http://example.com/a", "https://example.com/a"], "https://example.com/a", WEB, ""
    )


@pytest.mark.parametrize(
    "form",
    params(
        [
            "http://example.com:80/a",
            "https://example.com:443/a",
            "http://example.com:443/a",
            "https://example.com:0443/a",
            "https://example.com:/a",
        ]
    ),
)
def test_default_ports_are_dropped(form):
    assert canonicalize(form).url == "https://example.com/a"


def test_non_default_ports_are_kept():
    assert canonicalize("https://example.com:8443/a").url == "https://example.com:8443/a"
    assert canonicalize("http://example.com:8080/a").url == "https://example.com:8080/a"
    assert canonicalize("https://example.com:80/a").url == "https://example.com:80/a"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("https://example.com/%7Euser/%41b", "https://example.com/~user/Ab"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://example.com/%zz", "https://example.com/%25zz"),
        ("https://example.com/статья", "https://example.com/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F"),
        ("https://example.com/%d1%81", "https://example.com/%D1%81"),
        ("https://example.com/?q=%e2%82%ac&x=a b", "https://example.com/?q=%E2%82%AC&x=a%20b"),
        ("https://example.com/?q=%41", "https://example.com/?q=A"),
        ("https://example.com/a+b?q=a+b", "https://example.com/a+b?q=a+b"),
        ('https://example.com/a"b<c>', "https://example.com/a%22b%3Cc%3E"),
    ],
)
def test_percent_encoding_is_normalized(form, expected):
    assert canonicalize(form).url == expected


def test_an_iri_and_its_uri_form_are_one_link():
    assert (
        canonicalize("https://example.kz/жаңалықтар").key
        == canonicalize(
            "https://example.kz/%D0%B6%D0%B0%D2%A3%D0%B0%D0%BB%D1%8B%D2%9B%D1%82%D0%B0%D1%80"
        ).key
    )


def test_escaped_reserved_characters_stay_distinct_from_the_literal_ones():
    assert (
        canonicalize("https://example.com/a%2Fb").key != canonicalize("https://example.com/a/b").key
    )
    assert (
        canonicalize("https://example.com/?q=a%26b").key
        != canonicalize("https://example.com/?q=a&b").key
    )
    assert (
        canonicalize("https://example.com/?q=a%2Bb").key
        != canonicalize("https://example.com/?q=a+b").key
    )


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../../a", "https://example.com/a"),
        ("https://example.com/a/b/..", "https://example.com/a/"),
        ("https://example.com/a/.", "https://example.com/a/"),
        ("https://example.com/a/%2e%2E/b", "https://example.com/b"),
        ("https://example.com/a\\b\\..\\c", "https://example.com/a/c"),
    ],
)
def test_dot_segments_are_resolved(form, expected):
    assert canonicalize(form).url == expected


@pytest.mark.parametrize(
    "form", ["https://example.com", "https://example.com?", "https://example.com#x", "example.com"]
)
def test_empty_path_becomes_slash(form):
    assert canonicalize(form).url == "https://example.com/"


def test_trailing_slash_keeps_paths_distinct_on_generic_sites():
    assert canonicalize("https://example.com/a").key != canonicalize("https://example.com/a/").key


@pytest.mark.parametrize(
    "form",
    params(
        [
            "https://www.example.com/a",
            "https://m.example.com/a",
            "https://mobile.example.com/a",
            "https://WWW.example.com/a",
            "https://www.m.example.com/a",
            "https://example.com./a",
        ]
    ),
)
def test_www_and_mobile_hosts_are_the_bare_host(form):
    found = canonicalize(form)
    assert (found.url, found.host) == ("https://example.com/a", "example.com")


@pytest.mark.parametrize(
    ("form", "host"),
    [
        ("https://www.github.io/", "www.github.io"),  # www is the user under a public suffix
        ("https://m.me/someone", "m.me"),  # m.me is Messenger, not a mobile host
        ("https://www.co.uk/", "www.co.uk"),
        ("https://www.gov.kz/", "www.gov.kz"),  # gov.kz is a public suffix
        ("https://news.example.com/", "news.example.com"),
    ],
)
def test_www_and_m_are_kept_when_they_are_the_site_itself(form, host):
    assert canonicalize(form).host == host


@pytest.mark.parametrize(
    "tracking",
    [
        "utm_source=tg",
        "utm_medium=social&utm_campaign=x&utm_content=y&utm_term=z",
        "UTM_Source=tg",
        "fbclid=IwAR0abc",
        "gclid=abc",
        "yclid=123",
        "ysclid=lk2",
        "msclkid=abc",
        "igshid=abc",
        "mc_cid=1&mc_eid=2",
        "_openstat=abc",
        "ttclid=1",
    ],
)
def test_tracking_parameters_are_removed_everywhere(tracking):
    assert (
        canonicalize(f"https://example.com/a?id=7&{tracking}").url == "https://example.com/a?id=7"
    )
    assert canonicalize(f"https://example.com/a?{tracking}").url == "https://example.com/a"


@pytest.mark.parametrize("param", ["t=30", "s=20", "si=abc", "feature=share", "ref=x", "ref_src=y"])
def test_platform_specific_parameters_are_content_on_other_sites(param):
    """``t`` is a timestamp on YouTube and tracking on X, but may be content anywhere else."""
    assert canonicalize(f"https://example.com/a?{param}").url == f"https://example.com/a?{param}"


def test_remaining_query_parameters_are_sorted():
    assert_one_identity(
        [
            "https://example.com/s?b=2&a=1&c=3",
            "https://example.com/s?c=3&b=2&a=1",
            "https://example.com/s?a=1&&b=2&c=3&",
        ],
        "https://example.com/s?a=1&b=2&c=3",
        WEB,
        "",
    )


def test_fragments_are_dropped():
    assert_one_identity(
        ["https://example.com/a#top", "https://example.com/a#", "https://example.com/a"],
        "https://example.com/a",
        WEB,
        "",
    )


def test_hash_bang_and_hash_route_fragments_are_kept_because_they_are_the_page():
    first = canonicalize("https://mega.nz/#!AbC!key1")
    second = canonicalize("https://mega.nz/#!XyZ!key2")
    assert first.url == "https://mega.nz/#!AbC!key1"
    assert first.key != second.key
    assert (
        canonicalize("https://app.example.com/#/users/1").url == "https://app.example.com/#/users/1"
    )


def test_userinfo_is_stripped():
    assert_one_identity(
        [
            "https://user:secret@example.com/a",
            "https://user@example.com/a",
            "https://@example.com/a",
            "https://a@b@example.com/a",
        ],
        "https://example.com/a",
        WEB,
        "",
    )


@pytest.mark.parametrize(
    "form",
    ["example.com/path", "//example.com/path", "www.example.com/path", "http:example.com/path"],
)
def test_link_without_scheme_is_read_as_https(form):
    assert canonicalize(form).url == "https://example.com/path"


@pytest.mark.parametrize(
    "form",
    params(
        [
            "  https://example.com/a  ",
            "\thttps://example.com/a\n",
            "<https://example.com/a>",
            '"https://example.com/a"',
            "'https://example.com/a'",
            "«https://example.com/a»",
            "“https://example.com/a”",
            "\ufeffhttps://example.com/a",
            "\u200bhttps://example.com/a\u200b",
            " < 'https://example.com/a' > ",
            "„https://example.com/a“",
        ]
    ),
)
def test_copy_paste_wrapping_is_trimmed(form):
    assert canonicalize(form).url == "https://example.com/a"


def test_unmatched_brackets_and_quotes_belong_to_the_link():
    assert canonicalize("https://example.com/it's").url == "https://example.com/it's"
    assert canonicalize("https://example.com/a<b>").url == "https://example.com/a%3Cb%3E"


@pytest.mark.parametrize(
    "form",
    params(
        [
            "hxxp://example[.]com/a",
            "hxxps://example[.]com/a",
            "hXXps://example[.]com/a",
            "HXXPS://EXAMPLE[.]COM/a",
            "h**ps://example.com/a",
            "hxxps[:]//example[.]com/a",
            "https[:]//example.com/a",
            "hxxps[://]example.com/a",
            "http//example.com/a",
            "example(.)com/a",
            "example{.}com/a",
            "example[dot]com/a",
            "example(DOT)com/a",
            "example [.] com/a",
            "https://example[.]com[:]443/a",
            "sub[.]example[.]com/a".replace("sub[.]", "www[.]"),
        ]
    ),
)
def test_defanged_links_are_refanged(form):
    assert canonicalize(form).url == "https://example.com/a"


def test_defanging_is_undone_in_the_host_only_never_in_the_path():
    assert (
        canonicalize("https://example.com/file[.]exe").url == "https://example.com/file%5B.%5Dexe"
    )


@pytest.mark.parametrize(
    ("form", "host", "host_unicode"),
    [
        ("https://пример.рф/", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        ("https://ПРИМЕР.РФ/", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        ("https://xn--e1afmkfd.xn--p1ai/", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        ("https://XN--E1AFMKFD.XN--P1AI/", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        (
            "https://%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84/",
            "xn--e1afmkfd.xn--p1ai",
            "пример.рф",
        ),
        ("https://www.пример.рф/", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
        ("https://сайт.қаз/", "xn--80aswg.xn--80ao21a", "сайт.қаз"),
        ("https://САЙТ.ҚАЗ/", "xn--80aswg.xn--80ao21a", "сайт.қаз"),
        ("https://ｅｘａｍｐｌｅ.com/", "example.com", "example.com"),
        ("https://example。com/", "example.com", "example.com"),
        ("https://faß.de/", "xn--fa-hia.de", "faß.de"),
    ],
)
def test_internationalized_hosts_become_idna_a_labels(form, host, host_unicode):
    found = canonicalize(form)
    assert found.host == host
    assert found.host_unicode == host_unicode
    assert found.url == f"https://{host}/"


@pytest.mark.parametrize(
    ("form", "registrable"),
    [
        ("https://news.example.co.uk/a", "example.co.uk"),
        ("https://пример.рф/", "xn--e1afmkfd.xn--p1ai"),
        ("https://a.b.сайт.қаз/", "xn--80aswg.xn--80ao21a"),
        ("https://www.akorda.kz/", "akorda.kz"),
        ("https://adilet.zan.kz/rus", "zan.kz"),
        ("https://someone.blogspot.com/post", "someone.blogspot.com"),
        ("https://someone.github.io/", "someone.github.io"),
        ("https://example.unknowntld/", "example.unknowntld"),
        ("https://a.b.example.unknowntld/", "example.unknowntld"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube.com"),
        ("https://vm.tiktok.com/ZMabc/", "tiktok.com"),
        ("https://192.0.2.1/", "192.0.2.1"),
    ],
)
def test_registrable_domain_follows_the_public_suffix_list(form, registrable):
    assert canonicalize(form).registrable_domain == registrable


@pytest.mark.parametrize(
    ("form", "url", "host"),
    [
        ("http://192.0.2.1/a", "https://192.0.2.1/a", "192.0.2.1"),
        ("http://192.0.2.1:8080/a", "https://192.0.2.1:8080/a", "192.0.2.1"),
        ("http://0xC0.0.2.1/a", "https://192.0.2.1/a", "192.0.2.1"),
        ("http://3221225985/a", "https://192.0.2.1/a", "192.0.2.1"),
        ("http://0300.0.2.1/a", "https://192.0.2.1/a", "192.0.2.1"),
        ("http://192.0.513/a", "https://192.0.2.1/a", "192.0.2.1"),
        ("http://[2001:DB8:0:0::1]/a", "https://[2001:db8::1]/a", "2001:db8::1"),
        ("http://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a", "2001:db8::1"),
    ],
)
def test_ip_literal_hosts_are_allowed_in_one_spelling(form, url, host):
    found = canonicalize(form)
    assert (found.url, found.host, found.host_unicode) == (url, host, host)


# ======================================================================================
# YouTube
# ======================================================================================

YT = "dQw4w9WgXcQ"
YOUTUBE_VIDEO_FORMS = [
    f"https://www.youtube.com/watch?v={YT}",
    f"http://youtube.com/watch?v={YT}",
    f"youtube.com/watch?v={YT}",
    f"https://m.youtube.com/watch?v={YT}&feature=youtu.be",
    f"https://youtu.be/{YT}",
    f"https://youtu.be/{YT}?si=Fh3kq9YxZ2&t=42",
    f"https://www.youtube.com/watch?v={YT}&t=1m30s&list=PLx0sYbCqOb8&index=3",
    f"https://www.youtube.com/watch?app=desktop&v={YT}&ab_channel=RickAstley",
    f"https://www.youtube.com/watch?v={YT}#t=30",
    f"https://www.youtube.com/shorts/{YT}?feature=share",
    f"https://youtube.com/shorts/{YT}?si=abc",
    f"https://www.youtube.com/embed/{YT}?autoplay=1&start=10",
    f"https://www.youtube-nocookie.com/embed/{YT}",
    f"https://www.youtube.com/live/{YT}?si=abc",
    f"https://www.youtube.com/v/{YT}",
    f"https://music.youtube.com/watch?v={YT}&feature=share",
    f"https://www.youtube.com/watch/{YT}",
    f"hxxps://youtu[.]be/{YT}",
]


@pytest.mark.parametrize("form", params(YOUTUBE_VIDEO_FORMS))
def test_youtube_short_link_and_watch_page_are_one_video(form):
    found = canonicalize(form)
    assert (found.url, found.platform, found.platform_id) == (
        f"https://www.youtube.com/watch?v={YT}",
        YOUTUBE,
        f"video:{YT}",
    )
    assert (found.host, found.registrable_domain) == ("www.youtube.com", "youtube.com")


@pytest.mark.parametrize(
    ("forms", "url", "platform_id"),
    [
        (
            [
                "https://www.youtube.com/@SomeHandle",
                "https://youtube.com/@somehandle/videos",
                "https://m.youtube.com/@SOMEHANDLE/featured?si=x",
            ],
            "https://www.youtube.com/@somehandle",
            "channel:@somehandle",
        ),
        (
            [
                "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
                "https://youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw/videos?view=0",
            ],
            "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
            "channel:UCuAXFkgsw1L7xaCfnd5JJOw",
        ),
        (
            ["https://www.youtube.com/c/SomeName", "https://youtube.com/c/somename/about"],
            "https://www.youtube.com/c/somename",
            "channel:c/somename",
        ),
        (
            ["https://www.youtube.com/user/SomeUser", "https://m.youtube.com/user/someuser/videos"],
            "https://www.youtube.com/user/someuser",
            "channel:user/someuser",
        ),
    ],
)
def test_youtube_channel_forms_are_one_channel(forms, url, platform_id):
    assert_one_identity(forms, url, YOUTUBE, platform_id)


def test_youtube_channel_ids_are_case_sensitive_but_handles_are_not():
    upper = canonicalize("https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw")
    lower = canonicalize("https://www.youtube.com/channel/UCuaxfkgsw1l7xacfnd5jjow")
    assert upper.key != lower.key
    assert canonicalize("youtube.com/@Абв").key == canonicalize("youtube.com/@абв").key


def test_youtube_playlist_and_community_post_have_their_own_identity():
    assert_one_identity(
        [
            "https://www.youtube.com/playlist?list=PLx0sYbCqOb8&si=abc",
            "https://m.youtube.com/playlist?list=PLx0sYbCqOb8",
        ],
        "https://www.youtube.com/playlist?list=PLx0sYbCqOb8",
        YOUTUBE,
        "playlist:PLx0sYbCqOb8",
    )
    assert_one_identity(
        [
            "https://www.youtube.com/post/UgkxAbCdEf123",
            "https://www.youtube.com/@SomeHandle/community?lb=UgkxAbCdEf123",
            "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw/community?lb=UgkxAbCdEf123",
        ],
        "https://www.youtube.com/post/UgkxAbCdEf123",
        YOUTUBE,
        "post:UgkxAbCdEf123",
    )


def test_youtube_other_pages_are_normalized_on_the_canonical_host():
    assert identity("https://m.youtube.com/results?search_query=abc&si=x&utm_source=y") == (
        "https://www.youtube.com/results?search_query=abc",
        YOUTUBE,
        "",
    )
    assert identity("https://youtube.com/watch?v=tooshort") == (
        "https://www.youtube.com/watch?v=tooshort",
        YOUTUBE,
        "",
    )


# ======================================================================================
# VK
# ======================================================================================

VK_WALL_FORMS = [
    "https://vk.com/wall-1_2",
    "http://vk.com/wall-1_2",
    "vk.com/wall-1_2/",
    "https://m.vk.com/wall-1_2",
    "https://www.vk.com/wall-1_2?from=groups",
    "https://vk.ru/wall-1_2",
    "https://m.vk.ru/wall-1_2",
    "https://new.vk.com/wall-1_2",
    "https://vkontakte.ru/wall-1_2",
    "https://vk.com/club1?w=wall-1_2",
    "https://vk.com/feed?w=wall-1_2",
    "https://vk.com/durov?w=wall-1_2%2Fall",
    "https://vk.com/wall-1_2#comments",
]


@pytest.mark.parametrize("form", params(VK_WALL_FORMS))
def test_vk_post_forms_and_overlays_are_one_post(form):
    assert identity(form) == ("https://vk.com/wall-1_2", VK, "wall:-1_2")


@pytest.mark.parametrize(
    ("forms", "url", "platform_id"),
    [
        (
            ["https://vk.com/photo-1_2", "https://vk.com/album-1_0?z=photo-1_2%2Falbum-1_0"],
            "https://vk.com/photo-1_2",
            "photo:-1_2",
        ),
        (
            [
                "https://vk.com/video-1_2",
                "https://vk.com/video?z=video-1_2%2Fpl_cat_trends",
                "https://vk.com/video_ext.php?oid=-1&id=2&hash=abc123",
                "https://vkvideo.ru/video-1_2",
                "https://m.vk.com/video-1_2?list=abc",
            ],
            "https://vk.com/video-1_2",
            "video:-1_2",
        ),
        (
            ["https://vk.com/clip-1_2", "https://vkvideo.ru/clip-1_2"],
            "https://vk.com/clip-1_2",
            "clip:-1_2",
        ),
        (["https://vk.com/photo5_6"], "https://vk.com/photo5_6", "photo:5_6"),
        (["https://vk.com/topic-1_2?post=3"], "https://vk.com/topic-1_2", "topic:-1_2"),
    ],
)
def test_vk_photos_videos_and_clips_have_one_identity(forms, url, platform_id):
    assert_one_identity(forms, url, VK, platform_id)


def test_vk_comment_is_its_own_content_but_keeps_the_post_in_its_id():
    assert identity("https://m.vk.com/wall-1_2?reply=3&thread=2") == (
        "https://vk.com/wall-1_2?reply=3",
        VK,
        "wall:-1_2/comment:3",
    )


@pytest.mark.parametrize(
    ("forms", "url", "platform_id"),
    [
        (
            [
                "https://vk.com/id1",
                "https://m.vk.com/id1/",
                "https://vk.ru/id1?from=x",
                "vk.com/wall1",
            ],
            "https://vk.com/id1",
            "user:1",
        ),
        (
            [
                "https://vk.com/club1",
                "https://vk.com/public1",
                "https://m.vk.com/event1",
                "https://vk.com/wall-1",
            ],
            "https://vk.com/club1",
            "group:1",
        ),
        (
            ["https://vk.com/Durov", "https://m.vk.com/durov?from=search", "vk.ru/DUROV/"],
            "https://vk.com/durov",
            "name:durov",
        ),
    ],
)
def test_vk_account_forms_are_one_account(forms, url, platform_id):
    assert_one_identity(forms, url, VK, platform_id)


def test_vk_service_pages_are_not_accounts():
    assert identity("https://m.vk.com/feed") == ("https://vk.com/feed", VK, "")
    assert identity("https://vk.com/search?q=x&utm_source=y") == (
        "https://vk.com/search?q=x",
        VK,
        "",
    )


def test_vk_short_link_stays_for_a_later_check_to_resolve():
    assert identity("https://vk.cc/aBc12?x=1") == ("https://vk.cc/aBc12", VK, "")


# ======================================================================================
# Telegram
# ======================================================================================

TELEGRAM_POST_FORMS = [
    "https://t.me/somechannel/123",
    "http://t.me/somechannel/123",
    "t.me/SomeChannel/123",
    "https://t.me/s/SomeChannel/123",
    "https://telegram.me/somechannel/123/",
    "https://telegram.dog/somechannel/123",
    "https://t.me/somechannel/123?single",
    "https://t.me/somechannel/123?embed=1&mode=tme",
    "https://www.t.me/somechannel/123",
    "https://somechannel.t.me/123",
    "hxxps://t[.]me/somechannel/123",
]


@pytest.mark.parametrize("form", params(TELEGRAM_POST_FORMS))
def test_telegram_post_forms_are_one_post(form):
    assert identity(form) == ("https://t.me/somechannel/123", TELEGRAM, "post:somechannel/123")


@pytest.mark.parametrize(
    "form",
    params(
        [
            "https://t.me/SomeChannel",
            "https://t.me/s/somechannel",
            "https://telegram.me/somechannel/",
            "https://somechannel.t.me/",
            "https://t.me/somechannel?start=abc",
        ]
    ),
)
def test_telegram_channel_without_post_is_the_channel(form):
    assert identity(form) == ("https://t.me/somechannel", TELEGRAM, "channel:somechannel")


def test_telegram_private_channel_posts_forum_topics_and_comments():
    assert identity("https://t.me/c/1234567890/55?single") == (
        "https://t.me/c/1234567890/55",
        TELEGRAM,
        "post:c/1234567890/55",
    )
    assert identity("https://t.me/SomeGroup/7/88") == (
        "https://t.me/somegroup/7/88",
        TELEGRAM,
        "post:somegroup/7/88",
    )
    assert identity("https://t.me/somechannel/123?comment=45") == (
        "https://t.me/somechannel/123?comment=45",
        TELEGRAM,
        "post:somechannel/123/comment:45",
    )


def test_telegram_invite_links_are_one_invite_and_keep_their_case():
    assert_one_identity(
        [
            "https://t.me/+AbCdEf123",
            "https://t.me/joinchat/AbCdEf123",
            "https://telegram.me/%2BAbCdEf123",
        ],
        "https://t.me/+AbCdEf123",
        TELEGRAM,
        "invite:AbCdEf123",
    )


def test_telegram_service_pages_are_not_channels():
    assert identity("https://t.me/share/url?url=https://example.com") == (
        "https://t.me/share/url?url=https://example.com",
        TELEGRAM,
        "",
    )


# ======================================================================================
# X / Twitter
# ======================================================================================

X_STATUS_FORMS = [
    "https://twitter.com/jack/status/20",
    "https://x.com/jack/status/20",
    "https://x.com/Jack/status/20?s=20&t=AbCdEfGh",
    "https://mobile.twitter.com/jack/status/20",
    "https://www.twitter.com/jack/status/20?ref_src=twsrc%5Etfw",
    "https://twitter.com/i/web/status/20",
    "https://x.com/i/status/20",
    "https://twitter.com/jack/statuses/20",
    "https://twitter.com/jack/status/20/photo/1",
    "https://x.com/someone_else/status/20",
    "https://twitter.com/#!/jack/status/20",
    "https://fxtwitter.com/jack/status/20",
    "https://vxtwitter.com/jack/status/20",
]


@pytest.mark.parametrize("form", params(X_STATUS_FORMS))
def test_x_status_id_alone_identifies_the_post(form):
    assert identity(form) == ("https://x.com/i/status/20", X_PLATFORM, "status:20")


@pytest.mark.parametrize(
    "form",
    params(
        [
            "https://twitter.com/Jack",
            "https://x.com/jack/",
            "https://mobile.twitter.com/jack/with_replies",
            "https://x.com/JACK/media?lang=en",
        ]
    ),
)
def test_x_account_forms_are_one_lowercased_account(form):
    assert identity(form) == ("https://x.com/jack", X_PLATFORM, "user:jack")


def test_x_other_pages_lose_only_x_tracking():
    assert identity("https://twitter.com/search?q=abc&src=typed_query&s=20&t=x") == (
        "https://x.com/search?q=abc&src=typed_query",
        X_PLATFORM,
        "",
    )


# ======================================================================================
# Instagram
# ======================================================================================

IG = "CxYz12AbC_d"
INSTAGRAM_POST_FORMS = [
    f"https://www.instagram.com/p/{IG}/",
    f"https://instagram.com/p/{IG}",
    f"https://www.instagram.com/p/{IG}/?igsh=MWQ1ZGUxMzBkMA==",
    f"https://www.instagram.com/p/{IG}/?utm_source=ig_web_copy_link&igshid=abc",
    f"https://www.instagram.com/p/{IG}/?img_index=2",
    f"https://www.instagram.com/reel/{IG}/?igsh=abc",
    f"https://www.instagram.com/reels/{IG}/",
    f"https://www.instagram.com/tv/{IG}",
    f"https://www.instagram.com/someuser/p/{IG}/",
    f"https://www.instagram.com/someuser/reel/{IG}/",
    f"https://m.instagram.com/p/{IG}/",
    f"https://instagr.am/p/{IG}/",
    f"https://www.instagram.com/p/{IG}/embed/captioned/",
]


@pytest.mark.parametrize("form", params(INSTAGRAM_POST_FORMS))
def test_instagram_post_reel_and_tv_forms_are_one_post(form):
    assert identity(form) == (f"https://www.instagram.com/p/{IG}/", INSTAGRAM, f"post:{IG}")


@pytest.mark.parametrize(
    "form",
    params(
        [
            "https://www.instagram.com/SomeUser",
            "https://instagram.com/someuser/",
            "https://www.instagram.com/someuser/reels/",
            "https://www.instagram.com/someuser/?hl=ru&igsh=x",
        ]
    ),
)
def test_instagram_account_forms_are_one_lowercased_account(form):
    assert identity(form) == ("https://www.instagram.com/someuser/", INSTAGRAM, "user:someuser")


def test_instagram_story_and_service_pages():
    assert identity("https://instagram.com/stories/SomeUser/3141592653589793238/?igsh=x") == (
        "https://www.instagram.com/stories/someuser/3141592653589793238/",
        INSTAGRAM,
        "story:3141592653589793238",
    )
    assert identity("https://www.instagram.com/explore/tags/abc/") == (
        "https://www.instagram.com/explore/tags/abc/",
        INSTAGRAM,
        "",
    )


# ======================================================================================
# TikTok
# ======================================================================================

TT = "7106594312292453675"
TIKTOK_VIDEO_FORMS = [
    f"https://www.tiktok.com/@someuser/video/{TT}",
    f"https://tiktok.com/@SomeUser/video/{TT}?is_from_webapp=1&sender_device=pc&web_id=123",
    f"https://www.tiktok.com/@another/video/{TT}?lang=ru",
    f"https://www.tiktok.com/@someuser/photo/{TT}",
    f"https://m.tiktok.com/v/{TT}.html",
    f"https://m.tiktok.com/v/{TT}.html?_r=1&u_code=abc",
    f"https://www.tiktok.com/embed/v2/{TT}",
    f"https://www.tiktok.com/embed/{TT}",
    f"https://www.tiktok.com/video/{TT}",
    f"https://www.tiktok.com/@/video/{TT}",
]


@pytest.mark.parametrize("form", params(TIKTOK_VIDEO_FORMS))
def test_tiktok_video_forms_are_one_video_keyed_on_the_numeric_id(form):
    assert identity(form) == (f"https://www.tiktok.com/@/video/{TT}", TIKTOK, f"video:{TT}")


def test_tiktok_account_is_lowercased():
    assert_one_identity(
        ["https://www.tiktok.com/@SomeUser", "https://m.tiktok.com/@someuser/?lang=en"],
        "https://www.tiktok.com/@someuser",
        TIKTOK,
        "user:someuser",
    )


@pytest.mark.parametrize(
    ("form", "url"),
    [
        ("https://vm.tiktok.com/ZMabc123/", "https://vm.tiktok.com/ZMabc123/"),
        ("https://vm.tiktok.com/ZMabc123?_r=1", "https://vm.tiktok.com/ZMabc123/"),
        ("https://vt.tiktok.com/ZSxyz789/", "https://vt.tiktok.com/ZSxyz789/"),
        ("https://www.tiktok.com/t/ZTabc123/", "https://www.tiktok.com/t/ZTabc123/"),
    ],
)
def test_tiktok_short_links_stay_for_a_later_check_to_resolve(form, url):
    assert identity(form) == (url, TIKTOK, "")


# ======================================================================================
# OK.ru, Rutube
# ======================================================================================


@pytest.mark.parametrize(
    ("forms", "url", "platform_id"),
    [
        (
            [
                "https://ok.ru/video/1234567890",
                "https://m.ok.ru/video/1234567890",
                "https://www.odnoklassniki.ru/video/1234567890",
                "https://ok.ru/videoembed/1234567890",
                "https://ok.ru/video/1234567890?fromTime=15",
                "https://ok.ru/live/1234567890",
            ],
            "https://ok.ru/video/1234567890",
            "video:1234567890",
        ),
        (
            [
                "https://ok.ru/group/555/topic/777",
                "https://m.ok.ru/group/555/topic/777?utm_campaign=x",
            ],
            "https://ok.ru/group/555/topic/777",
            "topic:555/777",
        ),
        (
            ["https://ok.ru/profile/123/statuses/456"],
            "https://ok.ru/profile/123/statuses/456",
            "status:123/456",
        ),
        (
            ["https://ok.ru/group/555", "https://ok.ru/group/555/video"],
            "https://ok.ru/group/555",
            "group:555",
        ),
        (
            ["https://ok.ru/profile/123", "https://m.ok.ru/profile/123/friends"],
            "https://ok.ru/profile/123",
            "profile:123",
        ),
    ],
)
def test_ok_video_topic_and_profile_forms(forms, url, platform_id):
    assert_one_identity(forms, url, OK, platform_id)


RUTUBE_HEX = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "form",
    params(
        [
            f"https://rutube.ru/video/{RUTUBE_HEX}/",
            f"https://rutube.ru/video/{RUTUBE_HEX}",
            f"https://rutube.ru/video/{RUTUBE_HEX.upper()}/",
            f"https://m.rutube.ru/video/{RUTUBE_HEX}/?r=wd",
            f"https://rutube.ru/shorts/{RUTUBE_HEX}/",
            f"https://rutube.ru/play/embed/{RUTUBE_HEX}",
            f"https://www.rutube.ru/video/{RUTUBE_HEX}/?t=30",
        ]
    ),
)
def test_rutube_video_shorts_and_embed_are_one_video(form):
    assert identity(form) == (
        f"https://rutube.ru/video/{RUTUBE_HEX}/",
        RUTUBE,
        f"video:{RUTUBE_HEX}",
    )


def test_rutube_private_video_keeps_its_access_key_and_channels_are_recognized():
    assert identity(f"https://rutube.ru/video/private/{RUTUBE_HEX}/?p=KeY123&r=a") == (
        f"https://rutube.ru/video/private/{RUTUBE_HEX}/?p=KeY123",
        RUTUBE,
        f"video:{RUTUBE_HEX}",
    )
    assert identity("https://rutube.ru/channel/25225/videos/") == (
        "https://rutube.ru/channel/25225/",
        RUTUBE,
        "channel:25225",
    )


# ======================================================================================
# Facebook
# ======================================================================================


@pytest.mark.parametrize(
    ("forms", "url", "platform_id"),
    [
        (
            [
                "https://www.facebook.com/watch?v=1234567890",
                "https://www.facebook.com/watch/?v=1234567890&ref=sharing",
                "https://m.facebook.com/watch/?v=1234567890",
                "https://fb.com/watch/?v=1234567890",
                "https://web.facebook.com/watch?v=1234567890&mibextid=abc",
                "https://www.facebook.com/SomePage/videos/1234567890/",
                "https://www.facebook.com/SomePage/videos/some-title/1234567890/",
                "https://www.facebook.com/video.php?v=1234567890",
                "https://www.facebook.com/reel/1234567890",
            ],
            "https://www.facebook.com/watch/?v=1234567890",
            "video:1234567890",
        ),
        (
            [
                "https://www.facebook.com/permalink.php?story_fbid=pfbid0AbC&id=100001",
                "https://www.facebook.com/permalink.php?id=100001&story_fbid=pfbid0AbC",
                "https://m.facebook.com/story.php?story_fbid=pfbid0AbC&id=100001&__tn__=R",
            ],
            "https://www.facebook.com/permalink.php?story_fbid=pfbid0AbC&id=100001",
            "post:100001/pfbid0AbC",
        ),
        (
            [
                "https://www.facebook.com/SomePage/posts/pfbid02XyZ",
                "https://m.facebook.com/somepage/posts/pfbid02XyZ/?__cft__[0]=AZX&__tn__=%2CO%2CP-R",
            ],
            "https://www.facebook.com/somepage/posts/pfbid02XyZ",
            "post:somepage/pfbid02XyZ",
        ),
        (
            [
                "https://www.facebook.com/photo.php?fbid=987654&set=a.1&type=3",
                "https://www.facebook.com/photo/?fbid=987654",
                "https://www.facebook.com/SomePage/photos/a.123/987654/",
            ],
            "https://www.facebook.com/photo.php?fbid=987654",
            "photo:987654",
        ),
        (
            [
                "https://www.facebook.com/groups/123456/posts/789/",
                "https://m.facebook.com/groups/123456/permalink/789/",
            ],
            "https://www.facebook.com/groups/123456/posts/789/",
            "group_post:123456/789",
        ),
        (
            ["https://www.facebook.com/groups/SomeGroup", "https://facebook.com/groups/somegroup/"],
            "https://www.facebook.com/groups/somegroup/",
            "group:somegroup",
        ),
        (
            [
                "https://www.facebook.com/profile.php?id=100001",
                "https://m.facebook.com/profile.php?id=100001&sk=about",
            ],
            "https://www.facebook.com/profile.php?id=100001",
            "profile:100001",
        ),
        (
            [
                "https://www.facebook.com/SomePage",
                "https://m.facebook.com/somepage/about",
                "https://mbasic.facebook.com/somepage/?ref=bookmarks",
            ],
            "https://www.facebook.com/somepage",
            "user:somepage",
        ),
    ],
)
def test_facebook_video_post_photo_group_and_account_forms(forms, url, platform_id):
    assert_one_identity(forms, url, FACEBOOK, platform_id)


@pytest.mark.parametrize(
    ("form", "url"),
    [
        ("https://fb.watch/aBcDeF123/", "https://fb.watch/aBcDeF123/"),
        ("https://fb.watch/aBcDeF123", "https://fb.watch/aBcDeF123/"),
        ("https://fb.me/someone", "https://fb.me/someone"),
        ("https://www.facebook.com/share/p/AbC123/", "https://www.facebook.com/share/p/AbC123/"),
        (
            "https://m.facebook.com/share/v/AbC123?mibextid=x",
            "https://www.facebook.com/share/v/AbC123/",
        ),
    ],
)
def test_facebook_short_and_share_links_stay_for_a_later_check_to_resolve(form, url):
    assert identity(form) == (url, FACEBOOK, "")


# ======================================================================================
# Every form platforms use for one piece of content (embeds, players, other hosts)
# ======================================================================================

RT_HEX = "00112233445566778899aabbccddeeff"
FB_VIDEO = ("https://www.facebook.com/watch/?v=1234567890", FACEBOOK, "video:1234567890")
YT_VIDEO = (f"https://www.youtube.com/watch?v={YT}", YOUTUBE, f"video:{YT}")
YT_CHANNEL_ID = "UCuAXFkgsw1L7xaCfnd5JJOw"

# (what an analyst pastes, canonical URL, platform, platform_id)
OTHER_FORMS = [
    # Rutube: both embedded players, live streams, private embeds keep their access key.
    (
        f"https://rutube.ru/embed/{RT_HEX}",
        f"https://rutube.ru/video/{RT_HEX}/",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://rutube.ru/play/embed/{RT_HEX}/?autoplay=1",
        f"https://rutube.ru/video/{RT_HEX}/",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://rutube.ru/live/video/{RT_HEX.upper()}/",
        f"https://rutube.ru/video/{RT_HEX}/",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://m.rutube.ru/live/video/{RT_HEX}/?utm_source=tg",
        f"https://rutube.ru/video/{RT_HEX}/",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://rutube.ru/play/embed/{RT_HEX}?p=KeY123",
        f"https://rutube.ru/video/private/{RT_HEX}/?p=KeY123",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://rutube.ru/embed/{RT_HEX}/?p=KeY123",
        f"https://rutube.ru/video/private/{RT_HEX}/?p=KeY123",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        f"https://rutube.ru/live/video/private/{RT_HEX}/?p=KeY123&r=wd",
        f"https://rutube.ru/video/private/{RT_HEX}/?p=KeY123",
        RUTUBE,
        f"video:{RT_HEX}",
    ),
    (
        "https://rutube.ru/embed/6548393",
        "https://rutube.ru/play/embed/6548393",
        RUTUBE,
        "embed:6548393",
    ),
    (
        "https://rutube.ru/play/embed/6548393/",
        "https://rutube.ru/play/embed/6548393",
        RUTUBE,
        "embed:6548393",
    ),
    (
        "https://rutube.ru/video/embed/6548393",
        "https://rutube.ru/play/embed/6548393",
        RUTUBE,
        "embed:6548393",
    ),
    (
        "https://rutube.ru/plst/12345/?r=wd",
        "https://rutube.ru/plst/12345/",
        RUTUBE,
        "playlist:12345",
    ),
    # OK.ru: the player's addresses, "-0" ids, a start time, the old video layer.
    (
        "https://ok.ru/web-api/video/moviePlayer/1234567890",
        "https://ok.ru/video/1234567890",
        OK,
        "video:1234567890",
    ),
    (
        "https://ok.ru/videoembed/1234567890?nochat=1&autoplay=1",
        "https://ok.ru/video/1234567890",
        OK,
        "video:1234567890",
    ),
    ("https://ok.ru/video/1234567890-0", "https://ok.ru/video/1234567890", OK, "video:1234567890"),
    (
        "https://ok.ru/videoembed/1234567890-0",
        "https://ok.ru/video/1234567890",
        OK,
        "video:1234567890",
    ),
    (
        "https://m.ok.ru/video/1234567890-0?fromTime=95",
        "https://ok.ru/video/1234567890",
        OK,
        "video:1234567890",
    ),
    (
        "https://ok.ru/dk?st.cmd=movieLayer&st.discId=1234567890&st.mvId=1234567890",
        "https://ok.ru/video/1234567890",
        OK,
        "video:1234567890",
    ),
    (
        "https://ok.ru/search?st.query=abc&fromTime=5&st._aid=Toolbar",
        "https://ok.ru/search?st.query=abc",
        OK,
        "",
    ),
    # TikTok: its own share host; short links stay their own form (only a fetch resolves them).
    (
        f"https://www.tiktokv.com/share/video/{TT}/?region=KZ",
        f"https://www.tiktok.com/@/video/{TT}",
        TIKTOK,
        f"video:{TT}",
    ),
    (
        f"https://m.tiktokv.com/share/video/{TT}",
        f"https://www.tiktok.com/@/video/{TT}",
        TIKTOK,
        f"video:{TT}",
    ),
    (
        f"https://www.tiktok.com/share/video/{TT}?u_code=x",
        f"https://www.tiktok.com/@/video/{TT}",
        TIKTOK,
        f"video:{TT}",
    ),
    (
        f"https://www.tiktok.com/player/v1/{TT}?autoplay=1",
        f"https://www.tiktok.com/@/video/{TT}",
        TIKTOK,
        f"video:{TT}",
    ),
    ("https://vm.tiktok.com/ZMabc123/", "https://vm.tiktok.com/ZMabc123/", TIKTOK, ""),
    ("https://vt.tiktok.com/ZSxyz789?_r=1", "https://vt.tiktok.com/ZSxyz789/", TIKTOK, ""),
    # Facebook: locale hosts like m./mbasic./web., old #!/ routes, the embed plugins.
    ("https://es-la.facebook.com/watch/?v=1234567890", *FB_VIDEO),
    ("https://ru-ru.facebook.com/watch?v=1234567890", *FB_VIDEO),
    ("https://pt-br.m.facebook.com/watch/?v=1234567890", *FB_VIDEO),
    ("https://www.es-la.facebook.com/video.php?v=1234567890", *FB_VIDEO),
    ("https://facebook.com/SomePage#!/photo.php?v=1234567890", *FB_VIDEO),
    ("https://www.facebook.com/#!/photo.php?v=1234567890&set=vb.1", *FB_VIDEO),
    ("https://www.facebook.com/SomePage#!/video/video.php?v=1234567890", *FB_VIDEO),
    ("https://www.facebook.com/photo.php?v=1234567890", *FB_VIDEO),
    ("https://www.facebook.com/watch/live/?v=1234567890", *FB_VIDEO),
    (
        "https://www.facebook.com/plugins/video.php?height=314&href="
        "https%3A%2F%2Fwww.facebook.com%2FSomePage%2Fvideos%2F1234567890%2F&show_text=false",
        *FB_VIDEO,
    ),
    (
        "https://ru-ru.facebook.com/somepage",
        "https://www.facebook.com/somepage",
        FACEBOOK,
        "user:somepage",
    ),
    (
        "https://www.facebook.com/#!/SomePage",
        "https://www.facebook.com/somepage",
        FACEBOOK,
        "user:somepage",
    ),
    (
        "https://www.facebook.com/home.php#!/profile.php?id=100001",
        "https://www.facebook.com/profile.php?id=100001",
        FACEBOOK,
        "profile:100001",
    ),
    (
        "https://es-la.facebook.com/photo.php?fbid=987654",
        "https://www.facebook.com/photo.php?fbid=987654",
        FACEBOOK,
        "photo:987654",
    ),
    (
        "https://www.facebook.com/plugins/post.php?href="
        "https%3A%2F%2Fwww.facebook.com%2FSomePage%2Fposts%2Fpfbid02XyZ",
        "https://www.facebook.com/somepage/posts/pfbid02XyZ",
        FACEBOOK,
        "post:somepage/pfbid02XyZ",
    ),
    ("https://www.facebook.com/video/embed?video_id=1234567890", *FB_VIDEO),
    (
        "https://m.facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion"
        "/watch/?v=1234567890",
        *FB_VIDEO,
    ),
    ("https://www.facebook.com/v/1234567890", *FB_VIDEO),
    (
        "https://www.facebook.com/people/Some-Name/100001/",
        "https://www.facebook.com/profile.php?id=100001",
        FACEBOOK,
        "profile:100001",
    ),
    (
        "https://www.facebook.com/pg/SomePage/posts/?ref=page_internal",
        "https://www.facebook.com/somepage",
        FACEBOOK,
        "user:somepage",
    ),
    # YouTube: embed hosts, YouTube Kids, YouTube Music, old share links, playlist embeds.
    (f"https://youtube.googleapis.com/v/{YT}", *YT_VIDEO),
    (f"https://youtube.googleapis.com/v/{YT}?version=3&hl=ru_RU", *YT_VIDEO),
    (f"https://www.youtube-nocookie.com/embed/{YT}?rel=0", *YT_VIDEO),
    (f"https://youtube-nocookie.com/v/{YT}", *YT_VIDEO),
    (f"http://www.youtube.com/v/{YT}&hl=ru_RU&fs=1", *YT_VIDEO),
    (f"https://youtube.googleapis.com/v/{YT}&autoplay=1", *YT_VIDEO),
    (f"https://youtu.be/{YT}&t=30", *YT_VIDEO),
    (f"https://www.youtubekids.com/watch?v={YT}", *YT_VIDEO),
    (f"https://youtubekids.com/watch?v={YT}&si=abc", *YT_VIDEO),
    (f"https://music.youtube.com/watch?v={YT}&list=RDAMVM{YT}", *YT_VIDEO),
    (f"https://gaming.youtube.com/watch?v={YT}", *YT_VIDEO),
    (f"https://www.youtube.com/watch?feature=player_embedded&v={YT}", *YT_VIDEO),
    (
        f"https://www.youtube.com/attribution_link?a=AbC&u=%2Fwatch%3Fv%3D{YT}%26feature%3Dshare",
        *YT_VIDEO,
    ),
    (
        "https://music.youtube.com/playlist?list=OLAK5uy_abcdefghijk",
        "https://www.youtube.com/playlist?list=OLAK5uy_abcdefghijk",
        YOUTUBE,
        "playlist:OLAK5uy_abcdefghijk",
    ),
    (
        "https://music.youtube.com/browse/VLPLx0sYbCqOb8",
        "https://www.youtube.com/playlist?list=PLx0sYbCqOb8",
        YOUTUBE,
        "playlist:PLx0sYbCqOb8",
    ),
    (
        "https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8",
        "https://www.youtube.com/playlist?list=PLx0sYbCqOb8",
        YOUTUBE,
        "playlist:PLx0sYbCqOb8",
    ),
    (
        "https://www.youtube-nocookie.com/embed?listType=playlist&list=PLx0sYbCqOb8",
        "https://www.youtube.com/playlist?list=PLx0sYbCqOb8",
        YOUTUBE,
        "playlist:PLx0sYbCqOb8",
    ),
    (
        "https://music.youtube.com/browse/MPREb_AbCdEfGhIjK",
        "https://music.youtube.com/browse/MPREb_AbCdEfGhIjK",
        YOUTUBE,
        "album:MPREb_AbCdEfGhIjK",
    ),
    (
        f"https://music.youtube.com/browse/{YT_CHANNEL_ID}",
        f"https://www.youtube.com/channel/{YT_CHANNEL_ID}",
        YOUTUBE,
        f"channel:{YT_CHANNEL_ID}",
    ),
    (
        f"https://music.youtube.com/channel/{YT_CHANNEL_ID}?si=x",
        f"https://www.youtube.com/channel/{YT_CHANNEL_ID}",
        YOUTUBE,
        f"channel:{YT_CHANNEL_ID}",
    ),
    (
        f"https://www.youtubekids.com/channel/{YT_CHANNEL_ID}",
        f"https://www.youtube.com/channel/{YT_CHANNEL_ID}",
        YOUTUBE,
        f"channel:{YT_CHANNEL_ID}",
    ),
    (
        "https://www.youtube.com/clip/UgkxU2HSeGL_NvmDJ-nQJrlLwllwMDBdGZFs?si=x",
        "https://www.youtube.com/clip/UgkxU2HSeGL_NvmDJ-nQJrlLwllwMDBdGZFs",
        YOUTUBE,
        "clip:UgkxU2HSeGL_NvmDJ-nQJrlLwllwMDBdGZFs",
    ),
    # X / Twitter: the old video player, the embed frame, the t.co short link.
    ("https://twitter.com/i/videos/tweet/20", "https://x.com/i/status/20", X_PLATFORM, "status:20"),
    ("https://x.com/i/videos/tweet/20?s=20", "https://x.com/i/status/20", X_PLATFORM, "status:20"),
    (
        "https://platform.twitter.com/embed/Tweet.html?id=20&theme=dark",
        "https://x.com/i/status/20",
        X_PLATFORM,
        "status:20",
    ),
    ("https://t.co/AbCdEf12?amp=1", "https://t.co/AbCdEf12", X_PLATFORM, ""),
    ("https://nitter.net/Jack/status/20#m", "https://x.com/i/status/20", X_PLATFORM, "status:20"),
    ("https://xcancel.com/jack", "https://x.com/jack", X_PLATFORM, "user:jack"),
    (
        "http://twitter3e4tixl4xyajtrzo62zg5vztmjuricljdp2c5kshju4avyoid.onion/jack/status/20",
        "https://x.com/i/status/20",
        X_PLATFORM,
        "status:20",
    ),
    # Instagram: a mirror; highlights; share codes are not shortcodes and stay their own form.
    (
        "https://ddinstagram.com/reel/CxYz12AbC_d/",
        "https://www.instagram.com/p/CxYz12AbC_d/",
        INSTAGRAM,
        "post:CxYz12AbC_d",
    ),
    (
        "https://www.instagram.com/stories/highlights/17912345678901234/?igsh=x",
        "https://www.instagram.com/stories/highlights/17912345678901234/",
        INSTAGRAM,
        "highlight:17912345678901234",
    ),
    (
        "https://www.instagram.com/share/reel/BAabc123xyz/?igsh=x",
        "https://www.instagram.com/share/reel/BAabc123xyz/",
        INSTAGRAM,
        "",
    ),
    (
        "https://instagram.com/share/BAabc123xyz",
        "https://www.instagram.com/share/BAabc123xyz/",
        INSTAGRAM,
        "",
    ),
]


@pytest.mark.parametrize(
    ("form", "url", "platform", "platform_id"),
    [pytest.param(*row, id=row[0][:70]) for row in OTHER_FORMS],
)
def test_every_form_of_a_platform_object_meets_its_content(form, url, platform, platform_id):
    found = canonicalize(form)
    assert (found.url, found.platform, found.platform_id) == (url, platform, platform_id)
    assert canonicalize(found.url) == found


@pytest.mark.parametrize(
    "form",
    params(
        [
            "https://youtube.googleapis.com/youtube/v3/videos",
            "https://music.youtube.com/browse/FEmusic_home",
            "https://www.youtube.com/embed/videoseries",
            "https://www.youtube.com/attribution_link?u=%2Fresults%3Fq%3Dx",
            "https://www.youtube.com/attribution_link?u=%0A",
            "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ",
            "https://www.facebook.com/plugins/video.php?href=%0A",
            "https://ok.ru/video/1234567890-1",
            "https://ok.ru/dk?st.cmd=userMain&st.mvId=1",
            "https://twitter.com/i/videos/20",
        ]
    ),
)
def test_forms_that_name_no_object_are_pages_of_the_platform(form):
    found = canonicalize(form)
    assert found.platform != WEB
    assert found.platform_id == ""
    assert canonicalize(found.url) == found


@pytest.mark.parametrize(
    ("form", "host"),
    [
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com", "l.facebook.com"),
        ("https://developers.facebook.com/docs", "developers.facebook.com"),
        ("https://es-la.example.com/a", "es-la.example.com"),
    ],
)
def test_only_locale_labels_make_a_facebook_host_facebook_com(form, host):
    found = canonicalize(form)
    assert (found.host, found.platform_id) == (host, "")
    assert found.platform == WEB


def test_old_facebook_route_is_the_video_not_the_account_it_was_opened_over():
    video = canonicalize("https://www.facebook.com/SomePage#!/photo.php?v=1234567890")
    account = canonicalize("https://www.facebook.com/SomePage")
    assert (video.platform_id, account.platform_id) == ("video:1234567890", "user:somepage")
    assert video.key != account.key


def test_short_links_stay_their_own_records_until_a_check_resolves_them():
    """vm./vt. TikTok codes, t.co and Instagram share codes name no id canon can read."""
    short = canonicalize("https://vm.tiktok.com/ZMabc123/")
    video = canonicalize(f"https://www.tiktok.com/@u/video/{TT}")
    assert short.key != video.key
    assert (short.platform, short.platform_id) == (TIKTOK, "")
    # A share code that happens to look like a shortcode is still not that post.
    assert (
        canonicalize("https://www.instagram.com/share/p/CxYz12AbC_d/").key
        != canonicalize("https://www.instagram.com/p/CxYz12AbC_d/").key
    )


# ======================================================================================
# Distinct content is never merged
# ======================================================================================

DISTINCT = [
    ("youtube: different videos", f"https://youtu.be/{YT}", "https://youtu.be/aaaaaaaaaaa"),
    (
        "youtube: ids differ only in case",
        f"https://youtu.be/{YT}",
        f"https://youtu.be/{YT.lower()}",
    ),
    (
        "youtube: video and its playlist",
        f"https://youtube.com/watch?v={YT}",
        "https://youtube.com/playlist?list=PLx",
    ),
    (
        "instagram: codes differ only in case",
        "https://instagram.com/p/AbCdEf/",
        "https://instagram.com/p/abcdef/",
    ),
    (
        "instagram: post and account",
        "https://instagram.com/p/AbCdEf/",
        "https://instagram.com/abcdef/",
    ),
    ("vk: different posts", "https://vk.com/wall-1_2", "https://vk.com/wall-1_3"),
    ("vk: group and user owner", "https://vk.com/wall-1_2", "https://vk.com/wall1_2"),
    ("vk: post and photo", "https://vk.com/wall-1_2", "https://vk.com/photo-1_2"),
    ("vk: post and its comment", "https://vk.com/wall-1_2", "https://vk.com/wall-1_2?reply=3"),
    ("vk: user and group", "https://vk.com/id1", "https://vk.com/club1"),
    ("telegram: different posts", "https://t.me/chan/1", "https://t.me/chan/2"),
    ("telegram: different channels", "https://t.me/chan_a/1", "https://t.me/chan_b/1"),
    ("telegram: post and channel", "https://t.me/chan/1", "https://t.me/chan"),
    ("telegram: post and comment", "https://t.me/chan/1", "https://t.me/chan/1?comment=2"),
    ("telegram: invites differ in case", "https://t.me/+AbCdEf", "https://t.me/+abcdef"),
    ("x: different statuses", "https://x.com/a/status/20", "https://x.com/a/status/21"),
    ("x: status and account", "https://x.com/a/status/20", "https://x.com/a"),
    (
        "tiktok: different videos",
        f"https://tiktok.com/@a/video/{TT}",
        "https://tiktok.com/@a/video/7106594312292453676",
    ),
    (
        "tiktok: short links differ in case",
        "https://vm.tiktok.com/ZMabc/",
        "https://vm.tiktok.com/ZMABC/",
    ),
    ("ok: different videos", "https://ok.ru/video/1", "https://ok.ru/video/2"),
    (
        "ok: same topic id in different groups",
        "https://ok.ru/group/1/topic/9",
        "https://ok.ru/group/2/topic/9",
    ),
    (
        "rutube: different videos",
        f"https://rutube.ru/video/{RUTUBE_HEX}/",
        f"https://rutube.ru/video/{'f' * 32}/",
    ),
    (
        "facebook: different videos",
        "https://facebook.com/watch/?v=1",
        "https://facebook.com/watch/?v=2",
    ),
    (
        "facebook: same story id, different owners",
        "https://facebook.com/permalink.php?story_fbid=5&id=1",
        "https://facebook.com/permalink.php?story_fbid=5&id=2",
    ),
    ("web: different paths", "https://example.com/a", "https://example.com/b"),
    ("web: path case", "https://example.com/A", "https://example.com/a"),
    ("web: different query values", "https://example.com/?id=1", "https://example.com/?id=2"),
    ("web: query present or not", "https://example.com/news?id=1", "https://example.com/news"),
    ("web: t is content elsewhere", "https://example.com/v?t=1", "https://example.com/v?t=2"),
    ("web: different subdomains", "https://news.example.com/", "https://example.com/"),
    ("web: different registrable domains", "https://example.com/", "https://example.org/"),
    ("web: different ports", "https://example.com:8080/", "https://example.com:8443/"),
    ("web: user pages on a shared host", "https://a.blogspot.com/", "https://b.blogspot.com/"),
    ("web: hash-bang pages", "https://mega.nz/#!aaa", "https://mega.nz/#!bbb"),
    # The forms of issue 18: each meets its own content and nothing else.
    (
        "youtube: a playlist's embedded player is not a video",
        "https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8",
        "https://www.youtube.com/embed/videoseries",
    ),
    (
        "youtube: a video and its playlist through Music",
        f"https://music.youtube.com/watch?v={YT}&list=PLx0sYbCqOb8",
        "https://music.youtube.com/playlist?list=PLx0sYbCqOb8",
    ),
    (
        "youtube: an album and a playlist",
        "https://music.youtube.com/browse/MPREb_AbCdEfGhIjK",
        "https://music.youtube.com/browse/VLMPREb_AbCdEfGhIjK",
    ),
    (
        "youtube: a clip and a video",
        "https://www.youtube.com/clip/UgkxU2HSeGL_NvmDJ",
        f"https://www.youtube.com/watch?v={YT}",
    ),
    (
        "youtube: channel id and legacy user name",
        "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
        "https://www.youtube.com/user/UCuAXFkgsw1L7xaCfnd5JJOw",
    ),
    (
        "youtube: legacy user and custom names",
        "https://www.youtube.com/user/somename",
        "https://www.youtube.com/c/somename",
    ),
    (
        "youtube: custom name and handle",
        "https://youtube.com/c/somename",
        "https://youtube.com/@somename",
    ),
    (
        "youtube: a kids video and another",
        f"https://www.youtubekids.com/watch?v={YT}",
        "https://youtube.googleapis.com/v/aaaaaaaaaaa",
    ),
    (
        "rutube: live streams",
        f"https://rutube.ru/live/video/{RT_HEX}/",
        f"https://rutube.ru/embed/{'e' * 32}",
    ),
    (
        "rutube: an old numeric player and a video",
        "https://rutube.ru/play/embed/6548393",
        f"https://rutube.ru/play/embed/{RT_HEX}",
    ),
    (
        "rutube: private keys differ",
        f"https://rutube.ru/play/embed/{RT_HEX}?p=aaa",
        f"https://rutube.ru/play/embed/{RT_HEX}?p=bbb",
    ),
    (
        "ok: player ids",
        "https://ok.ru/web-api/video/moviePlayer/1",
        "https://ok.ru/videoembed/2-0",
    ),
    ("ok: only the -0 suffix is dropped", "https://ok.ru/video/1", "https://ok.ru/video/1-1"),
    ("ok: the -0 suffix is not a digit", "https://ok.ru/video/1-0", "https://ok.ru/video/10"),
    (
        "tiktok: share host ids",
        f"https://www.tiktokv.com/share/video/{TT}/",
        "https://www.tiktokv.com/share/video/7106594312292453676/",
    ),
    (
        "tiktok: a short link and a video",
        "https://vm.tiktok.com/ZMabc123/",
        f"https://www.tiktok.com/@u/video/{TT}",
    ),
    (
        "facebook: locale host video and account",
        "https://es-la.facebook.com/watch/?v=1",
        "https://es-la.facebook.com/somepage",
    ),
    (
        "facebook: a #! route and the page it was opened over",
        "https://facebook.com/SomePage#!/photo.php?v=1",
        "https://facebook.com/SomePage",
    ),
    (
        "facebook: a video and a photo with the same number",
        "https://facebook.com/photo.php?v=1",
        "https://facebook.com/photo.php?fbid=1",
    ),
    (
        "facebook: embedded videos",
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Ffacebook.com%2Fwatch%2F%3Fv%3D1",
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Ffacebook.com%2Fwatch%2F%3Fv%3D2",
    ),
    (
        "facebook: the name a /people/ link shows does not matter, the number does",
        "https://www.facebook.com/people/Some-Name/100001/",
        "https://www.facebook.com/people/Some-Name/100002/",
    ),
    (
        "instagram: a highlight and a story with the same number",
        "https://www.instagram.com/stories/highlights/1790/",
        "https://www.instagram.com/stories/someone/1790/",
    ),
    ("x: old video players", "https://x.com/i/videos/tweet/20", "https://x.com/i/videos/tweet/21"),
    ("x: a post's player and its author", "https://x.com/i/videos/tweet/20", "https://x.com/i"),
    ("x: short links differ in case", "https://t.co/AbC", "https://t.co/abc"),
    (
        "instagram: a share code is not the shortcode",
        "https://instagram.com/share/reel/AbCdEf/",
        "https://instagram.com/reel/AbCdEf/",
    ),
]


@pytest.mark.parametrize(
    ("first", "second"), [pytest.param(a, b, id=name) for name, a, b in DISTINCT]
)
def test_distinct_content_is_never_merged(first, second):
    assert canonicalize(first).key != canonicalize(second).key


# ======================================================================================
# Bad input: every reason code
# ======================================================================================

BAD_INPUT = {
    "empty": ["", "   ", "\n\t ", "<>", '""', "\ufeff", "\u200b"],
    "too_long": [
        "https://example.com/" + "a" * (MAX_URL_BYTES - len("https://example.com/") + 1),
        "https://example.com/" + "я" * 4100,  # under 8192 characters, over 8192 bytes
    ],
    "control_characters": [
        "https://exa\x00mple.com/",
        "https://example.com/a\nb",
        "https://example.com/a\tb",
        "https://example.com/\x7f",
        "https://example.com/\x85a",
        "https://example.com/\x9b",
        "\u202ehttps://example.com/",
        "https://example.com/\u202ag",
        "https://example.com/\u202bg",
        "https://example.com/\u202cg",
        "https://example.com/\u202dg",
        "https://example.com/\u2066x",
        "https://example.com/\u2067x",
        "https://example.com/\u2068x",
        "https://example.com/\u2069x",
        "https://example.com/\ud800",
    ],
    "scheme_not_allowed": [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "tel:+77010000000",
        "tg://resolve?domain=somechannel",
        "ws://example.com/socket",
        "about:blank",
        "view-source:https://example.com/",
    ],
    "no_host": [
        "https://",
        "http:///",
        "https://user@/path",
        "https://:8080/",
        "https://?q=1",
        "https://#frag",
    ],
    "bad_host": [
        "https://exa mple.com/",
        "localhost",
        "https://localhost/",
        "https://example..com/",
        "https://example.123/",
        "https://-/",
        "https://[::1/",
        "https://[zz::1]/",
        "https://[fe80::1%25eth0]/",
        "https://256.1.1.1/",
        "https://1.2.3.4.5/",
        "https://0x1g.1.1.1/",
        "https://i❤.ws/",
        "https://" + "a" * 64 + ".com/",
        "https://%ff.com/",
        "not a link at all",
    ],
    "bad_port": [
        "https://example.com:99999/",
        "https://example.com:0/",
        "https://example.com:abc/",
        "https://example.com:-1/",
        "https://example.com:１２/",
        "https://example.com:80:80/",
        "example.com:8o8o/",
    ],
}


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        pytest.param(reason, text, id=f"{reason}-{text[:40]!r}")
        for reason, texts in BAD_INPUT.items()
        for text in texts
    ],
)
def test_bad_input_is_refused_with_a_reason_code_and_a_human_message(reason, text):
    with pytest.raises(InvalidURL) as caught:
        canonicalize(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert message[0].isupper() or message[0] == "'"
    assert message.endswith(".")
    assert len(message) < 300


def test_every_reason_code_is_tested():
    assert set(BAD_INPUT) == set(INVALID_REASONS)


def test_a_link_of_exactly_the_size_limit_is_accepted():
    link = "https://example.com/" + "a" * (MAX_URL_BYTES - len("https://example.com/"))
    assert len(link.encode()) == MAX_URL_BYTES
    assert canonicalize(link).url == link


def test_surrounding_whitespace_does_not_count_toward_the_size_limit():
    link = "https://example.com/" + "a" * 100
    assert canonicalize(" " * MAX_URL_BYTES + link).url == link


# ======================================================================================
# Properties
# ======================================================================================

_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_CYRILLIC_LABEL = st.text("абвгдежзийклмнопрстуфхцчшщыэюяёқңғүұһә", min_size=1, max_size=8)
_TLDS = ("org", "net", "kz", "co.uk", "info", "рф", "қаз")
# Unreserved characters, sub-delimiters, ":" "@", and some text that needs escaping.
_PATH_CHARS = "abcXYZ019-._~!$&'()*+,;=:@яЁ€ "
# Not "." or ".." (resolved away), and no space at the edges: a link that ends in a space is
# indistinguishable from one followed by whitespace, which is trimmed.
_SEGMENT = st.text(_PATH_CHARS, min_size=1, max_size=10).filter(
    lambda s: s not in (".", "..") and s == s.strip()
)


@st.composite
def generic_links(draw: st.DrawFn) -> dict:
    """A link on a generic site, as its parts (host in lowercase, no tracking)."""
    tld = draw(st.sampled_from(_TLDS))
    labels = draw(
        st.lists(_CYRILLIC_LABEL if tld in ("рф", "қаз") else _LABEL, min_size=0, max_size=2)
    )
    host = ".".join(["site-" + draw(_LABEL), *labels, tld])
    return {
        "host": host,
        "path": "/" + "/".join(draw(st.lists(_SEGMENT, max_size=4))),
        "params": draw(
            st.lists(
                st.tuples(
                    st.text("abcdefgh", min_size=1, max_size=5).map(lambda k: "k" + k),
                    st.text("abcXYZ0189-_.~", max_size=6),
                ),
                max_size=4,
            )
        ),
    }


def plain_url(link: dict) -> str:
    query = "&".join(f"{key}={value}" for key, value in link["params"])
    return f"https://{link['host']}{link['path']}" + (f"?{query}" if query else "")


@st.composite
def surface_variants(draw: st.DrawFn, link: dict) -> str:
    """The same link as people paste it: case, www., tracking, order, fragments, defanging."""
    scheme = draw(st.sampled_from(["http", "https"]))
    scheme = "".join(c.upper() if draw(st.booleans()) else c for c in scheme)
    host = "".join(c.upper() if draw(st.booleans()) else c for c in link["host"])
    host = draw(st.sampled_from(["", "www.", "WWW.", "m."])) + host
    tracking = draw(
        st.lists(
            st.sampled_from(
                ["utm_source=tg", "utm_medium=x", "fbclid=IwAR0", "gclid=1", "yclid=2"]
            ),
            max_size=3,
        )
    )
    pieces = draw(st.permutations([f"{key}={value}" for key, value in link["params"]] + tracking))
    fragment = draw(
        st.one_of(st.just(""), st.text("abcxyz019-", max_size=6).map(lambda f: "#" + f))
    )
    if draw(st.booleans()):
        host = host.replace(".", draw(st.sampled_from(["[.]", "(.)", "[dot]"])))
        scheme = (
            scheme.replace("tt", "xx").replace("TT", "XX").replace("tT", "xX").replace("Tt", "Xx")
        )
    bare = "xx" not in scheme.lower() and draw(st.booleans())
    prefix = "" if bare else f"{scheme}://"
    # A bare link is https, so its default port is 443.
    port = draw(st.sampled_from(["", ":80" if scheme.lower() == "http" and not bare else ":443"]))
    query = "?" + "&".join(pieces) if pieces else ""
    return f"{prefix}{host}{port}{link['path']}{query}{fragment}"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_generic_links_are_stable_under_surface_variations(data):
    link = data.draw(generic_links())
    expected = canonicalize(plain_url(link))
    variant = data.draw(surface_variants(link))
    assert canonicalize(variant) == expected, variant


@settings(max_examples=300, deadline=None)
@given(generic_links(), generic_links())
def test_distinct_generic_links_are_never_merged(first, second):
    def normal_form(link: dict) -> tuple:
        return (link["host"], link["path"], sorted(f"{k}={v}" for k, v in link["params"]))

    assume(normal_form(first) != normal_form(second))
    assert canonicalize(plain_url(first)).key != canonicalize(plain_url(second)).key


_YT_ID = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=11, max_size=11
)
_IG_CODE = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=5, max_size=14
)
_TG_NAME = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{4,20}", fullmatch=True).filter(
    lambda n: n.lower() not in canon._TG_RESERVED
)
_NUMBER = st.integers(min_value=1, max_value=10**18).map(str)


def platform_forms(kind: str, value: tuple[str, ...]) -> tuple[list[str], str]:
    """Forms people paste for one object, and its expected platform_id."""
    if kind == "youtube":
        (video,) = value
        forms = [
            f"https://www.youtube.com/watch?v={video}",
            f"https://youtu.be/{video}",
            f"https://m.youtube.com/watch?feature=share&v={video}",
            f"https://youtube.com/shorts/{video}",
            f"https://www.youtube.com/embed/{video}",
            f"https://youtube.googleapis.com/v/{video}",
            f"https://www.youtube-nocookie.com/embed/{video}",
            f"https://www.youtubekids.com/watch?v={video}",
            f"https://music.youtube.com/watch?v={video}",
            f"https://www.youtube.com/attribution_link?u=%2Fwatch%3Fv%3D{video}%26feature%3Dshare",
        ]
        return forms, f"video:{video}"
    if kind == "youtube_playlist":
        (playlist,) = value
        forms = [
            f"https://www.youtube.com/playlist?list={playlist}",
            f"https://www.youtube.com/embed/videoseries?list={playlist}",
            f"https://music.youtube.com/playlist?list={playlist}",
            f"https://music.youtube.com/browse/VL{playlist}",
        ]
        return forms, f"playlist:{playlist}"
    if kind == "youtube_channel":
        (channel,) = value
        forms = [
            f"https://www.youtube.com/channel/{channel}",
            f"https://music.youtube.com/channel/{channel}",
            f"https://music.youtube.com/browse/{channel}",
            f"https://www.youtubekids.com/channel/{channel}",
        ]
        return forms, f"channel:{channel}"
    if kind == "instagram":
        (code,) = value
        if code.lower() == "audio":
            code += "x"
        forms = [
            f"https://www.instagram.com/p/{code}/",
            f"https://instagram.com/reel/{code}",
            f"https://www.instagram.com/someone/p/{code}/",
        ]
        return forms, f"post:{code}"
    if kind == "vk":
        owner, item = value
        forms = [
            f"https://vk.com/wall{owner}_{item}",
            f"https://m.vk.com/wall{owner}_{item}",
            f"https://vk.com/feed?w=wall{owner}_{item}",
        ]
        return forms, f"wall:{owner}_{item}"
    if kind == "telegram":
        name, post = value
        forms = [
            f"https://t.me/{name}/{post}",
            f"https://t.me/s/{name}/{post}",
            f"https://telegram.me/{name.upper()}/{post}?single",
        ]
        return forms, f"post:{name.lower()}/{post}"
    if kind == "x":
        (status,) = value
        forms = [
            f"https://twitter.com/someone/status/{status}",
            f"https://x.com/i/web/status/{status}?s=20",
            f"https://mobile.twitter.com/other/status/{status}",
            f"https://twitter.com/i/videos/tweet/{status}",
            f"https://platform.twitter.com/embed/Tweet.html?id={status}",
        ]
        return forms, f"status:{status}"
    if kind == "tiktok":
        (video,) = value
        forms = [
            f"https://www.tiktok.com/@u/video/{video}",
            f"https://m.tiktok.com/v/{video}.html",
            f"https://www.tiktokv.com/share/video/{video}/",
        ]
        return forms, f"video:{video}"
    if kind == "rutube":
        (video,) = value
        forms = [
            f"https://rutube.ru/video/{video.lower()}/",
            f"https://rutube.ru/embed/{video}",
            f"https://rutube.ru/play/embed/{video}/",
            f"https://rutube.ru/live/video/{video}/",
        ]
        return forms, f"video:{video.lower()}"
    if kind == "ok":
        (video,) = value
        forms = [
            f"https://ok.ru/video/{video}",
            f"https://ok.ru/videoembed/{video}-0",
            f"https://ok.ru/web-api/video/moviePlayer/{video}",
            f"https://m.ok.ru/video/{video}-0?fromTime=12",
        ]
        return forms, f"video:{video}"
    if kind == "facebook":
        (video,) = value
        forms = [
            f"https://www.facebook.com/watch/?v={video}",
            f"https://es-la.facebook.com/watch?v={video}",
            f"https://ru-ru.facebook.com/somepage/videos/{video}/",
            f"https://www.facebook.com/photo.php?v={video}",
            f"https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com"
            f"%2Fwatch%2F%3Fv%3D{video}",
            # A hash-bang route: varied only as a whole (a fragment after it is part of it).
            f"https://www.facebook.com/somepage#!/photo.php?v={video}",
        ]
        return forms, f"video:{video}"
    raise AssertionError(kind)


_PLATFORM_OBJECTS = st.one_of(
    st.tuples(st.just("youtube"), st.tuples(_YT_ID)),
    st.tuples(st.just("instagram"), st.tuples(_IG_CODE)),
    st.tuples(
        st.just("vk"),
        st.tuples(
            st.sampled_from(["", "-"]).flatmap(lambda s: _NUMBER.map(lambda n: s + n)), _NUMBER
        ),
    ),
    st.tuples(st.just("telegram"), st.tuples(_TG_NAME, _NUMBER)),
    st.tuples(st.just("x"), st.tuples(_NUMBER)),
    st.tuples(st.just("tiktok"), st.tuples(st.integers(10**6, 10**19).map(str))),
    st.tuples(
        st.just("youtube_playlist"),
        st.tuples(
            st.sampled_from(["PL", "OLAK5uy_", "RD"]).flatmap(
                lambda p: _IG_CODE.map(lambda c: p + c)
            )
        ),
    ),
    st.tuples(
        st.just("youtube_channel"),
        st.tuples(_YT_ID.flatmap(lambda a: _YT_ID.map(lambda b: "UC" + a + b))),
    ),
    st.tuples(
        st.just("rutube"), st.tuples(st.text("0123456789abcdefABCDEF", min_size=32, max_size=32))
    ),
    st.tuples(st.just("ok"), st.tuples(_NUMBER)),
    st.tuples(st.just("facebook"), st.tuples(_NUMBER)),
)


@st.composite
def url_surface_variants(draw: st.DrawFn, url: str) -> str:
    """Vary an ``https://host/path?query`` link the way people paste it."""
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    scheme = draw(st.sampled_from(["http", "https"]))
    scheme = "".join(c.upper() if draw(st.booleans()) else c for c in scheme)
    host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    if draw(st.booleans()):
        host = "www." + host
    port = draw(st.sampled_from(["", ":443" if scheme.lower() == "https" else ":80"]))
    if draw(st.booleans()):
        host = host.replace(".", "[.]")
        scheme = "hxxps" if scheme.lower() == "https" else "hxxp"
    tracking = draw(st.lists(st.sampled_from(["utm_source=tg", "fbclid=IwAR0", "yclid=2"])))
    for piece in tracking:
        tail += ("&" if "?" in tail else "?") + piece
    if draw(st.booleans()):
        tail += "#" + draw(st.text("abcxyz019-", max_size=6))
    return f"{scheme}://{host}{port}/{tail}"


@settings(max_examples=300, deadline=None)
@given(_PLATFORM_OBJECTS, st.data())
def test_platform_object_forms_are_one_identity_under_surface_variations(obj, data):
    forms, platform_id = platform_forms(*obj)
    form = data.draw(st.sampled_from([form for form in forms if "#" not in form]))
    variant = data.draw(url_surface_variants(form))
    found = canonicalize(variant)
    assert found.platform_id == platform_id, variant
    assert found == canonicalize(forms[0])
    assert canonicalize(found.url) == found


@settings(max_examples=300, deadline=None)
@given(_PLATFORM_OBJECTS, _PLATFORM_OBJECTS)
def test_distinct_platform_objects_are_never_merged(first, second):
    first_forms, first_id = platform_forms(*first)
    second_forms, second_id = platform_forms(*second)
    assume((first[0], first_id) != (second[0], second_id))
    assert canonicalize(first_forms[0]).key != canonicalize(second_forms[0]).key


@settings(max_examples=500, deadline=None)
@given(_PLATFORM_OBJECTS, _PLATFORM_OBJECTS, st.data())
def test_different_objects_never_merge_whichever_forms_they_are_pasted_in(first, second, data):
    """Across every form, embed, player and host: two ids (or kinds) are two records."""
    first_forms, first_id = platform_forms(*first)
    second_forms, second_id = platform_forms(*second)
    assume((first[0], first_id) != (second[0], second_id))
    first_form = data.draw(st.sampled_from(first_forms))
    second_form = data.draw(st.sampled_from(second_forms))
    assert canonicalize(first_form).key != canonicalize(second_form).key, (first_form, second_form)


@settings(max_examples=300, deadline=None)
@given(_PLATFORM_OBJECTS)
def test_every_listed_form_of_an_object_is_one_record(obj):
    forms, platform_id = platform_forms(*obj)
    keys = {canonicalize(form).key for form in forms}
    assert len(keys) == 1, forms
    assert canonicalize(forms[-1]).platform_id == platform_id


@settings(max_examples=300, deadline=None)
@given(generic_links().map(plain_url) | generic_links().flatmap(surface_variants))
def test_canonicalize_is_idempotent_on_links(url):
    found = canonicalize(url)
    assert canonicalize(found.url) == found


# Characters that exercise every branch of the parser: delimiters, escapes, brackets,
# defanging tokens, non-ASCII, invisible and control characters.
_MESSY = st.text(
    "aAbB09-._~:/?#[]@!$&'()*+,;=% \\<>\"`{}|^xXhHtTpPsSwW.я€ßİ。\u200b\u202e\x00\t",
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["", "https://", "http://", "hxxps://", "//", "HTTP:"]), _MESSY)
@example("https://", "[::1]:80")
@example("https://", "a.b/%2e%2E/./..")
@example("https://", "x.y/#!a#b")
@example("", "t.me/%2BAbc")
def test_any_text_is_either_refused_or_canonicalized_idempotently(prefix, text):
    try:
        found = canonicalize(prefix + text)
    except InvalidURL as error:
        assert error.reason in INVALID_REASONS
        return
    assert found.platform in PLATFORMS
    assert found.url.startswith("https://")
    assert canonicalize(found.url) == found


_PLATFORM_PREFIXES = [
    "https://www.facebook.com/",
    "https://es-la.facebook.com/",
    "https://facebook.com/somepage#!/",
    "https://www.facebook.com/plugins/video.php?href=",
    "https://www.youtube.com/attribution_link?u=",
    "https://www.youtube.com/embed/",
    "https://music.youtube.com/browse/",
    "https://youtube.googleapis.com/v/",
    "https://rutube.ru/play/embed/",
    "https://rutube.ru/live/video/",
    "https://ok.ru/web-api/video/moviePlayer/",
    "https://ok.ru/dk?st.cmd=movieLayer&st.mvId=",
    "https://www.tiktokv.com/share/video/",
    "https://twitter.com/i/videos/tweet/",
    "https://platform.twitter.com/embed/Tweet.html?id=",
    "https://www.instagram.com/share/",
]
_PLATFORM_TAIL = st.text("aAzZ019-_/.?#!&=%:@+ 2FfDd\u200b", max_size=30)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(_PLATFORM_PREFIXES), _PLATFORM_TAIL)
@example("https://www.facebook.com/plugins/video.php?href=", "https%3A%2F%2Ffacebook.com%2Fv%2F1")
@example("https://facebook.com/somepage#!/", "photo.php?v=1#!/x")
def test_any_text_after_a_platform_form_is_refused_or_canonicalized_idempotently(prefix, tail):
    try:
        found = canonicalize(prefix + tail)
    except InvalidURL as error:
        assert error.reason in INVALID_REASONS
        return
    assert found.url.startswith("https://")
    assert canonicalize(found.url) == found


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_crashes(text):
    try:
        found = canonicalize(text)
    except InvalidURL as error:
        assert error.reason in INVALID_REASONS
    else:
        assert isinstance(found, Canonical)
        assert canonicalize(found.url) == found
