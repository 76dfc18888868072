"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py), for the
catalogue's pages.

Per county: a draft item at a community whose name carries the sentinel 【S…】 (drafts are seen by
that county's staff only), an admitted item (public, so no sentinel), and an abolished certificate
(public, so no sentinel); plus an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from shequ.cases import actions
from shequ.cases.tests.factories import make_item

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    records = getattr(world, "cases_records", None)
    if records is not None:
        return records
    records = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        sentinel = f"【S{county}】"
        world.all_tokens[sentinel] = community.path
        draft = make_item(
            region=community,
            code=f"T{county}-DRAFT",
            name=f"{sentinel}草稿事项",
            description=f"{sentinel}说明",
        )
        admitted = make_item(region=community, code=f"T{county}-OPEN", status="admitted")
        certificate = actions.add_abolished_certificate(
            region=community, name="亲属关系证明", reason="请到户籍派出所开具。", by=None
        )
        records[county] = {"draft": draft, "admitted": admitted, "certificate": certificate}
    world.cases_records = records
    return records


def _item_ids(world: Any, model: Any) -> list[str]:
    ids = []
    for record in _records(world).values():
        ids += [str(record["draft"].pk), str(record["admitted"].pk)]
    return [*ids, NOWHERE]


def _certificate_ids(world: Any, model: Any) -> list[str]:
    return [str(r["certificate"].pk) for r in _records(world).values()] + [NOWHERE]


def _cases(world: Any) -> dict[str, Any]:
    """Per county: an open case at the community whose title carries the sentinel 【K…】."""
    found = getattr(world, "cases_by_county", None)
    if found is not None:
        return found
    from shequ.cases.actions.intake import Intake, submit_case

    found = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        sentinel = f"【K{county}】"
        world.all_tokens[sentinel] = community.path
        found[county] = submit_case(
            Intake(
                channel="window",
                kind="complaint",
                category="environment",
                title=f"{sentinel}垃圾清运",
                description=f"{sentinel}小区垃圾无人清运",
                region=community,
                requester_name="测试",
                requester_phone="13900000000",
                latitude=34.26,
                longitude=117.18,
                # Not published through Open311 (its description carries the sentinel); the
                # published cases are those of _open311 below.
                is_public=False,
            ),
            # Window intake is entered by desk staff of the place.
            by=world.users["community_staff"] if county == "320302" else world.outsider,
        )
    world.cases_by_county = found
    return found


def _case_ids(world: Any, model: Any) -> list[str]:
    return [str(case.pk) for case in _cases(world).values()] + [NOWHERE]


def _case_numbers_or_ids(world: Any, model: Any) -> list[str]:
    """The API's ``/cases/cases/<number_or_id>``: each case by id and by its grouped number, plus a
    number whose check digit is wrong and an id that does not exist."""
    from shequ.cases.numbers import grouped

    values = []
    for case in _cases(world).values():
        values += [str(case.pk), grouped(case.number)]
    return [*values, "2611290000001-0", NOWHERE]


def _open311(world: Any) -> dict[str, dict[str, Any]]:
    """Per county: an Open311 client system whose name carries the sentinel 【C…】, and a public case
    it filed whose requester name and typed address (never published) carry 【O…】."""
    found = getattr(world, "open311_by_county", None)
    if found is not None:
        return found
    from shequ.cases.actions.intake import Intake, submit_case
    from shequ.cases.actions.open311 import issue_client

    found = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        world.all_tokens[f"【C{county}】"] = world.regions[county].path
        world.all_tokens[f"【O{county}】"] = community.path
        client, _key = issue_client(
            name=f"【C{county}】热线", region=world.regions[county], contact="值班室", by=None
        )
        case = submit_case(
            Intake(
                channel="open311",
                category="environment",
                description="路灯不亮",
                region=community,
                address=f"【O{county}】幸福路 1 号",
                requester_name=f"【O{county}】",
                requester_phone="13900000001",
                client=client,
                is_public=True,
            )
        )
        found[county] = {"client": client, "case": case}
    world.open311_by_county = found
    return found


def _service_codes(world: Any, model: Any) -> list[str]:
    codes = []
    for record in _records(world).values():
        codes += [record["admitted"].code, record["draft"].code]
    return [*codes, "NO-SUCH-CODE"]


def _service_request_ids(world: Any, model: Any) -> list[str]:
    """Published cases, cases that are not public (404), a malformed number."""
    numbers = [r["case"].number for r in _open311(world).values()]
    numbers += [case.number for case in _cases(world).values()]
    return [*numbers, "2611290000001"]


def _client_ids(world: Any, model: Any) -> list[str]:
    return [str(r["client"].pk) for r in _open311(world).values()] + [NOWHERE]


def _photo_ids(world: Any, model: Any) -> list[str]:
    """Per county: a photo on that county's case (served only to those who may see the case)."""
    found = getattr(world, "case_photos_by_county", None)
    if found is None:
        import io

        from PIL import Image

        from shequ.cases.actions.photos import prepare_photos, store_photos
        from shequ.core import calendar

        found = {}
        for county, case in _cases(world).items():
            image = io.BytesIO()
            Image.new("RGB", (8, 8), "green").save(image, "JPEG")
            image.seek(0)
            image.name = "scene.jpg"
            rows = store_photos(
                case, prepare_photos([image]), stage="reported", by=None, at=calendar.now()
            )
            found[county] = rows[0]
        world.case_photos_by_county = found
    return [str(photo.pk) for photo in found.values()] + [NOWHERE]


def _rule_ids(world: Any, model: Any) -> list[str]:
    """Per county: a routing rule at the county's community (its place name is the sentinel)."""
    found = getattr(world, "routing_rules_by_county", None)
    if found is None:
        from shequ.cases.actions.routing import set_routing_rule

        found = {
            county: set_routing_rule(
                region=world.regions[code],
                category="environment",
                unit=world.units[county],
                by=None,
            )
            for county, code in PLACES.items()
        }
        world.routing_rules_by_county = found
    return [str(rule.pk) for rule in found.values()] + [NOWHERE]


def _desk_records(world: Any) -> dict[str, dict[str, Any]]:
    """Per county, entered and worked by that county's community staff: a case waiting for an
    extension to be approved (sentinel 【A…】) and a badly rated case waiting for its callback
    (sentinel 【B…】)."""
    found = getattr(world, "desk_records_by_county", None)
    if found is not None:
        return found
    from types import SimpleNamespace

    from shequ.cases.actions import handling, ratings
    from shequ.cases.actions.intake import Intake, submit_case

    staff = {"320302": world.users["community_staff"], "320303": world.outsider}
    found = {}
    for county, community_code in PLACES.items():
        community, desk = world.regions[community_code], staff[county]
        cases = {}
        for mark in ("A", "B"):
            sentinel = f"【{mark}{county}】"
            world.all_tokens[sentinel] = community.path
            cases[mark] = submit_case(
                Intake(
                    channel="window",
                    kind="complaint",
                    category="environment",
                    title=f"{sentinel}夜间施工噪音",
                    description=f"{sentinel}工地夜间施工",
                    region=community,
                    requester_name="测试",
                    requester_phone="13900000002",
                    is_public=False,
                ),
                by=desk,
            )
            handling.accept(case=cases[mark], by=desk)
        approval = handling.request_approval(
            case=cases["A"], by=desk, kind="extension", reason="等待配件", extra_working_days=3
        )
        rated = cases["B"]
        handling.start_self(case=rated, by=desk)
        handling.handle(case=rated, by=desk, result="已协调停工")
        handling.verify(case=rated, by=desk, passed=True)
        handling.close(case=rated, by=desk)
        requester = SimpleNamespace(pk=None, follow_case_id=rated.pk)
        rating = ratings.rate(case=rated, requester=requester, stars=1, comment="仍有噪音")
        found[county] = {"approval": approval, "callback": rating.callback}
    world.desk_records_by_county = found
    return found


def _approval_ids(world: Any, model: Any) -> list[str]:
    return [str(r["approval"].pk) for r in _desk_records(world).values()] + [NOWHERE]


def _callback_ids(world: Any, model: Any) -> list[str]:
    return [str(r["callback"].pk) for r in _desk_records(world).values()] + [NOWHERE]


PROVIDERS = {
    "service_code": _service_codes,
    "service_request_id": _service_request_ids,
    "client_id": _client_ids,
    "item_id": _item_ids,
    "certificate_id": _certificate_ids,
    "case_id": _case_ids,
    "number_or_id": _case_numbers_or_ids,
    # The API's POST-only ``/cases/cases/<case_id>/transitions/<transition>``: a GET answers 405.
    "transition": lambda world, model: ["accept"],
    "photo_id": _photo_ids,
    "rule_id": _rule_ids,
    "approval_id": _approval_ids,
    "callback_id": _callback_ids,
    # The staff case page's POST-only ``<case_id>/act/<action>/``: a GET answers 405.
    "action": lambda world, model: ["accept"],
}
