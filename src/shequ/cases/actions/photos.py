"""Photos on a case: every upload re-encoded (metadata, EXIF GPS included, gone) before any row is
written; files are named by random tokens and reached only through the scoped photo view."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile

from shequ.cases.models import Case, CasePhoto
from shequ.core import images

MAX_PHOTOS = 6


def prepare_photos(uploads: Sequence[Any]) -> list[images.Photo]:
    """Check and re-encode every upload first, so a bad photo leaves nothing half-written."""
    return images.reencode_all(uploads, limit=MAX_PHOTOS)


def store_photos(
    case: Case, photos: Sequence[images.Photo], *, stage: str, by: Any, at: datetime
) -> list[CasePhoto]:
    """Write the files and their rows. Callers do this last in their transaction, once every check has
    passed; a failure part-way deletes the files already written."""
    rows: list[CasePhoto] = []
    try:
        for photo in photos:
            row = CasePhoto(
                case=case,
                stage=stage,
                width=photo.width,
                height=photo.height,
                uploaded_at=at,
                uploaded_by=by if getattr(by, "pk", None) else None,
            )
            row.image.save(f"{secrets.token_hex(16)}.jpg", ContentFile(photo.content), save=False)
            rows.append(row)
            row.save()
    except Exception:
        for row in rows:
            row.image.storage.delete(row.image.name)
        raise
    return rows
