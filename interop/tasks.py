"""Batch work of the interop app: files uploaded or dropped in a folder are processed by a job.

Each message was stored before the job was enqueued; processing one is idempotent (a processed message
answers with its stored acknowledgement), so a job the sweeper re-sends does no harm.
"""

from __future__ import annotations

from typing import Any

from interop.models import Format, InboundMessage
from rcm.jobs import job_handler, job_progress
from rcm.models import Job


@job_handler("interop.import")
def import_messages(job: Job) -> dict[str, Any]:
    from interop.services.fhir import fhir_message_process
    from interop.services.messages import message_process

    ids = [int(i) for i in job.params.get("message_ids", [])]
    user = job.created_by
    job_progress(job, done=0, total=len(ids))
    for n, message_id in enumerate(ids, start=1):
        message = InboundMessage.objects.only("format").get(pk=message_id, practice_id=job.practice_id)
        if message.format == Format.FHIR:
            fhir_message_process(message_id=message_id, user=user)
        else:
            message_process(message_id=message_id, user=user)
        if n % 10 == 0 or n == len(ids):
            job_progress(job, done=n)
    statuses = dict.fromkeys(InboundMessage.Status.values, 0)
    for status in InboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True):
        statuses[status] += 1
    return {"messages": len(ids), **{k: v for k, v in statuses.items() if v}}
