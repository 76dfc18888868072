"""The ``shequ`` command: run, set up and operate the platform.

shequ setup                 migrate, collect static files, load the territory and demo if empty
shequ serve [--bind H:P] [--workers N]
shequ demo [--reset] [--scale X]
shequ load-territory FILE
shequ check                 deployment self-check
shequ open311-key create NAME [--region CODE] [--contact TEXT]
                            issue an Open311 key to a client system
shequ worker | beat         Celery worker / scheduler (when a broker is configured)
shequ manage ARGS…          any Django management command
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()


def _manage(args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequ manage", *args])


def cmd_setup(options: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    from shequ import provision

    return provision.run(
        call_command, with_demo=not options.no_demo, accounts_file=options.accounts_file
    )


def cmd_serve(options: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    from shequ import server

    scheduler = None
    if not settings.CELERY_BROKER_URL and not options.no_scheduler:
        # No broker: periodic jobs run in a sidecar process beside the web workers.
        scheduler = subprocess.Popen([sys.executable, "-m", "shequ.cli", "scheduler"])
    try:
        server.serve(bind=options.bind, workers=options.workers)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=10)
    return 0


def cmd_scheduler(options: argparse.Namespace) -> int:
    _django()
    import signal
    import threading

    from shequ.core import scheduler

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.run_forever(stop)
    return 0


def cmd_check(options: argparse.Namespace) -> int:
    _django()
    from shequ import selfcheck

    return selfcheck.run(sys.stdout)


def _celery(args: list[str]) -> int:
    _django()
    from shequ.celery import app

    app.start(argv=args)
    return 0


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        _manage(argv[1:])
        return
    if argv and argv[0] == "demo":
        _manage(["demo", *argv[1:]])
        return
    if argv and argv[0] == "load-territory":
        _manage(["load_territory", *argv[1:]])
        return
    if argv and argv[0] == "rotate-keys":
        _manage(["rotate_keys", *argv[1:]])
        return
    if argv and argv[0] == "open311-key":
        _manage(["open311_key", *argv[1:]])
        return
    if argv and argv[0] in ("worker", "beat"):
        sys.exit(_celery([argv[0], "--loglevel=INFO", *argv[1:]]))

    parser = argparse.ArgumentParser(
        prog="shequ", description="社区服务平台 / shequ community platform"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="migrate, collect static files, load territory and demo")
    p_setup.add_argument("--no-demo", action="store_true")
    p_setup.add_argument("--accounts-file", default="")
    p_setup.set_defaults(func=cmd_setup)
    p_serve = sub.add_parser("serve", help="serve with gunicorn")
    p_serve.add_argument("--bind", default=os.environ.get("SHEQU_BIND", "127.0.0.1:8000"))
    p_serve.add_argument("--workers", type=int, default=int(os.environ.get("SHEQU_WORKERS", "2")))
    p_serve.add_argument("--no-scheduler", action="store_true")
    p_serve.set_defaults(func=cmd_serve)
    p_sched = sub.add_parser("scheduler", help="run periodic jobs in-process (no broker)")
    p_sched.set_defaults(func=cmd_scheduler)
    p_check = sub.add_parser("check", help="deployment self-check")
    p_check.set_defaults(func=cmd_check)
    passed_through = ("manage", "demo", "load-territory", "rotate-keys", "open311-key")
    for name in (*passed_through, "worker", "beat"):
        sub.add_parser(name, help=f"see `shequ {name} --help`")
    options: Any = parser.parse_args(argv)
    sys.exit(options.func(options))


if __name__ == "__main__":
    main()
