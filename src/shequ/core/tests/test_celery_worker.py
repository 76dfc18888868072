"""A real Celery worker (`shequ worker`) on a real Redis broker picks up our tasks.

Skipped when no Redis answers on 127.0.0.1:6379, except in CI, where Redis is part of the machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import pytest
from celery import Celery

REDIS = "redis://127.0.0.1:6379/14"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_worker_runs_tasks_from_the_broker(tmp_path) -> None:
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must be running in CI (127.0.0.1:6379)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS,
        "CELERY_RESULT_BACKEND": REDIS,
        "SHEQU_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "shequ.test_settings",
    }
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "shequ.cli",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Celery("test-client", broker=REDIS, backend=REDIS)
    try:
        result = client.send_task("shequ.core.tasks.ping", queue=queue)
        assert result.get(timeout=90) == "pong"
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "shequ.core.tasks.ping" in output, "the worker should list our tasks at start-up"
