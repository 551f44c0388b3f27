from __future__ import annotations

from celery import shared_task

from rcm import jobs


@shared_task(name="rcm.tasks.job_run", ignore_result=True)
def job_run(job_id: int) -> None:
    """Run one job by id; a second delivery of the same message finds it claimed and does nothing."""
    jobs.job_execute(job_id)


@shared_task(name="rcm.tasks.jobs_sweep", ignore_result=True)
def jobs_sweep() -> int:
    return jobs.jobs_sweep()
