"""Test helpers for rights: a drama with rights in, and windows out granted through the services."""

from __future__ import annotations

import datetime as dt

from catalog.tests.factories import DramaFactory
from partners.tests.factories import LicensorFactory, OrganizationFactory
from rights.models import LicenceType, RightsWindow
from rights.services import rights_window_grant

UTC = dt.UTC
EPOCH = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(days: float) -> dt.datetime:
    """An instant `days` after 2026-01-01 00:00 UTC (negative: before)."""
    return EPOCH + dt.timedelta(days=days)


def drama_with_rights_in(
    *,
    territories: tuple[str, ...] = ("WW",),
    licence_types: tuple[str, ...] = tuple(LicenceType.values),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    **in_terms,
):
    """A drama whose owner granted the platform rights in (worldwide, every licence type, open by default)."""
    licensor = in_terms.pop("licensor", None) or LicensorFactory()
    drama = DramaFactory(owner=licensor)
    for licence_type in licence_types:
        rights_window_grant(
            drama=drama,
            licensee=licensor,
            direction="in",
            territories=list(territories),
            licence_type=licence_type,
            start=start or at(-3650),
            end=end,
            **in_terms,
        )
    return drama


def grant_out(drama, licensee=None, **kwargs) -> RightsWindow:
    kwargs.setdefault("territories", ["TH"])
    kwargs.setdefault("licence_type", "AVOD")
    kwargs.setdefault("start", at(0))
    return rights_window_grant(drama=drama, licensee=licensee or OrganizationFactory(), **kwargs)
