"""``shequ setup``: bring a database and static files up to date, and load what an empty one needs.

Fast on later runs: migrations are checked, static files are collected only when they changed, the
territory and the demo are loaded only when absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings


def _static_fingerprint() -> str:
    digest = hashlib.sha256()
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    from django.apps import apps

    roots += [Path(c.path) / "static" for c in apps.get_app_configs()]
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def collect_static(call_command: Callable[..., Any]) -> bool:
    stamp = Path(settings.STATIC_ROOT) / ".shequ-stamp"
    fingerprint = _static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    stamp.write_text(fingerprint)
    return True


def run(
    call_command: Callable[..., Any], *, with_demo: bool = True, accounts_file: str = ""
) -> int:
    from shequ.territory.models import Region

    print("· 数据库迁移 / migrating the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if collect_static(call_command):
        print("· 静态文件已收集 / static files collected", flush=True)
    if not Region.objects.exists():
        print("· 载入行政区划 / loading the territory …", flush=True)
        call_command("load_territory")
    from shequ.indicators.actions.targets import load_default_targets
    from shequ.indicators.models import IndicatorTarget
    from shequ.territory.models import Level

    city = Region.objects.filter(level=Level.CITY).first()
    if city is not None and not IndicatorTarget.objects.exists():
        print("· 载入规划指标目标 / loading the plan's indicator targets …", flush=True)
        load_default_targets(city)
    if with_demo:
        options: dict[str, Any] = {}
        if accounts_file:
            options["accounts_file"] = accounts_file
        call_command("demo", **options)
    from shequ.core.maintenance import optimize_database

    optimize_database()
    return 0
