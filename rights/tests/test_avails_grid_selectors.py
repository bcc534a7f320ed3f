"""The avails grid as a seller reads it: what is sold, what is still available, what was never acquired."""

import datetime as dt

import pytest
from django.utils import timezone

from partners.tests.factories import OrganizationFactory
from rights.selectors import rights_avails_grid
from rights.services import rights_window_revoke
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)


def cells(grid, territory):
    (row,) = [row for row in grid.rows if row.territory == territory]
    return row.cells


def states(grid, territory):
    return [cell.state for cell in cells(grid, territory)]


def test_every_territory_acquired_is_a_row_and_unsold_cells_are_available():
    # given rights in for South-East Asia and nothing sold
    drama = drama_with_rights_in(territories=("SEA",), licence_types=("AVOD",))

    # when the grid is read
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=3)

    # then every country of the region group is a row, by code and name, and every cell is available inventory
    assert [row.territory for row in grid.rows] == sorted(
        ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"]
    )
    assert {row.territory: row.name for row in grid.rows}["VN"] == "Vietnam"
    assert states(grid, "TH") == ["available"] * 3
    january = cells(grid, "TH")[0]
    assert january.exclusive_available and january.available_types == ["AVOD"] and january.sales == []


def test_an_exclusive_sale_makes_the_cell_sold_and_names_the_licensee():
    # given an exclusive AVOD sale in Thailand for January and February
    drama = drama_with_rights_in(territories=("TH", "SG"), licence_types=("AVOD",))
    buyer = OrganizationFactory(name="StreamAsia")
    window = grant_out(drama, buyer, territories=["TH"], exclusive=True, start=at(0), end=at(59), contract_id="C-7")

    # when the grid is read
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=3)

    # then Thailand is sold in January and February, available again in March; Singapore stays available
    assert states(grid, "TH") == ["sold", "sold", "available"]
    assert states(grid, "SG") == ["available"] * 3
    (sale,) = cells(grid, "TH")[0].sales
    assert sale.window == window
    assert sale.label == "StreamAsia · AVOD · exclusive · 2026-01-01 → 2026-03-01 · contract C-7"


def test_an_exclusive_sale_ending_within_a_month_leaves_the_rest_of_it_available():
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    grant_out(drama, territories=["TH"], exclusive=True, start=at(0), end=at(15))

    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1)

    (january,) = cells(grid, "TH")
    assert january.state == "sold_available" and january.exclusive_available


def test_a_non_exclusive_sale_shows_sold_and_still_available_for_non_exclusive_sales():
    # given a non-exclusive AVOD sale in Thailand, open-ended
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    window = grant_out(drama, territories=["TH"], exclusive=False, start=at(0), end=None)

    # when the grid is read
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=2)

    # then each month shows the sale and remains available, for non-exclusive sales only
    assert states(grid, "TH") == ["sold_available", "sold_available"]
    january = cells(grid, "TH")[0]
    assert [sale.window for sale in january.sales] == [window]
    assert january.available_types == ["AVOD"] and january.non_exclusive_only_types == ["AVOD"]
    assert not january.exclusive_available


def test_an_exclusive_sale_of_some_episodes_leaves_the_territory_available():
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    grant_out(drama, territories=["TH"], exclusive=True, start=at(0), end=None, episode_start=1, episode_end=10)

    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1)

    assert states(grid, "TH") == ["sold_available"]


def test_months_and_licence_types_outside_the_rights_in_are_not_acquired():
    # given rights in for AVOD in Thailand in January and February only
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",), start=at(0), end=at(59))

    # when the grid is read for all licence types, and for SVOD
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=3)
    svod = rights_avails_grid(drama=drama, month=JANUARY, months=3, licence_type="SVOD")

    # then March is not acquired, and nothing is acquired for SVOD
    assert states(grid, "TH") == ["available", "available", "not_acquired"]
    assert svod.rows == []


