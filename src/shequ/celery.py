"""The Celery application. Configured from Django settings named ``CELERY_*``.

Without a broker (``CELERY_BROKER_URL`` empty) ``CELERY_TASK_ALWAYS_EAGER`` is on: ``enqueue`` runs
tasks inline after commit and ``shequ serve`` runs the periodic jobs itself (``shequ.core.scheduler``).
With one: ``celery -A shequ.celery worker`` and ``celery -A shequ.celery beat``.
"""

from __future__ import annotations

import os

from celery import Celery

from shequ.schedule import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")

app = Celery("shequ")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = beat_schedule()
