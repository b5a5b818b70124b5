"""Throughput of registry.canon.canonicalize on a realistic mix of 100,000 links.

Run: ``.venv/bin/python bench/bench_canon.py [--count N] [--rounds R] [--min-rate RATE]``

The mix is generated deterministically (fixed seed): about 40% generic sites (thousands of
hosts, Cyrillic IDN hosts among them, tracking parameters, mixed case, default ports,
defanged links, dot-segments, escapes), the rest posts, videos and accounts on the
platforms with rules, in the shapes people paste them, plus ~1% invalid input.  Reported
is links per second on one core: the first round starts with empty per-host caches, later
rounds show the warm steady state.  ``--min-rate`` makes the script exit with status 1 when
the cold round is slower than that (the target is 50,000 links/s).
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry import canon  # noqa: E402

SEED = 20240601
TARGET_RATE = 50_000

_WORDS = (
    "news", "novosti", "habar", "zhanalyk", "article", "post", "archive", "media", "video",
    "item", "page", "forum", "topic", "read", "blog", "kz", "almaty", "astana", "story",
    "report", "material", "sport", "politics", "economy", "life", "world",
)  # fmt: skip
_TLDS = ("com", "ru", "kz", "org", "net", "info", "co.uk", "com.ua", "рф", "қаз", "io")
_ID_CHARS = string.ascii_letters + string.digits + "-_"


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _token(rng: random.Random, length: int, alphabet: str = _ID_CHARS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _digits(rng: random.Random, low: int, high: int) -> str:
    return str(rng.randint(low, high))


def _tracking(rng: random.Random) -> str:
    params = [f"utm_source={_word(rng)}", f"utm_medium={_word(rng)}", f"fbclid={_token(rng, 20)}"]
    return "&".join(rng.sample(params, rng.randint(1, len(params))))


def _generic_hosts(rng: random.Random, count: int) -> list[str]:
    hosts = []
    for index in range(count):
        tld = rng.choice(_TLDS)
        name = f"{_word(rng)}{index}" if tld not in ("рф", "қаз") else f"новости{index}"
        hosts.append(f"{rng.choice(('', '', 'www.', 'm.'))}{name}.{tld}")
    return hosts


def _generic(rng: random.Random, hosts: list[str]) -> str:
    host = rng.choice(hosts)
    if rng.random() < 0.1:
        host = host.upper()
    scheme = rng.choice(("https://", "https://", "http://", "", "HTTPS://"))
    default_port = ":80" if scheme == "http://" else ":443"
    port = rng.choice(("",) * 9 + (default_port,))
    segments = [rng.choice((_word(rng), _digits(rng, 1, 10**6), f"{_word(rng)}-{_word(rng)}"))]
    segments += [_word(rng) for _ in range(rng.randint(0, 3))]
    path = "/" + "/".join(segments)
    if rng.random() < 0.05:
        path = path.replace("/", "/./", 1) + "/../" + _word(rng)
    if rng.random() < 0.05:
        path += "/%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8"
    if rng.random() < 0.2:
        path += ".html"
    query = []
    if rng.random() < 0.4:
        query += [f"{_word(rng)}={_digits(rng, 1, 999)}" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        query.append(_tracking(rng))
    rng.shuffle(query)
    url = f"{scheme}{host}{port}{path}" + (f"?{'&'.join(query)}" if query else "")
    if rng.random() < 0.1:
        url += "#" + _word(rng)
    if rng.random() < 0.03:
        url = url.replace("https://", "hxxps://").replace(".", "[.]", 1)
    return url


def _youtube(rng: random.Random) -> str:
    video = _token(rng, 11)
    return rng.choice(
        (
            f"https://www.youtube.com/watch?v={video}",
            f"https://youtu.be/{video}?si={_token(rng, 16)}",
            f"https://m.youtube.com/watch?v={video}&feature=share&t={rng.randint(1, 999)}s",
            f"https://www.youtube.com/shorts/{video}?feature=share",
            f"https://www.youtube.com/embed/{video}",
            f"https://www.youtube.com/@{_word(rng)}{rng.randint(1, 999)}/videos",
            f"https://www.youtube.com/results?search_query={_word(rng)}&{_tracking(rng)}",
        )
    )


def _vk(rng: random.Random) -> str:
    owner, item = rng.choice(("-", "")) + _digits(rng, 1, 10**9), _digits(rng, 1, 10**6)
    return rng.choice(
        (
            f"https://vk.com/wall{owner}_{item}",
            f"https://m.vk.com/wall{owner}_{item}?from=groups",
            f"https://vk.com/club{_digits(rng, 1, 10**8)}?w=wall{owner}_{item}",
            f"https://vk.com/video{owner}_{item}",
            f"https://vk.com/{_word(rng)}{rng.randint(1, 9999)}",
            f"https://vk.com/id{_digits(rng, 1, 10**9)}",
        )
    )


def _telegram(rng: random.Random) -> str:
    channel = f"{_word(rng).title()}{rng.randint(10, 9999)}"
    post = _digits(rng, 1, 10**5)
    return rng.choice(
        (
            f"https://t.me/{channel}/{post}",
            f"https://t.me/s/{channel}/{post}?single",
            f"https://telegram.me/{channel}",
            f"t.me/{channel}/{post}?embed=1",
            f"https://t.me/+{_token(rng, 16)}",
        )
    )


def _x(rng: random.Random) -> str:
    status = _digits(rng, 10**17, 10**19)
    user = f"{_word(rng)}{rng.randint(1, 999)}"
    return rng.choice(
        (
            f"https://twitter.com/{user}/status/{status}?s=20&t={_token(rng, 22)}",
            f"https://x.com/{user}/status/{status}",
            f"https://mobile.twitter.com/i/web/status/{status}",
            f"https://x.com/{user.title()}",
        )
    )


def _instagram(rng: random.Random) -> str:
    code = _token(rng, 11)
    return rng.choice(
        (
            f"https://www.instagram.com/p/{code}/?igsh={_token(rng, 12)}",
            f"https://instagram.com/reel/{code}/?utm_source=ig_web_copy_link",
            f"https://www.instagram.com/{_word(rng)}{rng.randint(1, 999)}/",
        )
    )


def _tiktok(rng: random.Random) -> str:
    video = _digits(rng, 10**18, 10**19)
    return rng.choice(
        (
            f"https://www.tiktok.com/@{_word(rng)}/video/{video}?is_from_webapp=1&sender_device=pc",
            f"https://m.tiktok.com/v/{video}.html",
            f"https://vm.tiktok.com/{_token(rng, 9, string.ascii_letters)}/",
        )
    )


def _other_platforms(rng: random.Random) -> str:
    return rng.choice(
        (
            f"https://ok.ru/video/{_digits(rng, 1, 10**12)}",
            f"https://m.ok.ru/group/{_digits(rng, 1, 10**13)}/topic/{_digits(rng, 1, 10**14)}",
            f"https://rutube.ru/video/{_token(rng, 32, '0123456789abcdef')}/",
            f"https://www.facebook.com/watch/?v={_digits(rng, 1, 10**15)}",
            f"https://m.facebook.com/{_word(rng)}/posts/{_digits(rng, 1, 10**15)}?__tn__=R",
            f"https://fb.watch/{_token(rng, 10, string.ascii_letters)}/",
        )
    )


def _invalid(rng: random.Random) -> str:
    return rng.choice(
        ("", "javascript:alert(1)", "not a link", "https://", "mailto:a@b.kz", "https://a:99999")
    )


_MIX = (
    (0.40, None),  # generic, needs the host pool
    (0.13, _youtube),
    (0.10, _vk),
    (0.10, _telegram),
    (0.07, _x),
    (0.07, _instagram),
    (0.05, _tiktok),
    (0.07, _other_platforms),
    (0.01, _invalid),
)


def generate(count: int, seed: int = SEED) -> list[str]:
    """The benchmark's links: same seed, same list."""
    rng = random.Random(seed)
    hosts = _generic_hosts(rng, 3000)
    weights = [weight for weight, _ in _MIX]
    makers = [maker for _, maker in _MIX]
    links = []
    for maker in rng.choices(makers, weights, k=count):
        links.append(_generic(rng, hosts) if maker is None else maker(rng))
    return links


