"""Fixtures of the evidence tests: the local HTTPS site of the checks tests, an evidence
storage and a signing key of the test's own, and a page with an image, a stylesheet and a
script."""

import io

import pytest
from PIL import Image

from tests.checks import sites

site_ca, site = sites.site_ca, sites.site


@pytest.fixture(autouse=True)
def evidence_files(settings, tmp_path):
    """Captured files and the office's key under this test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.KBZ_SIGNING_KEY_FILE = tmp_path / "signing" / "office.pem"
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = True
    settings.EVIDENCE_TIME_BUDGET = 8
    settings.EVIDENCE_RENDER_TIMEOUT = 20
    return tmp_path / "media"


def png(width=120, height=80, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Призыв к экстремизму</title>
<link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>
<body><h1>Запрещённый материал</h1><p>Текст публикации, который нужно сохранить.</p>
<img src="/photo.png" alt="photo"><img src="https://127.0.0.2/internal.png" alt="internal">
</body></html>"""


@pytest.fixture
def evidence_page(site):
    """A page with a stylesheet, a script, an image and an image on an internal address."""
    site.serve("/post/1", PAGE.encode())
    site.serve(
        "/style.css", b"h1 { color: #b00; font-family: sans-serif; }", content_type="text/css"
    )
    site.serve(
        "/app.js",
        b"document.body.insertAdjacentHTML('beforeend', '<p>script ran</p>');",
        content_type="application/javascript",
    )
    site.serve("/photo.png", png(), content_type="image/png")
    return site.url("/post/1")
