"""Gunicorn, embedded: ``shequ serve`` runs the WSGI app with production settings of the server."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from shequ.wsgi import application

        return application


def serve(*, bind: str, workers: int) -> None:
    _Server(
        {
            "bind": bind,
            "workers": max(1, workers),
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            # No query strings in the access log: search terms may be personal.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
            "limit_request_line": 8190,
            "forwarded_allow_ips": "127.0.0.1",
        }
    ).run()