def _clear_caches() -> None:
    for name in ("_host_info", "_registrable", "_host_to_unicode"):
        getattr(canon, name).cache_clear()


def run_round(links: list[str]) -> tuple[float, int]:
    """Seconds to canonicalize every link, and how many were rejected as invalid."""
    canonicalize, invalid_url = canon.canonicalize, canon.InvalidURL
    rejected = 0
    start = time.perf_counter()
    for link in links:
        try:
            canonicalize(link)
        except invalid_url:
            rejected += 1
    return time.perf_counter() - start, rejected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-rate", type=float, default=0.0)
    args = parser.parse_args()

    links = generate(args.count)
    _clear_caches()
    rates = []
    for round_number in range(1, args.rounds + 1):
        seconds, rejected = run_round(links)
        rates.append(len(links) / seconds)
        state = "cold caches" if round_number == 1 else "warm caches"
        print(
            f"round {round_number} ({state}): {len(links):,} links in {seconds:.3f} s "
            f"= {rates[-1]:,.0f} links/s ({rejected:,} rejected as invalid)"
        )
    verdict = "meets" if rates[0] >= TARGET_RATE else "is BELOW"
    print(f"canonicalize: {rates[0]:,.0f} links/s cold, best {max(rates):,.0f} links/s warm")
    print(f"cold rate {verdict} the {TARGET_RATE:,} links/s target")
    return 1 if rates[0] < args.min_rate else 0


if __name__ == "__main__":
    sys.exit(main())
