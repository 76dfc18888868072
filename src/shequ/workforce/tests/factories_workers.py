"""Workers, posts, pay and figures made through the actions, as the pages would make them."""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.core.validators import id_check_character
from shequ.territory.models import Grid, Region
from shequ.workforce.actions import workers as actions
from shequ.workforce.models import CommunityWorker, WorkerPost

_serial = iter(range(1, 10_000))


def id_number(
    born: date = date(1990, 3, 7), serial: int | None = None, area: str = "320302"
) -> str:
    """A valid GB 11643 number (checksum computed) born on ``born``."""
    serial = next(_serial) if serial is None else serial
    first17 = f"{area}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def make_worker(*, region: Region, by: Any = None, **overrides: Any) -> CommunityWorker:
    """A worker employed at ``region`` registered by ``by`` (the system when None)."""
    values: dict[str, Any] = {
        "name": "王芳",
        "id_number": id_number(),
        "phone": "13912345678",
        "education": "bachelor",
        "political_status": "party_member",
        "hiring_method": "county_selection",
        "hired_on": date(2020, 7, 1),
    }
    values.update(overrides)
    return actions.register_worker(region=region, by=by, **values)


def make_post(
    *,
    worker: CommunityWorker,
    community: Region,
    kind: str = "committee_member",
    grid: Grid | None = None,
    started_on: date = date(2021, 1, 1),
    by: Any = None,
    **extra: Any,
) -> WorkerPost:
    return actions.assign_post(
        worker=worker, kind=kind, community=community, grid=grid, started_on=started_on, by=by,
        **extra,
    )  # fmt: skip
