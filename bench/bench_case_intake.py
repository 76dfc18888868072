"""Case intake through the API under concurrent load, on PostgreSQL, against the real server.

One run:

1. a throwaway PostgreSQL database (``shequ_bench_intake``), migrated, with a minimal territory (city →
   county → township → community), a community_staff member there (who receives the "new case"
   notice, as in real use) and an API token for them;
2. the server as production runs it: ``shequ serve`` (embedded gunicorn, ``gthread`` workers with 4
   threads each, ``--workers`` default 2 as ``SHEQU_WORKERS``), on a free local port, with the
   project's settings and every middleware. The settings module is the project's with one change: the
   URLconf puts two bare endpoints in front of the project's URLs —
   ``/__bench_floor__/``, a plain Django view returning the constant JSON ``{"ok": true}`` (the floor:
   the framework and the middleware stack, no database), and ``/__bench_api__/ping``, the same
   constant from a NinjaAPI with the project's ``TokenAuth`` (the floor plus the token lookup);
   ``/healthz`` (which runs ``SELECT 1``) is driven too, for reference;
3. from a second process (this script with ``--drive``), ``--clients`` concurrent clients (threads,
   each with its own keep-alive ``http.client`` connection) request each endpoint in turn for
   ``--seconds`` seconds per round, ``--rounds`` rounds interleaved (floor, ping, healthz, intake,
   floor, …) so that load from other jobs hits all of them alike. Intake is ``POST
   /api/v1/cases/cases`` with the bearer token and a fresh ``Idempotency-Key`` per request, a phone
   complaint with a requester name and phone (encrypted at rest), placed by community code.

Figures per endpoint: requests/s, p50 / p95 / p99 latency, errors; intake's throughput as a share of
the floor's. Goal (issue #4): intake ≥ 30 % of the floor's throughput, p95 < 100 ms at 32 clients.
The load generator runs on the same 2 cores as the server and takes its share of them.

Run: ``.venv/bin/python bench/bench_case_intake.py [--clients 32] [--seconds 10] [--rounds 3]
[--workers 2]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

FLOOR = "/__bench_floor__/"
PING = "/__bench_api__/ping"
HEALTH = "/healthz"
INTAKE = "/api/v1/cases/cases"
COMMUNITY = "320302001001"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, per endpoint, once")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SHEQU_WORKERS", "2")))
    parser.add_argument("--drive", metavar="PORT", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


# --- The load generator (the second process) ---------------------------------------------------


def _request(conn: http.client.HTTPConnection, name: str, token: str) -> int:
    if name == "intake":
        body = json.dumps(
            {
                "channel": "phone",
                "kind": "complaint",
                "category": "environment",
                "description": "小区门口垃圾堆积三天无人清运，请尽快处理。",
                "community_code": COMMUNITY,
                "requester_name": "王芳",
                "requester_phone": "13912345678",
            }
        ).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        conn.request("POST", INTAKE, body=body, headers=headers)
    else:
        path = {"floor": FLOOR, "ping": PING, "healthz": HEALTH}[name]
        headers = {"Authorization": f"Bearer {token}"} if name == "ping" else {}
        conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _run_phase(port: int, name: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    statuses: dict[int, int] = {}
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start_gate.wait()
        mine = latencies[i]
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline[0]:
                break
            try:
                status = _request(conn, name, token)
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
            if status >= 300:
                errors[i] += 1
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for per in latencies for x in per]
    return {"n": len(flat), "elapsed": elapsed, "latencies": flat, "errors": sum(errors),
            "statuses": statuses}  # fmt: skip


def drive(args: argparse.Namespace) -> None:
    token = os.environ["BENCH_TOKEN"]
    port = args.drive
    names = ["floor", "ping", "healthz", "intake"]
    for name in names:  # warm up every worker thread and connection
        _run_phase(port, name, token, args.clients, args.warmup)
    results: dict[str, dict[str, Any]] = {
        n: {"n": 0, "elapsed": 0.0, "latencies": [], "errors": 0, "rounds": []} for n in names
    }
    for _ in range(args.rounds):
        for name in names:
            got = _run_phase(port, name, token, args.clients, args.seconds)
            total = results[name]
            total["n"] += got["n"]
            total["elapsed"] += got["elapsed"]
            total["latencies"] += got["latencies"]
            total["errors"] += got["errors"]
            total["rounds"].append(got["n"] / got["elapsed"])
            if got["statuses"]:
                total.setdefault("statuses", {}).update(got["statuses"])
    json.dump(results, sys.stdout)


# --- The orchestrator (this process) -----------------------------------------------------------

URLS_MODULE = '''
"""The project's URLs behind two bare endpoints (bench_case_intake)."""
from django.http import JsonResponse
from django.urls import path
from ninja import NinjaAPI

from shequ.accounts.api_auth import TokenAuth
from shequ.urls import *  # noqa: F403
from shequ.urls import urlpatterns as project_urlpatterns

bench_api = NinjaAPI(auth=[TokenAuth()], urls_namespace="bench_api", docs_url=None)


