"""GET/POST/PATCH /api/v1/rights-windows/ for licensors' and rights managers' systems.

Callers: an organization's API key (scope rights:read to read; rights:write and a licensor to
write), or a staff user's session with the rights model permissions. A partner or operator reads
only the windows it holds; a licensor those on its dramas; staff everything.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission, OperandHolder, SingleOperandHolder
from rest_framework.response import Response

from catalog.models import Drama
from migu_platform.api.conditional import PartnerCursorPagination
from partners.authentication import ApiClient, ApiKeyAuthentication
from partners.models import ApiKeyScope, OrganizationKind
from rights.api.filters import RightsWindowFilterSet
from rights.api.serializers import RightsWindowCreateSerializer, RightsWindowSerializer, RightsWindowUpdateSerializer
from rights.models import RightsDirection, RightsStatus, RightsWindow
from rights.selectors import rights_windows_of
from rights.services import rights_window_grant, rights_window_revoke, rights_window_update

READ_METHODS = ("GET", "HEAD", "OPTIONS")
STAFF_PERMISSIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PATCH": "change"}


def _is_staff(user) -> bool:
    return not isinstance(user, ApiClient) and bool(user and user.is_authenticated and user.is_staff)


class RightsWindowAccess(BasePermission):
    """Keys: rights:read (or rights:write) to read; rights:write from a licensor to write. Staff: model perms."""

    message = "These credentials may not do this with rights windows."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ApiClient):
            if request.method in READ_METHODS:
                if not user.scopes & {ApiKeyScope.RIGHTS_READ.value, ApiKeyScope.RIGHTS_WRITE.value}:
                    self.message = "This API key lacks the scope(s): rights:read."
                    return False
                return True
            if ApiKeyScope.RIGHTS_WRITE.value not in user.scopes:
                self.message = "This API key lacks the scope(s): rights:write."
                return False
            if user.organization.kind != OrganizationKind.LICENSOR:
                self.message = "Only licensors and rights managers grant or change rights windows."
                return False
            return True
        if _is_staff(user):
            action = STAFF_PERMISSIONS.get(request.method)
            return bool(action) and user.has_perm(f"rights.{action}_rightswindow")
        return False


class RightsWindowPagination(PartnerCursorPagination):
    ordering = ("-id",)
    page_size = 100
    max_page_size = 500


class _RightsWindowViewMixin:
    authentication_classes: Sequence[type[BaseAuthentication]] = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes: Sequence[type[BasePermission] | OperandHolder | SingleOperandHolder] = [RightsWindowAccess]

    def windows(self):
        user = self.request.user
        if isinstance(user, ApiClient):
            queryset = rights_windows_of(organization=user.organization)
            if self.request.method not in READ_METHODS:
                # A licensor changes windows on its own dramas only (not ones it merely holds).
                queryset = queryset.filter(drama__owner=user.organization)
            return queryset
        return RightsWindow.objects.select_related("drama", "licensee", "channel").order_by("-id")

    def actor(self):
        return self.request.user


@extend_schema(tags=["rights"])
class RightsWindowListView(_RightsWindowViewMixin, generics.ListCreateAPIView):
    """List the caller's rights windows, or grant one."""

    serializer_class = RightsWindowSerializer
    pagination_class = RightsWindowPagination

    filterset_class = RightsWindowFilterSet

    def get_queryset(self):
        return self.windows()

    @extend_schema(operation_id="rights_windows_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RightsWindowCreateSerializer,
        responses={201: RightsWindowSerializer},
        operation_id="rights_windows_create",
        description="Errors: 400 `invalid` (see fields), 409 `rights_overlap` (names the conflicting window), "
        "409 `no_rights_in`.",
    )
    def post(self, request, *args, **kwargs):
        user = request.user
        if isinstance(user, ApiClient):
            dramas = Drama.objects.filter(owner=user.organization)
        else:
            dramas = Drama.objects.all()
        serializer = RightsWindowCreateSerializer(data=request.data, dramas=dramas)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if (
            isinstance(user, ApiClient)
            and data["direction"] == RightsDirection.IN
            and data["licensee"] != user.organization
        ):
            raise exceptions.ValidationError({"licensee": ["A licensor records rights in that it granted itself."]})
        window = rights_window_grant(actor=self.actor(), **data)
        window = self.windows().get(pk=window.pk) if isinstance(user, ApiClient) else window
        return Response(RightsWindowSerializer(window).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["rights"])
class RightsWindowDetailView(_RightsWindowViewMixin, generics.GenericAPIView):
    """One rights window (404 alike for missing and foreign ids); PATCH to change or revoke it."""

    serializer_class = RightsWindowSerializer

    def get_queryset(self):
        return self.windows()

    @extend_schema(operation_id="rights_windows_retrieve")
    def get(self, request, pk: int):
        return Response(RightsWindowSerializer(self.get_object()).data)

    @extend_schema(
        request=RightsWindowUpdateSerializer,
        responses={200: RightsWindowSerializer},
        operation_id="rights_windows_partial_update",
        description="Change terms; `status: revoked` withdraws the window. Errors as for POST, and 409 "
        "`invalid_state` for a revoked window.",
    )
    def patch(self, request, pk: int):
        window = self.get_object()
        serializer = RightsWindowUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        revoke = changes.get("status") == RightsStatus.REVOKED
        if revoke:
            changes.pop("status")
        with transaction.atomic():
            if changes:
                window = rights_window_update(window=window, actor=self.actor(), **changes)
            if revoke:
                window = rights_window_revoke(window=window, actor=self.actor())
        window = self.get_queryset().get(pk=window.pk)
        return Response(RightsWindowSerializer(window).data)
