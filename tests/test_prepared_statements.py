import pytest
from django.db import connection

from migu_platform.db import execute_prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %(b)s::int + %(a)s::int, %(a)s::text"


def prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def run(a, b):
    with connection.cursor() as cursor:
        execute_prepared(cursor, "migu_test_sum", SQL, {"a": a, "b": b})
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_a_statement_is_prepared_once_per_session_and_answers_with_each_call_s_values():
    assert run(1, 2) == (3, "1")
    assert "migu_test_sum" in prepared_here()
    assert run(40, 2) == (42, "40")

    connection.close()  # a new session starts with no prepared statements: prepared again
    assert "migu_test_sum" not in prepared_here()
    assert run(5, 5) == (10, "5")
    assert "migu_test_sum" in prepared_here()


def test_a_rolled_back_transaction_keeps_the_statement():
    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            assert run(1, 1) == (2, "1")
            raise RuntimeError

    assert run(2, 3) == (5, "2")


@pytest.mark.django_db(transaction=True)
def test_turned_off_it_runs_the_plain_query(settings):
    settings.MIGU_DB_PREPARED_STATEMENTS = False
    connection.close()

    assert run(1, 2) == (3, "1")
    assert "migu_test_sum" not in prepared_here()