def test_only_the_dramas_own_windows_show():
    # given two dramas of one licensor, acquired in different territories, the other one sold
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    other = drama_with_rights_in(territories=("SG",), licence_types=("AVOD",), licensor=drama.owner)
    grant_out(other, territories=["SG"], exclusive=True, end=None)

    # when the first drama's grid is read
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1)

    # then only its territory shows, unsold
    assert [row.territory for row in grid.rows] == ["TH"]
    assert states(grid, "TH") == ["available"]


def test_language_holdbacks_and_territory_exclusions_of_the_rights_in_are_shown():
    # given rights in for South-East Asia except Singapore, with Korean held back
    drama = drama_with_rights_in(
        territories=("SEA",), licence_types=("AVOD",), territory_exclusions=["SG"], holdback_languages=["ko"]
    )

    # when the grid is read
    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1)

    # then Thailand is available with Korean held back, and Singapore is a row, held back by the rights in
    (thailand,) = cells(grid, "TH")
    assert thailand.state == "available" and thailand.holdback_languages == ["ko"]
    (singapore,) = cells(grid, "SG")
    assert singapore.state == "held_back"
    assert [window.direction for window in singapore.excluded_by] == ["in"]
    (rights_in,) = grid.windows_in
    assert rights_in.excluded == [("SG", "Singapore")]


def test_revoked_sales_free_the_territory_and_pending_ones_hold_it():
    drama = drama_with_rights_in(territories=("TH", "SG"), licence_types=("AVOD",))
    rights_window_revoke(window=grant_out(drama, territories=["TH"], exclusive=True, end=None))
    grant_out(drama, territories=["SG"], exclusive=True, end=None, status="pending")

    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1)

    assert states(grid, "TH") == ["available"]
    assert states(grid, "SG") == ["sold"]
    assert "pending approval" in cells(grid, "SG")[0].sales[0].label


@pytest.mark.parametrize(
    ("zone", "first_month"),
    [("UTC", dt.date(2026, 1, 1)), ("Asia/Tokyo", dt.date(2026, 2, 1)), ("America/New_York", dt.date(2026, 1, 1))],
)
def test_the_grid_opens_on_the_current_month_in_the_current_time_zone(zone, first_month):
    # given rights in since long ago, and the instant 31 January 2026, 20:00 UTC (already February in Tokyo)
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    now = dt.datetime(2026, 1, 31, 20, tzinfo=dt.UTC)

    # when the grid is read without a month
    with timezone.override(zone):
        grid = rights_avails_grid(drama=drama, now=now, months=12)

    # then its first column is this month, at midnight in that time zone, marked as the current one
    assert grid.columns[0].date() == first_month and grid.columns[0].tzinfo.key == zone
    assert grid.current == 0
    assert grid.earlier == dt.date(first_month.year - 1, first_month.month, 1)
    assert grid.later == dt.date(first_month.year + 1, first_month.month, 1)


def test_the_current_month_is_marked_only_when_shown():
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    now = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)

    assert rights_avails_grid(drama=drama, month=JANUARY, months=6, now=now).current == 2
    assert rights_avails_grid(drama=drama, month=dt.date(2027, 1, 1), months=6, now=now).current is None


def test_the_grid_is_one_query_whatever_the_number_of_territories(django_assert_num_queries):
    # given worldwide rights in for every licence type and sales to two licensees in many countries
    drama = drama_with_rights_in()
    grant_out(drama, territories=["SEA"], exclusive=True, end=at(200))
    grant_out(drama, territories=["EU", "NA"], licence_type="SVOD", end=None)

    # when the grid of every territory in the world is read for two years
    with django_assert_num_queries(1):
        grid = rights_avails_grid(drama=drama, month=JANUARY, months=24)

    # then it has a row for every country, and the cells read names without another query
    assert len(grid.rows) > 240
    with django_assert_num_queries(0):
        names = {sale.window.licensee.name for row in grid.rows for cell in row.cells for sale in cell.sales}
    assert len(names) == 2


def test_the_grid_can_be_narrowed_to_some_territories():
    drama = drama_with_rights_in(territories=("SEA",), licence_types=("AVOD",))

    grid = rights_avails_grid(drama=drama, month=JANUARY, months=1, territories=["th", "SG", "US"])

    assert [row.territory for row in grid.rows] == ["SG", "TH"]  # the United States were never acquired