@bench_api.get("/ping")
def ping(request):
    return {"ok": True}


def floor(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("__bench_floor__/", floor),
    path("__bench_api__/", bench_api.urls),
    *project_urlpatterns,
]
'''
SETTINGS_MODULE = """
from shequ.settings import *  # noqa: F403

ROOT_URLCONF = "bench_intake_urls"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", HEALTH)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not come up")


def territory() -> Any:
    from shequ.territory.models import Kind, Level, Region

    parent, path = None, ""
    for code, level, kind in (
        ("320300", Level.CITY, Kind.CITY),
        ("320302", Level.COUNTY, Kind.DISTRICT),
        ("320302001", Level.TOWNSHIP, Kind.SUBDISTRICT),
        (COMMUNITY, Level.COMMUNITY, Kind.URBAN_COMMUNITY),
    ):
        path += code + "/"
        parent = Region.objects.create(
            code=code, name=f"基准{code}", level=level, kind=kind, parent=parent, path=path,
            depth=path.count("/") - 1, is_urban=True,
        )  # fmt: skip
    return parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def orchestrate(args: argparse.Namespace) -> None:
    import _cases
    import _common

    _cases.setup_postgres("shequ_bench_intake")
    from django.db import connections

    from shequ.accounts import actions
    from shequ.cases.models import Case

    _common.header("bench_case_intake: case intake through the API under concurrent load")
    print(f"postgres settings: {_cases.pg_settings()}")
    community = territory()
    user = _common.staff_user("bench_desk", "community_staff", region=community)
    token = actions.create_api_token(user=user, name="bench").secret
    connections.close_all()

    modules = Path(tempfile.mkdtemp(prefix="shequ-bench-intake-"))
    (modules / "bench_intake_urls.py").write_text(URLS_MODULE)
    (modules / "bench_intake_settings.py").write_text(SETTINGS_MODULE)
    port = free_port()
    server_log = (modules / "server.log").open("wb")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(modules), str(_cases.PROJECT_DIR / "src")]),
        "DJANGO_SETTINGS_MODULE": "bench_intake_settings",
    }
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "shequ.cli", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--no-scheduler"],
        env=env, stdout=subprocess.DEVNULL, stderr=server_log, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_up(port)
        print(
            f"server: shequ serve, gunicorn gthread, {args.workers} workers × 4 threads, "
            f"127.0.0.1:{port}; load: {args.clients} clients (threads, keep-alive http.client) in a "
            f"second process; {args.rounds} rounds × {args.seconds:.0f} s per endpoint, interleaved, "
            f"after {args.warmup:.0f} s warm-up each"
        )
        driver = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--drive", str(port), "--clients", str(args.clients),
             "--seconds", str(args.seconds), "--rounds", str(args.rounds),
             "--warmup", str(args.warmup)],
            env={**os.environ, "BENCH_TOKEN": token}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if driver.returncode != 0:
            print(driver.stderr)
            raise SystemExit("the load generator failed")
        results = json.loads(driver.stdout)
    except BaseException:
        print((modules / "server.log").read_text()[-3000:])
        raise
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    labels = {
        "floor": "floor: bare Django view, constant JSON, all middleware",
        "ping": "NinjaAPI constant JSON + TokenAuth",
        "healthz": "/healthz (SELECT 1)",
        "intake": "POST /api/v1/cases/cases (Idempotency-Key)",
    }
    print()
    print("## bench_case_intake")
    print("endpoint | req/s (per round) | p50 | p95 | p99 | requests | errors")
    rates = {}
    for name, got in results.items():
        rate = got["n"] / got["elapsed"] if got["elapsed"] else 0.0
        rates[name] = rate
        lat = got["latencies"]
        per_round = ", ".join(f"{r:.0f}" for r in got["rounds"])
        print(
            f"{labels[name]} | {rate:.1f} ({per_round}) | "
            f"{_common.fmt_time(statistics.median(lat))} | {_common.fmt_time(percentile(lat, 0.95))} | "
            f"{_common.fmt_time(percentile(lat, 0.99))} | {got['n']:,} | {got['errors']}"
            + (f" {got['statuses']}" if got.get("statuses") else "")
        )
    intake = results["intake"]
    made = Case.objects.count()
    ratio = rates["intake"] / rates["floor"] if rates["floor"] else 0.0
    p95 = percentile(intake["latencies"], 0.95)
    print(
        f"cases in the database: {made:,} (warm-up included; every 2xx made one); "
        f"intake / floor throughput: {ratio:.1%}; intake / token ping: "
        f"{rates['intake'] / rates['ping']:.1%}"
    )
    print(
        f"goal intake ≥ 30 % of the floor: {'met' if ratio >= 0.30 else 'MISSED'}; "
        f"goal p95 < 100 ms at {args.clients} clients: {'met' if p95 < 0.100 else 'MISSED'} "
        f"({_common.fmt_time(p95)}); load average now {_common.load_average()}"
    )


def main() -> None:
    args = parse_args()
    if args.drive:
        drive(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
