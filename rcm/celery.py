"""The Celery app and the whole beat schedule, in one place."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcm.settings")

app = Celery("rcm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. Each entry names a task that is idempotent and safe to run late or twice.
app.conf.beat_schedule = {
    "sweep-stuck-jobs": {"task": "rcm.tasks.jobs_sweep", "schedule": 300.0},
    "payments-era-inbox": {"task": "payments.tasks.era_inbox_scan", "schedule": 300.0},
    "payments-charges-sync": {"task": "payments.tasks.charges_sync", "schedule": 600.0},
}
