"""URL parameter values for the every-URL-every-role test: the `disclosures` feature. Per county, at
its community: a draft 【DD…】 with a PNG attachment named 【DF…】 (drafts are seen only by staff in
the jurisdiction), and a published disclosure (public by design, so it carries no marker) with an
objection by a resident named 【DO…】 (staff see the name; residents and the public see it masked,
which removes the marker); plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.participation.actions import disclosures as actions
from shequ.participation.tests.factories_disclosures import (
    make_disclosure,
    object_to,
    png_bytes,
    resident_user,
    upload,
)

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "disclosure_records", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        draft_mark, file_mark, person_mark = f"【DD{county}】", f"【DF{county}】", f"【DO{county}】"
        for mark in (draft_mark, file_mark, person_mark):
            world.all_tokens[mark] = community.path
        draft = make_disclosure(community, title=f"{draft_mark}草稿", body=f"{draft_mark}内容")
        attachment = actions.attach(
            disclosure=draft, by=None, uploads=[upload(f"{file_mark}.png", png_bytes())]
        )[0]
        published = make_disclosure(community, title="公开的财务收支", publish=True)
        _person, user = resident_user(community, f"{person_mark}居民")
        objection = object_to(published, user)
        found.append(
            {
                "draft": draft,
                "published": published,
                "attachment": attachment,
                "objection": objection,
            }
        )
    world.disclosure_records = found
    return found


def _disclosure_ids(world: Any, model: Any) -> list[str]:
    rows = _records(world)
    return [str(r[k].pk) for r in rows for k in ("draft", "published")] + [NOWHERE]


def _attachment_ids(world: Any, model: Any) -> list[str]:
    return [str(r["attachment"].pk) for r in _records(world)] + [NOWHERE]


def _objection_ids(world: Any, model: Any) -> list[str]:
    return [str(r["objection"].pk) for r in _records(world)] + [NOWHERE]


PROVIDERS: dict[str, Any] = {
    "disclosure_id": _disclosure_ids,
    "attachment_id": _attachment_ids,
    "objection_id": _objection_ids,
}
