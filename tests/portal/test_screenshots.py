"""The blurred preview of a capture's screenshot: small, blurred, and a grey placeholder for a
file that cannot be decoded safely (never an error page)."""

import io

from PIL import Image

from portal.screenshots import PREVIEW_WIDTH, blurred_preview
from tests.portal.evidence_helpers import page_png


def test_preview_is_the_top_of_the_page_scaled_down():
    preview = Image.open(io.BytesIO(blurred_preview(page_png(size=(1280, 16000)))))
    assert preview.width == PREVIEW_WIDTH
    assert preview.height <= 720


def test_an_unreadable_file_gives_a_grey_placeholder():
    preview = Image.open(io.BytesIO(blurred_preview(b"not a png")))
    assert preview.getcolors() == [(preview.width * preview.height, (200, 204, 208))]


def test_a_decompression_bomb_gives_a_placeholder(monkeypatch):
    png = page_png()
    with monkeypatch.context() as patch:
        patch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the 800×1200 page is "too large"
        data = blurred_preview(png)
    preview = Image.open(io.BytesIO(data))
    assert len(preview.getcolors()) == 1
