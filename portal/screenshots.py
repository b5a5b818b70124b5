"""The blurred preview of a capture's screenshot (issue 15, "Viewing without risk").

Until an officer chooses to reveal a capture, the portal sends only this preview: the top of the
page, scaled down and blurred on the server, so the content's pixels never reach the browser
before the reveal is in the custody log (a CSS blur alone would be one devtools click away).
The screenshot is our own Chromium's PNG of the captured copy, but its size follows the page:
Pillow's decompression-bomb guard stays on and the preview crops before it scales.
"""

import io

from PIL import Image, ImageFilter

PREVIEW_WIDTH = 480
PREVIEW_MAX_HEIGHT = 720
BLUR_RADIUS = 14


def blurred_preview(png: bytes) -> bytes:
    """A small, heavily blurred PNG of the top of the screenshot `png`; a plain grey one when
    the file cannot be read (or is too large to decode safely)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
            scale = PREVIEW_WIDTH / max(width, 1)
            top = image.crop((0, 0, width, min(height, int(PREVIEW_MAX_HEIGHT / scale) or 1)))
            top = top.convert("RGB")
            top.thumbnail((PREVIEW_WIDTH, PREVIEW_MAX_HEIGHT))
            blurred = top.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    except (OSError, ValueError, Image.DecompressionBombError):
        blurred = Image.new("RGB", (PREVIEW_WIDTH, PREVIEW_WIDTH * 3 // 4), (200, 204, 208))
    out = io.BytesIO()
    blurred.save(out, format="PNG", optimize=True)
    return out.getvalue()
