"""`Authorization: Api-Key <key>`: resolves the tenant once, for every view (request.tenant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from rest_framework import authentication, exceptions

from partners.models import ApiKey, Organization
from partners.selectors import api_key_by_raw_key
from partners.services import api_key_touch

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

KEYWORD = "Api-Key"


@dataclass
class ApiClient:
    """The authenticated caller of the API: an organization acting through one of its keys."""

    organization: Organization
    api_key: ApiKey
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False

    @property
    def pk(self) -> str:
        return f"apikey:{self.api_key.pk}"

    def __str__(self) -> str:
        return f"{self.organization.slug} via {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw_key = header.partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed("No API key given after 'Api-Key'.")
        api_key = api_key_by_raw_key(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if api_key.is_revoked:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if api_key.is_expired():
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not api_key.organization.is_active:
            raise exceptions.AuthenticationFailed("This organization is suspended.")
        api_key_touch(api_key=api_key)
        client = ApiClient(organization=api_key.organization, api_key=api_key, scopes=frozenset(api_key.scopes))
        # The tenant is resolved here, once; views read request.tenant.
        request._request.tenant = api_key.organization
        request.tenant = api_key.organization
        return client, api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD


# Who made a change, as the rights audit records it: a person signed in to the admin or the API (the
# admin's request.user may in principle be anonymous), an organization through one of its API keys, a
# label naming a process ("import_avails file.xml", "seed_demo"), or None for the system itself.
Actor: TypeAlias = "User | AnonymousUser | ApiClient | str | None"
