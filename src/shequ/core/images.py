"""Uploaded photos: checked, then re-encoded before anything is stored.

A photo from a phone carries EXIF metadata — the GPS position where it was taken, the device, the
time. Re-encoding draws the pixels into a fresh JPEG with no metadata at all, so none of it survives;
the orientation EXIF asked for is applied to the pixels first. The same step refuses what is not an
image, a file larger than ``SHEQU_PHOTO_MAX_BYTES``, and pictures so large in pixels that decoding them
would exhaust memory (decompression bombs), each with a message naming the problem.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.Image import Image as PILImage

MAX_SIDE = 2048
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int


def max_bytes() -> int:
    return int(getattr(settings, "SHEQU_PHOTO_MAX_BYTES", 15 * 1024 * 1024))


def reencode(upload: IO[bytes], *, size: int | None = None, name: str = "") -> Photo:
    """The photo as a metadata-free JPEG at most ``MAX_SIDE`` pixels on its longer side."""
    label = name or _("照片")
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            _("“%(name)s”太大（%(size)d MB），照片不能超过 %(limit)d MB。")
            % {"name": label, "size": size // (1024 * 1024), "limit": limit // (1024 * 1024)}
        )
    not_an_image = ValidationError(
        _("“%(name)s”不是可识别的图片，请上传 JPEG、PNG 或 WebP 照片。") % {"name": label}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: PILImage = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("“%(name)s”的像素过多，无法处理。") % {"name": label})
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("“%(name)s”的像素过多，无法处理。") % {"name": label}) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise not_an_image from exc
    if image.format not in {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}:
        raise not_an_image
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from the pixels alone: no EXIF, XMP, ICC or comment block is carried over.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(out.getvalue(), clean.width, clean.height)


def reencode_all(uploads: Sequence[Any], *, limit: int, field: str = "photos") -> list[Photo]:
    """Check and re-encode every upload before anything is written, so a bad photo leaves nothing
    half-written; at most ``limit`` photos. Errors are keyed by the form's ``field``."""
    uploads = [u for u in uploads if u]
    if len(uploads) > limit:
        raise ValidationError({field: _("最多上传 %(n)d 张照片。") % {"n": limit}})
    prepared = []
    for upload in uploads:
        try:
            prepared.append(
                reencode(
                    upload, size=getattr(upload, "size", None), name=getattr(upload, "name", "")
                )
            )
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    return prepared
