"""Whole pages for a signed-in township member, through ``django.test.Client`` and every middleware.

Data: the bundled Xuzhou territory plus the demo at scale 1.0; static files collected into the
temporary var dir (the manifest storage needs them, as ``shequ setup`` does in real use). The user is a
township_staff member at the township with the most demo buildings, signed in with ``force_login``.

Figures: GET ``/`` (console home), ``/territory/`` (browser), ``/territory/<township>/`` (detail) and
``/api/v1/territory/regions/<township>/children``, each against the floor of a bare view returning
``HttpResponse("ok")``, mounted on a throwaway URLconf (``override_settings(ROOT_URLCONF=...)``) and
requested through the same client, session and middleware stack. The number of SQL queries per page is
counted with ``CaptureQueriesContext``. A page that does not resolve yet, or does not answer 200, is
skipped with a note rather than failing the run.
Run: ``.venv/bin/python bench/bench_pages.py``.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

_common.setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import Resolver404, path, resolve  # noqa: E402

REPEAT = 25
FLOOR_PATH = "/__bench_floor__/"


def floor_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def throwaway_urlconf() -> str:
    """The project's URLs with the bare floor view in front, as a module made here."""
    import shequ.urls as project_urls

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [path(FLOOR_PATH.strip("/") + "/", floor_view), *project_urls.urlpatterns]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        if hasattr(project_urls, name):
            setattr(module, name, getattr(project_urls, name))
    sys.modules[module.__name__] = module
    return module.__name__


def main() -> None:
    _common.header("bench_pages: whole pages through the test client")
    _common.load_territory()
    report = _common.load_demo(scale=1.0)
    call_command("collectstatic", interactive=False, verbosity=0)
    township, township_n, _county, _county_n = _common.busiest_regions()
    user = _common.staff_user("bench_pages", "township_staff", region=township)
    print(
        f"data volume: {report.counts['buildings']} buildings, {report.counts['grids']} grids "
        f"(demo scale 1.0); user: township_staff at {township.code} {township.name} "
        f"({township.children.count()} communities, {township_n} buildings)"
    )
    pages = [
        ("console home /", "/"),
        ("territory browser", "/territory/"),
        ("township detail", f"/territory/{township.code}/"),
        ("API children", f"/api/v1/territory/regions/{township.code}/children"),
    ]

    rows = []
    floor_count = 0
    with override_settings(ROOT_URLCONF=throwaway_urlconf()):
        client = Client()
        client.force_login(user)

        def get(url: str):
            return client.get(url)

        floor_response = get(FLOOR_PATH)
        assert floor_response.status_code == 200 and floor_response.content == b"ok"
        with CaptureQueriesContext(connection) as floor_queries:
            get(FLOOR_PATH)
        floor_count = len(floor_queries)  # read now: the next request clears the query log
        print(f"floor {FLOOR_PATH}: {floor_count} SQL queries (loaded by the middleware)")
        for query in floor_queries.captured_queries:
            print("    " + query["sql"][:110])
        counts = {}
        for name, url in pages:
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                print(f"SKIPPED {name} {url}: no such URL yet")
                continue
            try:
                response = get(url)
            except Exception as exc:  # a page being built right now may still break
                print(f"SKIPPED {name} {url}: raised {type(exc).__name__}: {exc}")
                continue
            if response.status_code != 200:
                print(f"SKIPPED {name} {url}: answered {response.status_code}, not 200")
                continue
            with CaptureQueriesContext(connection) as captured:
                get(url)
            counts[name] = len(captured)
            slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
            print(f"{name}: {len(captured)} queries; slowest {slowest['time']} s: "
                  f"{slowest['sql'][:160]}")  # fmt: skip
            size = len(response.content)
            rows.append(
                _common.compare(
                    f"GET {name} ({len(captured)} queries)",
                    lambda url=url: get(url),
                    lambda: get(FLOOR_PATH),
                    floor_name=f"bare HttpResponse('ok') view, same client and middleware, "
                    f"{floor_count} queries",
                    repeat=REPEAT,
                    warmup=3,
                    extra=f"{size} bytes",
                )
            )
    _common.print_table(rows, "bench_pages")
    print()
    print("queries per page: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    print(f"queries for the floor: {floor_count}")
    connection.close()


if __name__ == "__main__":
    main()
