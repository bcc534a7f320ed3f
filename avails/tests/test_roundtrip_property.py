"""Any window the platform can hold survives export and import unchanged, in both formats."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avails.exporters import (
    EXPORT_TEMPLATE_VERSIONS,
    EXPORT_XML_VERSIONS,
    TEMPLATE_VERSION,
    XML_VERSION,
    avails_xlsx_for,
    avails_xml_for,
)
from avails.services import avails_import
from rights.models import LicenceType, RightsWindow
from rights.services import rights_window_revoke, rights_window_snapshot
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db

COUNTRIES = ["TH", "SG", "MY", "VN", "PH", "ID", "HK", "TW", "JP", "KR", "AE", "SA"]
LANGUAGES = ["en", "th", "zh-Hans", "zh-Hant-HK", "yue", "ko", "ar", "es-419"]
TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=0, max_size=20)


@st.composite
def window_terms(draw):
    territories = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=5, unique=True))
    exclusions = draw(st.lists(st.sampled_from(territories), max_size=len(territories) - 1, unique=True))
    start = at(0) + dt.timedelta(seconds=draw(st.integers(0, 3 * 365 * 86400)))
    end = draw(st.one_of(st.none(), st.integers(1, 2 * 365 * 86400).map(lambda s: start + dt.timedelta(seconds=s))))
    first = draw(st.one_of(st.none(), st.integers(1, 40)))
    last = draw(st.one_of(st.none(), st.integers(first or 1, 60)))
    price = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)))
    return {
        "territories": territories,
        "territory_exclusions": exclusions,
        "licence_type": draw(st.sampled_from(LicenceType.values)),
        "start": start,
        "end": end,
        "exclusive": draw(st.booleans()),
        "episode_start": first,
        "episode_end": last,
        "audio_languages": draw(st.lists(st.sampled_from(LANGUAGES), max_size=3, unique=True)),
        "subtitle_languages": draw(st.lists(st.sampled_from(LANGUAGES), max_size=4, unique=True)),
        "holdback_languages": draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True)),
        "unlock_price": price,
        "currency": draw(st.sampled_from(["USD", "THB", "SGD"])) if price is not None else "",
        "free_episode_count": draw(st.one_of(st.none(), st.integers(0, 30))),
        "status": draw(st.sampled_from(["pending", "approved"])),
        "contract_id": draw(TEXT),
        "alid": draw(st.one_of(st.just(""), TEXT.filter(bool).map(lambda s: f"md:alid:org:partner:{s}"))),
    }


# Every version is written; the default ones (what the API and the admin serve) get the most examples.
VERSIONS = [(avails_xml_for, v, 25 if v == XML_VERSION else 6) for v in EXPORT_XML_VERSIONS] + [
    (avails_xlsx_for, v, 25 if v == TEMPLATE_VERSION else 6) for v in EXPORT_TEMPLATE_VERSIONS
]


@pytest.mark.parametrize(
    ("export", "version", "examples"), VERSIONS, ids=[f"{e.__name__[11:]}-{v}" for e, v, _ in VERSIONS]
)
def test_any_window_round_trips_without_changes(partner, export, version, examples):
    drama = drama_with_rights_in()

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(terms=window_terms())
    def round_trip(terms):
        window = grant_out(drama, partner, **terms)
        before = rights_window_snapshot(window)
        data = export(RightsWindow.objects.filter(pk=window.pk), version=version)
        report = avails_import(data=data, source="roundtrip")
        try:
            assert report.errors == [], [str(p) for p in report.errors]
            assert [(o.action, o.window_id) for o in report.outcomes] == [("unchanged", window.pk)]
            window.refresh_from_db()
            assert rights_window_snapshot(window) == before
        finally:
            rights_window_revoke(window=window)  # out of the way of the next example's overlap checks

    round_trip()
