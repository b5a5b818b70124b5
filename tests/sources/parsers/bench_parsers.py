"""Each source parser on 10 MB of hostile input: nested tags and flat floods of items.

Run in a fresh process so that the peak memory is the parsers' own:

    .venv/bin/python -m tests.sources.parsers.bench_parsers

Prints one JSON list: per case the kind, body size, seconds and result (the number of items,
or the failure code), then the process's peak resident memory. test_hostile runs it.
"""

import json
import resource
import time

import sources.parsers as parsers

MB = 10 * 1024 * 1024


def nested(tag: bytes) -> bytes:
    return tag * (MB // len(tag))


def flood_telegram() -> bytes:
    post = (
        b'<div class="tgme_widget_message" data-post="demo_channel/%d">'
        b'<div class="tgme_widget_message_text">hi</div></div>'
    )
    posts = b"".join(post % n for n in range(MB // 100))
    return (
        b'<html><body><section class="tgme_channel_history">' + posts + b"</section></body></html>"
    )


def flood_rss() -> bytes:
    item = b"<item><title>t</title><link>https://a.example/%d</link></item>"
    items = b"".join(item % n for n in range(MB // 60))
    return b'<rss version="2.0"><channel><title>x</title>' + items + b"</channel></rss>"


def flood_links() -> bytes:
    links = b"".join(b'<a href="/t/%d">t</a>' % n for n in range(MB // 20))
    return b"<html><body>" + links + b"</body></html>"


def flood_sitemap() -> bytes:
    urls = b"".join(b"<url><loc>https://a.example/%d</loc></url>" % n for n in range(MB // 40))
    return b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + b"</urlset>"


CASES = [
    ("telegram", lambda: nested(b"<div>")),
    ("vk", lambda: nested(b"<div><p>")),
    ("pattern", lambda: nested(b"<div><a href='/t/1'>")),
    ("rss", lambda: nested(b"<item>")),
    ("sitemap", lambda: nested(b"<url>")),
    ("youtube", lambda: nested(b"<entry>")),
    ("rss", lambda: b'<rss version="2.0"><channel>' + nested(b"<item><link>https://a.example/")),
    ("telegram", lambda: b'<section class="tgme_channel_history">' + nested(b"<div><p>")),
    ("telegram", flood_telegram),
    ("rss", flood_rss),
    ("pattern", flood_links),
    ("sitemap", flood_sitemap),
]


def main() -> list[dict]:
    out: list[dict] = []
    for kind, make in CASES:
        body = make()
        start = time.perf_counter()
        try:
            page = parsers.parse(kind, body, "https://a.example/p", pattern=r"/t/\d+$")
            result: int | str = len(page.items)
        except parsers.ParseFailed as exc:
            result = exc.code.value
        seconds = round(time.perf_counter() - start, 2)
        out.append(
            {"kind": kind, "mb": round(len(body) / 2**20, 1), "seconds": seconds, "result": result}
        )
        del body
    out.append({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
