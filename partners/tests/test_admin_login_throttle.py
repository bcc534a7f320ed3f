"""The admin sign-in is throttled per account and per address, without telling whether an account exists."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):
    # Counters live in Redis beyond a test's transaction: each test signs in with names of its own.
    return User.objects.create_user(
        f"editor-{uuid.uuid4().hex[:8]}", password="right-horse-battery-staple", is_staff=True
    )


def address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def sign_in(client: Client, username: str, password: str, address: str | None = None):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address or client.address)


def new_client() -> Client:
    client = Client()
    client.address = address()
    return client


def test_the_right_password_is_refused_after_too_many_wrong_ones(staff, settings):
    settings.MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT = 5
    client = new_client()
    for _ in range(5):
        assert sign_in(client, staff.username, "wrong").status_code == 200  # the form again, with its error

    response = sign_in(client, staff.username, "right-horse-battery-staple")

    assert response.status_code == 200
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_wrong_passwords_do_not_lock_the_right_one_out(staff, settings):
    settings.MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT = 5
    client = new_client()
    for _ in range(3):
        sign_in(client, staff.username, "wrong")

    response = sign_in(client, staff.username, "right-horse-battery-staple")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_an_unknown_account_is_refused_in_the_same_words(staff, settings):
    settings.MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT = 2
    pages = {}
    unknown = f"nobody-{uuid.uuid4().hex[:8]}"
    for username in (staff.username, unknown):
        client = new_client()
        for _ in range(3):
            response = sign_in(client, username, "wrong")
        page = response.content.decode().replace(username, "USER")
        pages[username] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert "Too many sign-in attempts" in pages[staff.username]
    assert pages[staff.username] == pages[unknown]


def test_one_address_is_throttled_across_accounts(staff, settings):
    settings.MIGU_LOGIN_ATTEMPTS_PER_ADDRESS = 4
    client = new_client()
    for number in range(4):
        sign_in(client, f"guess-{number}-{uuid.uuid4().hex[:6]}", "wrong")

    blocked = sign_in(client, staff.username, "right-horse-battery-staple")
    elsewhere = sign_in(new_client(), staff.username, "right-horse-battery-staple")

    assert "Too many sign-in attempts" in blocked.content.decode()
    assert elsewhere.status_code == 302
