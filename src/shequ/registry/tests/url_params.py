"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py), for the
registry's pages and API.

One household, resident and care-group tag in the home grid and one of each in the other county,
registered through the actions, plus an id that does not exist. Names and addresses carry the sentinels
【R320302】 and 【R320303】, registered with the world, so a page or API answer that shows the other
county's record fails the test.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.models import CareGroup, Relation

PLACES = {"320302": "320302001001", "320303": "320303001001"}


def synthetic_id(area: str, serial: int, born: date = date(1980, 1, 1)) -> str:
    first17 = f"{area}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_character(first17)


def _records(world: Any) -> dict[str, dict[str, Any]]:
    """Created once per world; every provider call after the first reuses them."""
    records = getattr(world, "registry_records", None)
    if records is not None:
        return records
    records = {}
    for county, community_code in PLACES.items():
        grid = world.grids[community_code + "001"]
        sentinel = f"【R{county}】"
        household = actions.register_household(
            community=world.regions[community_code],
            grid=grid,
            address_detail=f"{sentinel}1单元101室",
            members=[
                MemberInput(
                    name=f"{sentinel}甲",
                    relation=Relation.HEAD,
                    id_number=synthetic_id(
                        county, 901, date(1959, 9, 9)
                    ),  # a birth date no factory uses
                    phone="19900009901" if county == "320302" else "19900009902",
                )
            ],
        )
        assert household.head is not None
        tag = actions.tag_care_group(
            resident=household.head, group=CareGroup.VETERAN, start_date=date(2020, 1, 1)
        )
        world.all_tokens[sentinel] = grid.path
        records[county] = {"household": household, "resident": household.head, "tag": tag}
    world.registry_records = records
    return records


NOWHERE = "999999"


def _ids(kind: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(record[kind].pk) for record in _records(world).values()] + [NOWHERE]

    return provide


def _request_ids(world: Any, model: Any) -> list[str]:
    """One rights request of each county's resident (submitted by the system), plus a missing id."""
    from shequ.registry.actions.rights import submit_rights_request

    requests = getattr(world, "registry_rights_requests", None)
    if requests is None:
        requests = [
            submit_rights_request(
                resident=record["resident"],
                kind="correction",
                subject="phone",
                details=f"【R{county}】手机号应为……",
                by=None,
            )
            for county, record in _records(world).items()
        ]
        world.registry_rights_requests = requests
    return [str(r.pk) for r in requests] + [NOWHERE]


def _pairs_and_rentals(world: Any) -> dict[str, dict[str, Any]]:
    """Per county: a likely-duplicate pair (same name and birth date, different ID numbers) and a
    rental with one tenant, registered through the actions. Created once per world."""
    made = getattr(world, "registry_pairs_and_rentals", None)
    if made is not None:
        return made
    from shequ.registry.actions.duplicates import detect_duplicates
    from shequ.registry.models import DuplicateCandidate

    made = {}
    born = date(1962, 3, 4)
    for county, community_code in PLACES.items():
        grid = world.grids[community_code + "001"]
        sentinel = f"【R{county}】"
        world.all_tokens[sentinel] = grid.path
        people = []
        for serial, name in ((931, "重复"), (932, "重复"), (933, "房东"), (934, "租户")):
            household = actions.register_household(
                community=world.regions[community_code],
                grid=grid,
                members=[
                    MemberInput(
                        name=f"{sentinel}{name}",
                        relation=Relation.HEAD,
                        id_number=synthetic_id(county, serial, born),
                    )
                ],
            )
            people.append(household.head)
        first, second, landlord, tenant = people
        detect_duplicates(resident_ids=[first.pk, second.pk])
        rental = actions.register_rental(
            community=world.regions[community_code],
            grid=grid,
            landlord=landlord,
            registered_on=date(2024, 1, 1),
            address_detail=f"{sentinel}3单元302室",
        )
        tenancy = actions.add_tenant(rental=rental, tenant=tenant, start_date=date(2024, 2, 1))
        made[county] = {
            "candidate": DuplicateCandidate.objects.get(resident=first, other=second),
            "rental": rental,
            "tenancy": tenancy,
        }
    world.registry_pairs_and_rentals = made
    return made


def _pair_ids(kind: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(made[kind].pk) for made in _pairs_and_rentals(world).values()] + [NOWHERE]

    return provide


def _import_jobs(world: Any) -> dict[str, Any]:
    """One checked import job in each county (the file name carries the sentinel 【I…】), uploaded and
    checked through the actions by community staff there; the uploads live in a directory removed
    at once, as a finished job's would be."""
    jobs = getattr(world, "registry_import_jobs", None)
    if jobs is not None:
        return jobs
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from shequ.registry.actions import imports

    jobs = {}
    staff = {"320302": world.users["community_staff"], "320303": world.outsider}
    with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=tmp):
        for county, community_code in PLACES.items():
            sentinel = f"【I{county}】"
            content = (
                "户编号,与户主关系,姓名,证件号码\n"
                f"1,户主,{sentinel}丙,{synthetic_id(county, 903)}\n"
                "2,户主,丁,320302198001011230\n"
            )
            job = imports.start_import(
                file=SimpleUploadedFile(f"{sentinel}.csv", content.encode()),
                by=staff[county],
                region=world.regions[community_code],
            )
            imports.run_check(job_id=job.pk)
            world.all_tokens[sentinel] = world.regions[community_code].path
            jobs[county] = job
    world.registry_import_jobs = jobs
    return jobs


def _job_ids(world: Any, model: Any) -> list[str]:
    return [str(job.pk) for job in _import_jobs(world).values()] + [NOWHERE]


PROVIDERS = {
    "request_id": _request_ids,
    "household_id": _ids("household"),
    "resident_id": _ids("resident"),
    "tag_id": _ids("tag"),
    "candidate_id": _pair_ids("candidate"),
    "rental_id": _pair_ids("rental"),
    "tenancy_id": _pair_ids("tenancy"),
    "job_id": _job_ids,
}
