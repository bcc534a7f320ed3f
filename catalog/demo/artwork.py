"""Small but real artwork images for the demo: a coloured card per drama in the catalogue's aspect ratios."""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont, ImageOps

from catalog.models import ARTWORK_ASPECTS, ArtworkKind

# Pixel size per kind: small enough to seed quickly, large enough to look like artwork in the admin.
ARTWORK_SIZES: dict[str, tuple[int, int]] = {
    ArtworkKind.COVER_9x16: (270, 480),
    ArtworkKind.POSTER_2x3: (300, 450),
    ArtworkKind.BANNER_16x9: (480, 270),
}
# Covers and posters as JPEG, banners as PNG (partners ask for both).
ARTWORK_FORMATS: dict[str, str] = {
    ArtworkKind.COVER_9x16: "JPEG",
    ArtworkKind.POSTER_2x3: "JPEG",
    ArtworkKind.BANNER_16x9: "PNG",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}

for _kind, (_w, _h) in ARTWORK_SIZES.items():
    _aw, _ah = ARTWORK_ASPECTS[_kind]
    assert _w * _ah == _h * _aw, f"{_kind} size {_w}x{_h} is not {_aw}:{_ah}"


def _palette(key: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two colours derived from the drama's key, so a drama keeps its colours across runs."""
    digest = hashlib.sha256(key.encode()).digest()
    top = (80 + digest[0] % 150, 30 + digest[1] % 120, 60 + digest[2] % 150)
    bottom = tuple(max(0, channel // 4) for channel in top)
    return top, bottom  # type: ignore[return-value]


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    # Pillow's built-in 256-step ramp, stretched and coloured: no per-pixel Python.
    ramp = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(ramp, black=top, white=bottom)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap by rendered width; the last line ends with an ellipsis if text is left over."""
    lines: list[str] = []
    current = ""
    words = text.split()
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines:
            lines[-1] = lines[-1].rstrip(",:;") + "…"
            return lines
    if current:
        lines.append(current)
    return lines


def artwork_render(*, key: str, kind: str, title: str = "", caption: str = "") -> tuple[bytes, str]:
    """An image for `kind` as (bytes, file extension); with `title` it is a titled card, else text-free."""
    width, height = ARTWORK_SIZES[kind]
    top, bottom = _palette(key)
    image = _gradient((width, height), top, bottom)
    draw = ImageDraw.Draw(image)
    landscape = width > height
    shift = hashlib.sha256(f"{key}:motif".encode()).digest()[0] % 21 - 10
    # A ring as the drama's motif: upper third on portrait cards, left third on banners, text beside it.
    if landscape:
        radius, cx, cy = height // 3, width // 4 + shift, height // 2
        text_box = (int(width * 0.40), 16, width - 16, height - 16)
    else:
        radius, cx, cy = width // 3, width // 2 + shift, int(height * 0.3)
        text_box = (14, cy + radius + 12, width - 14, height - 14)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(255, 255, 255), width=3)
    draw.rectangle((4, 4, width - 5, height - 5), outline=(255, 215, 130), width=2)
    if title:
        left, top_y, right, bottom_y = text_box
        font_size = max(14, min(width, height) // 11)
        font = _font(font_size)
        small = _font(max(10, font_size * 3 // 5))
        line_height = int(font_size * 1.25)
        max_lines = max(1, (bottom_y - top_y - line_height) // line_height)
        lines = _wrap(draw, title, font, right - left, min(4, max_lines))
        block = len(lines) * line_height + (line_height if caption else 0)
        y = top_y + max(0, (bottom_y - top_y - block) // 2)
        for line in lines:
            x = left if landscape else (width - draw.textlength(line, font=font)) / 2
            draw.text((x, y), line, font=font, fill=(255, 255, 255))
            y += line_height
        if caption:
            x = left if landscape else (width - draw.textlength(caption, font=small)) / 2
            draw.text((x, y + line_height // 4), caption, font=small, fill=(255, 215, 130))
    image_format = ARTWORK_FORMATS[kind]
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, image_format, quality=85)
    else:
        image.save(buffer, image_format, optimize=True)
    return buffer.getvalue(), EXTENSIONS[image_format]
