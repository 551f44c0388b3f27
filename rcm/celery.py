"""The Celery app and the whole beat schedule, in one place."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcm.settings")

app = Celery("rcm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. Each entry names a task that is idempotent and safe to run late or twice.
app.conf.beat_schedule = {
    "sweep-stuck-jobs": {"task": "rcm.tasks.jobs_sweep", "schedule": 300.0},
    "payments-era-inbox": {"task": "payments.tasks.era_inbox_scan", "schedule": 300.0},
    "payments-charges-sync": {"task": "payments.tasks.charges_sync", "schedule": 600.0},
    "reports-summaries-refresh": {"task": "reports.tasks.summaries_refresh_due", "schedule": 900.0},
    # Clearinghouse: send queued claims, fetch answers, re-send submissions whose worker died, ask about
    # claims with no answer (276, daily), and check tomorrow's patients' eligibility (270, evenings).
    "claims-submit": {"task": "claims.tasks.submit_all", "schedule": 900.0},
    "claims-poll": {"task": "claims.tasks.poll_all", "schedule": 600.0},
    "claims-submissions-sweep": {"task": "claims.tasks.submissions_sweep", "schedule": 300.0},
    "claims-status-followup": {"task": "claims.tasks.status_followup_all", "schedule": crontab(hour=6, minute=30)},
    "claims-eligibility-tomorrow": {"task": "claims.tasks.eligibility_tomorrow", "schedule": crontab(hour=18, minute=0)},
}
