"""URL parameter values for the every-URL-every-role test: the workforce app's workers pages and API.

Per county: a worker at the county's community whose name carries the sentinel 【W…】, with a post on
the community's first grid (its note carries 【WP…】), a status change whose reason carries 【WS…】,
and last year's pay; the county's urban population whose source carries 【WF…】. Plus ids that do not
exist.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shequ.workforce.actions import workers as actions
from shequ.workforce.tests.factories_workers import id_number, make_post, make_worker

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "999999"


def _records(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "worker_records", None)
    if found is not None:
        return found
    found = {}
    year = timezone.localdate().year
    for serial, (county, community_code) in enumerate(PLACES.items(), start=900):
        community = world.regions[community_code]
        marks = {key: f"【{key}{county}】" for key in ("W", "WP", "WS", "WF")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        worker = make_worker(
            region=community,
            name=f"{marks['W']}王芳",
            id_number=id_number(serial=serial, area=county),
            note=f"{marks['W']}备注",
        )
        post = make_post(
            worker=worker,
            community=community,
            kind="grid_worker",
            grid=world.grids[community_code + "001"],
            note=f"{marks['WP']}岗位",
        )
        actions.change_status(
            worker=worker, to_status="seconded", effective_on=timezone.localdate(),
            reason=f"{marks['WS']}借调", by=None,
        )  # fmt: skip
        actions.record_pay(worker=worker, year=year - 1, amount="66000", by=None)
        actions.record_urban_population(
            region=world.regions[county], year=year, population=800000,
            source=f"{marks['WF']}统计公报", by=None,
        )  # fmt: skip
        found[county] = {"worker": worker, "post": post}
    world.worker_records = found
    return found


def _worker_ids(world: Any, model: Any) -> list[str]:
    return [str(r["worker"].pk) for r in _records(world).values()] + [NOWHERE]


def _worker_post_ids(world: Any, model: Any) -> list[str]:
    """Each county's post; under the other county's worker too (a mismatched pair is a 404)."""
    return [str(r["post"].pk) for r in _records(world).values()] + [NOWHERE]


def _figure_region_codes(world: Any, model: Any) -> list[str]:
    """The API's ``/figures/<code>/<year>`` (PUT only: a GET answers 405)."""
    _records(world)
    return ["320302", "320303", "320300", "999999"]


def _years(world: Any, model: Any) -> list[str]:
    return [str(timezone.localdate().year - 1)]


def _imports(world: Any) -> dict[str, Any]:
    """Per county, a checked worker import whose file name carries 【WJ…】 (and a bad row)."""
    found = getattr(world, "worker_imports", None)
    if found is not None:
        return found
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role
    from shequ.workforce.actions import imports

    township = Role.objects.get(code="township_staff")
    found = {}
    with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=tmp):
        for serial, (county, community_code) in enumerate(PLACES.items(), start=950):
            community = world.regions[community_code]
            mark = f"【WJ{county}】"
            world.all_tokens[mark] = community.path
            importer = accounts.create_staff_user(
                username=f"worker-importer-{county}", full_name="社工导入员", password=None
            )
            accounts.assign_role(user=importer, role=township, region=community.parent)
            content = (
                "社区代码,姓名,身份证号,岗位\n"
                f"{community_code},李娜,{id_number(serial=serial, area=county)},两委委员\n"
                f"{community_code},,123,不是岗位\n"
            )
            job = imports.start_import(
                file=SimpleUploadedFile(f"{mark}.csv", content.encode()),
                by=importer,
                region=community,
            )
            imports.run_check(job_id=job.pk)
            found[county] = job
    world.worker_imports = found
    return found


def _worker_import_ids(world: Any, model: Any) -> list[str]:
    return [str(job.pk) for job in _imports(world).values()] + [NOWHERE]


PROVIDERS = {
    "worker_import_id": _worker_import_ids,
    "worker_id": _worker_ids,
    "worker_post_id": _worker_post_ids,
    "pay_year": _years,
    "figure_region_code": _figure_region_codes,
    "figure_year": _years,
}
