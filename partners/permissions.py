"""API permissions: a tenant must be resolved; views may also require scopes and kinds."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from partners.authentication import ApiClient


class IsTenant(BasePermission):
    """The caller authenticated with an organization's API key."""

    message = "Authenticate with 'Authorization: Api-Key <key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ApiClient)


class HasScope(BasePermission):
    """The key carries every scope the view lists in `required_scopes` (per method if a dict)."""

    message = "This API key lacks the scope this endpoint requires."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.user, ApiClient):
            return False
        required: Any = getattr(view, "required_scopes", ())  # scopes, or scopes per method
        if isinstance(required, dict):
            required = required.get(request.method, required.get("*", ()))
        missing = set(required) - request.user.scopes
        if missing:
            self.message = f"This API key lacks the scope(s): {', '.join(sorted(missing))}."
            return False
        return True
