"""Fixtures for the coding tests: the shipped code sets, loaded once and kept committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from coding.codesets import codesets_cache_clear


def _load_committed() -> None:
    """Load the shipped code sets on a connection of their own, so they are committed (and survive each test's
    rollback) even when a transactional test flushed the database before."""
    from django.db import connection

    from coding.services.codesets import codesets_load_shipped

    errors: list[BaseException] = []

    def run() -> None:
        try:
            codesets_load_shipped()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


@pytest.fixture
def codesets(db: Any) -> Iterator[None]:
    """The code sets `load_codesets` ships (ICD-10-CM, our CPT labels, the HCPCS subset, modifiers)."""
    from coding.models import CodeSetVersion

    if CodeSetVersion.objects.filter(system="ICD10CM").count() == 0:
        _load_committed()
        codesets_cache_clear()
    codesets_cache_clear(indexes=False)  # versions a test created and rolled back must not linger
    yield
    codesets_cache_clear(indexes=False)
