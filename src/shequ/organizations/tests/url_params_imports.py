"""URL parameter values for the every-URL-every-role test: the social organisation and service
provider import pages.

Per county (320302 and 320303): a checked import of each kind, uploaded by a county official there,
whose file name carries the sentinel 【OI…】 or 【PI…】 (the import history and job pages show file
names); the uploads live in a directory removed at once, as a finished job's would be. Plus ids that
do not exist.
"""

from __future__ import annotations

from typing import Any

NOWHERE = "999999"
COUNTIES = ("320302", "320303")


def _jobs(world: Any) -> dict[str, dict[str, Any]]:
    found = getattr(world, "organization_imports", None)
    if found is not None:
        return found
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role
    from shequ.organizations.actions import imports

    official = Role.objects.get(code="county_official")
    found = {}
    with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=tmp):
        for county in COUNTIES:
            region = world.regions[county]
            importer = accounts.create_staff_user(
                username=f"org-importer-{county}", full_name="组织导入员", password=None
            )
            accounts.assign_role(user=importer, role=official, region=region)
            jobs: dict[str, Any] = {}
            for kind, importer_of, content in (
                (
                    "org",
                    imports.ORG_IMPORTER,
                    "所在地代码,组织名称,组织类型,登记备案,备案编号\n"
                    f"{county}001001,邻里互助会,邻里互助类,备案,备-001\n"
                    f"{county}001001,,不是类型,备案,\n",
                ),
                (
                    "provider",
                    imports.PROVIDER_IMPORTER,
                    "登记地区代码,服务类型,名称,统一社会信用代码\n"
                    f"{county},养老服务,颐康养老,91{county}000000001X\n",
                ),
            ):
                sentinel = f"【{'OI' if kind == 'org' else 'PI'}{county}】"
                world.all_tokens[sentinel] = region.path
                job = importer_of.start_import(
                    file=SimpleUploadedFile(f"{sentinel}.csv", content.encode()),
                    by=importer,
                    region=region,
                )
                importer_of.run_check(job_id=job.pk)
                jobs[kind] = job
            found[county] = jobs
    world.organization_imports = found
    return found


def _org_import_ids(world: Any, model: Any) -> list[str]:
    return [str(jobs["org"].pk) for jobs in _jobs(world).values()] + [NOWHERE]


def _provider_import_ids(world: Any, model: Any) -> list[str]:
    return [str(jobs["provider"].pk) for jobs in _jobs(world).values()] + [NOWHERE]


PROVIDERS: dict[str, Any] = {
    "org_import_id": _org_import_ids,
    "provider_import_id": _provider_import_ids,
}
