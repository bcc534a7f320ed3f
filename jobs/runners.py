"""How each kind of job is (re)started: apps register an enqueue function per job kind.

The admin's re-run action and services call `job_enqueue(job)`; the app that owns the kind
decides which task and queue run it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from jobs.models import Job

_ENQUEUERS: dict[str, Callable[[Job], None]] = {}


def job_runner_register(kind: str, enqueue: Callable[[Job], None]) -> None:
    _ENQUEUERS[kind] = enqueue


def job_can_rerun(job: Job) -> bool:
    return job.kind in _ENQUEUERS


def job_enqueue(job: Job) -> None:
    """Send the job's task after the surrounding transaction commits (never before its row exists)."""
    enqueue = _ENQUEUERS[job.kind]
    transaction.on_commit(lambda: enqueue(job))
