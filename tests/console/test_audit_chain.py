"""The audit chain under concurrent writers, on SQLite and on PostgreSQL.

`make test` runs this file on both databases: SQLite serialises writers with
BEGIN IMMEDIATE, PostgreSQL with pg_advisory_xact_lock (console/audit.py).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console.audit import SYSTEM, record, verify_chain
from console.models import AuditEvent

WRITERS = 4
EVENTS_EACH = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            barrier.wait()
            for index in range(EVENTS_EACH):
                record(SYSTEM, "test.concurrent", target_name=f"{writer}-{index}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert AuditEvent.objects.count() == WRITERS * EVENTS_EACH
    assert verify_chain() is None
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two events share a parent


@pytest.mark.django_db
def test_the_chain_is_locked_the_way_the_database_needs():
    with CaptureQueriesContext(connection) as queries:
        record(SYSTEM, "test.lock")
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    if connection.vendor == "postgresql":
        assert "pg_advisory_xact_lock" in sql
    else:
        assert connection.vendor == "sqlite"
        assert "pg_advisory" not in sql
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
