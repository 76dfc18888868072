"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py), for the
facilities app's pages and API.

Registry (L1), per county: a facility at the county's community whose name, address and operator
carry the sentinel 【F…】, with a photo; a candidate site whose name carries 【G…】; and the
community's floor area for this year whose source carries 【H…】. Plus ids that do not exist.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shequ.facilities import actions
from shequ.facilities.tests.factories import jpeg, make_candidate_site, make_facility

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _registry(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "facility_records", None)
    if found is not None:
        return found
    found = {}
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        facility_mark, site_mark, area_mark = f"【F{county}】", f"【G{county}】", f"【H{county}】"
        for mark in (facility_mark, site_mark, area_mark):
            world.all_tokens[mark] = community.path
        facility = make_facility(
            community=community,
            name=f"{facility_mark}党群服务中心",
            address=f"{facility_mark}幸福路 1 号",
            operator=f"{facility_mark}居委会",
            photos=[jpeg()],
        )
        site = make_candidate_site(community=community, name=f"{site_mark}闲置门市")
        actions.record_floor_area(
            community=community,
            year=timezone.localdate().year,
            total_floor_area_m2="250000",
            source=f"{area_mark}测绘数据",
            by=None,
        )
        found[county] = {
            "facility": facility,
            "photo": facility.photos.get(),
            "site": site,
        }
    world.facility_records = found
    return found


def _facility_ids(world: Any, model: Any) -> list[str]:
    return [str(r["facility"].pk) for r in _registry(world).values()] + [NOWHERE]


def _facility_photo_ids(world: Any, model: Any) -> list[str]:
    """Each county's photo; under the other county's facility too (a mismatched pair is a 404)."""
    return [str(r["photo"].pk) for r in _registry(world).values()] + [NOWHERE]


def _candidate_site_ids(world: Any, model: Any) -> list[str]:
    return [str(r["site"].pk) for r in _registry(world).values()] + [NOWHERE]


def _community_codes(world: Any, model: Any) -> list[str]:
    """The API's ``/floor-areas/<community_code>/<year>`` (PUT only: a GET answers 405)."""
    _registry(world)
    return [*PLACES.values(), "320302", "999999999999"]


PROVIDERS = {
    "facility_id": _facility_ids,
    "facility_photo_id": _facility_photo_ids,
    "candidate_site_id": _candidate_site_ids,
    "community_code": _community_codes,
    "year": lambda world, model: [str(timezone.localdate().year)],
}


def _imports(world: Any) -> dict[str, Any]:
    """Import (L1), per county: a checked facility import whose file name carries the sentinel 【J…】,
    uploaded by a community head there (the role that may import facilities) and checked through the
    actions; the uploads live in a directory removed at once, as a finished job's would be."""
    jobs = getattr(world, "facility_imports", None)
    if jobs is not None:
        return jobs
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role
    from shequ.facilities.actions import imports

    head = Role.objects.get(code="community_head")
    jobs = {}
    with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=tmp):
        for county, community_code in PLACES.items():
            community = world.regions[community_code]
            sentinel = f"【J{county}】"
            world.all_tokens[sentinel] = community.path
            importer = accounts.create_staff_user(
                username=f"facility-importer-{county}", full_name="设施导入员", password=None
            )
            accounts.assign_role(user=importer, role=head, region=community)
            content = (
                "社区代码,设施名称,设施类别,纬度,经度\n"
                f"{community_code},幸福社区助餐点,助餐点,34.2610,117.1849\n"
                f"{community_code},,不是类别,north,117.1849\n"
            )
            job = imports.start_import(
                file=SimpleUploadedFile(f"{sentinel}.csv", content.encode()),
                by=importer,
                region=community,
            )
            imports.run_check(job_id=job.pk)
            jobs[county] = job
    world.facility_imports = jobs
    return jobs


def _import_ids(world: Any, model: Any) -> list[str]:
    return [str(job.pk) for job in _imports(world).values()] + [NOWHERE]


PROVIDERS["import_id"] = _import_ids


def _networks(world: Any) -> dict[str, Any]:
    """Living circle (L2), per county: a small walking network whose name carries the sentinel 【N…】
    (networks are listed to those who may analyse the county)."""
    found = getattr(world, "facility_networks", None)
    if found is not None:
        return found
    from shequ.facilities import synthetic
    from shequ.facilities.actions import networks
    from shequ.facilities.models import NetworkSource

    found = {}
    for county in PLACES:
        sentinel = f"【N{county}】"
        region = world.regions[county]
        world.all_tokens[sentinel] = region.path
        graph = synthetic.synthetic_network(
            centre_lat=34.26, centre_lng=117.18, width_m=300, height_m=300, spacing_m=100
        )
        found[county] = networks.save_network(
            region=region, graph=graph, name=f"{sentinel}路网", source=NetworkSource.SYNTHETIC,
            by=None,
        )  # fmt: skip
    world.facility_networks = found
    return found


def _network_ids(world: Any, model: Any) -> list[str]:
    return [str(n.pk) for n in _networks(world).values()] + [NOWHERE]


def _circle_ids(world: Any, model: Any) -> list[str]:
    """The standard is the whole platform's (no sentinel): every circle, and one that does not exist."""
    from shequ.facilities.models import LivingCircle

    return [str(pk) for pk in LivingCircle.objects.values_list("pk", flat=True)] + [NOWHERE]


PROVIDERS["network_id"] = _network_ids
PROVIDERS["circle_id"] = _circle_ids
