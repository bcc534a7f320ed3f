import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from partners.tests.factories import OrganizationFactory, UserFactory
from rights.models import RightsAudit, RightsWindow
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/rights/rightswindow/"


@pytest.fixture
def rights_manager(client):
    user = UserFactory(is_staff=True, username="rm")
    user.groups.add(Group.objects.get(name="rights"))
    client.force_login(user)
    return user


def form_data(drama, licensee, **overrides):
    data = {
        "direction": "out", "drama": drama.pk, "licensee": licensee.pk, "territories": "TH, SG",
        "territory_exclusions": "", "licence_type": "AVOD", "audio_languages": "", "subtitle_languages": "en",
        "holdback_languages": "", "start_0": "2026-01-01", "start_1": "00:00:00", "end_0": "2026-06-01",
        "end_1": "00:00:00", "exclusive": "on", "status": "approved", "currency": "", "contract_id": "C-1",
        "alid": "", "transaction_id": "",
        "audits-TOTAL_FORMS": "0", "audits-INITIAL_FORMS": "0", "audits-MIN_NUM_FORMS": "0", "audits-MAX_NUM_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_rights_manager_grants_a_window_in_the_admin(client, rights_manager):
    drama = drama_with_rights_in()
    partner = OrganizationFactory()
    response = client.post(f"{CHANGELIST}add/", form_data(drama, partner))
    assert response.status_code == 302, response.context["adminform"].form.errors
    window = RightsWindow.objects.get(direction="out")
    assert window.territories == ["TH", "SG"] and window.exclusive and window.subtitle_languages == ["en"]
    assert RightsAudit.objects.get(window=window).actor_user == rights_manager


def test_admin_shows_an_overlap_on_the_form_and_writes_nothing(client, rights_manager):
    drama = drama_with_rights_in()
    existing = grant_out(drama, territories=["SG"], exclusive=True, end=at(100))
    response = client.post(f"{CHANGELIST}add/", form_data(drama, OrganizationFactory()))
    assert response.status_code == 200
    text = response.content.decode()
    assert "rights_overlap" in text and f"#{existing.pk}" in text
    assert RightsWindow.objects.filter(direction="out").count() == 1


def test_admin_shows_bad_territories_on_the_field(client, rights_manager):
    drama = drama_with_rights_in()
    response = client.post(f"{CHANGELIST}add/", form_data(drama, OrganizationFactory(), territories="TH, XX"))
    assert response.status_code == 200
    assert "territories" in response.context["adminform"].form.errors
    assert not RightsWindow.objects.filter(direction="out").exists()


def test_admin_changes_a_window_through_the_service(client, rights_manager):
    drama = drama_with_rights_in()
    window = grant_out(drama, territories=["TH"], end=at(100))
    response = client.post(
        f"{CHANGELIST}{window.pk}/change/",
        form_data(drama, window.licensee, territories="TH, MY", exclusive="", end_0="2026-09-01"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    window.refresh_from_db()
    assert window.territories == ["TH", "MY"] and window.end == at(243)
    audit = RightsAudit.objects.filter(window=window, action="updated").get()
    assert audit.before["territories"] == ["TH"] and audit.after["territories"] == ["TH", "MY"]


def test_revoke_action(client, rights_manager):
    window = grant_out(drama_with_rights_in())
    response = client.post(CHANGELIST, {"action": "revoke_windows", "_selected_action": [window.pk]})
    assert response.status_code == 302
    window.refresh_from_db()
    assert window.status == "revoked"


@pytest.mark.parametrize(
    "query",
    ["", "?territory=TH", "?ending=30", "?ending=open", "?ending=ended", "?licence_type__exact=AVOD",
     "?status__exact=approved", "?direction__exact=out", "?q=C-1"],
)  # fmt: skip
def test_changelist_filters_render(client, rights_manager, query):
    grant_out(drama_with_rights_in(), contract_id="C-1")
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200


def test_changelist_has_no_per_row_queries(client, rights_manager, django_assert_max_num_queries):
    grant_out(drama_with_rights_in(licence_types=("AVOD",)))
    with django_assert_max_num_queries(40) as one:
        client.get(CHANGELIST)
    for _ in range(10):
        grant_out(drama_with_rights_in(licence_types=("AVOD",)))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(CHANGELIST)


def test_avails_grid_shows_sold_and_available_cells_by_name(client, rights_manager):
    # given rights in for South-East Asia, an exclusive sale in Thailand and a non-exclusive one in Singapore
    drama = drama_with_rights_in(territories=("SEA",), licence_types=("AVOD",))
    exclusive = grant_out(
        drama, OrganizationFactory(name="StreamAsia"), territories=["TH"], exclusive=True, start=at(0), end=at(60)
    )
    shared = grant_out(drama, OrganizationFactory(name="Telco SG"), territories=["SG"], start=at(31), end=None)

    # when the rights manager opens the grid on January 2026 for six months
    response = client.get(f"{CHANGELIST}grid/{drama.pk}/?start=2026-01&months=6")

    # then every acquired country is a row, Thailand sold until March, Singapore sold and still available
    assert response.status_code == 200
    grid = response.context["grid"]
    assert len(grid.rows) == 11
    rows = {row.territory: row for row in grid.rows}
    assert [cell.state for cell in rows["TH"].cells] == ["sold", "sold", "sold_available"] + ["available"] * 3
    assert [cell.state for cell in rows["SG"].cells] == ["available"] + ["sold_available"] * 5
    html = response.content.decode()
    assert f"/admin/rights/rightswindow/{exclusive.pk}/change/" in html
    assert f"/admin/rights/rightswindow/{shared.pk}/change/" in html
    assert "StreamAsia" in html and "Telco SG" in html and "Thailand" in html
    assert '<th scope="row" id="territory-TH">' in html and '<th scope="col"' in html
    assert ">Available non-exclusive</span>" in html
    assert '<span class="state">No rights</span>' not in html


def test_avails_grid_opens_on_the_current_month(client, rights_manager):
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))

    response = client.get(f"{CHANGELIST}grid/{drama.pk}/")

    grid = response.context["grid"]
    assert grid.columns[0].date() == timezone.localdate().replace(day=1) and grid.current == 0
    assert len(grid.columns) == 12
    html = response.content.decode()
    assert 'aria-current="date"' in html and "this month" in html
    earlier = _months_back(timezone.localdate().replace(day=1), 12).strftime("%Y-%m")
    assert f"start={earlier}" in response.context["earlier_url"]


def _months_back(month, count):
    index = month.year * 12 + month.month - 1 - count
    return month.replace(year=index // 12, month=index % 12 + 1)


def test_avails_grid_filters_by_licence_type(client, rights_manager):
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD", "SVOD"))
    grant_out(drama, territories=["TH"], licence_type="SVOD", exclusive=True, end=None)

    avod = client.get(f"{CHANGELIST}grid/{drama.pk}/?start=2026-01&months=1&licence_type=AVOD").context["grid"]
    svod = client.get(f"{CHANGELIST}grid/{drama.pk}/?start=2026-01&months=1&licence_type=SVOD").context["grid"]

    assert avod.rows[0].cells[0].state == "available"
    assert svod.rows[0].cells[0].state == "sold"


def test_avails_grid_queries_do_not_grow_with_territories(client, rights_manager, django_assert_max_num_queries):
    # given a drama acquired in one country with one sale
    small = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",))
    grant_out(small, territories=["TH"], end=None)
    with django_assert_max_num_queries(12) as one:
        client.get(f"{CHANGELIST}grid/{small.pk}/?start=2026-01")

    # when a drama acquired worldwide for every licence type, sold in thirty countries, is shown
    large = drama_with_rights_in()
    grant_out(large, territories=["SEA", "EU"], exclusive=True, end=at(200))
    grant_out(large, territories=["NA"], licence_type="SVOD", end=None)

    # then the page costs no more queries
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"{CHANGELIST}grid/{large.pk}/?start=2026-01&months=24")
    assert response.status_code == 200 and len(response.context["grid"].rows) > 240


@pytest.mark.parametrize(
    "query",
    ["?months=lots&licence_type=PIRATE&start=2026-13-40", "?start=0001-01&months=-5", "?start=9999-12&months=999",
     "?start=2026-02-15&licence_type=svod"],
)  # fmt: skip
def test_grid_with_bad_parameters_still_renders(client, rights_manager, query):
    drama = drama_with_rights_in()
    response = client.get(f"{CHANGELIST}grid/{drama.pk}/{query}")
    assert response.status_code == 200
    assert 1 <= len(response.context["grid"].columns) <= 36


def test_avails_grid_narrowed_to_a_region_group_and_told_of_unknown_codes(client, rights_manager):
    # given a drama acquired worldwide
    drama = drama_with_rights_in(licence_types=("AVOD",))

    # when the grid is asked for South-East Asia, then for a code that is no country
    sea = client.get(f"{CHANGELIST}grid/{drama.pk}/?territories=SEA&months=2")
    unknown = client.get(f"{CHANGELIST}grid/{drama.pk}/?territories=TH,XX")

    # then it shows the region's eleven countries, with the filter kept in its period links; and says what is wrong
    assert len(sea.context["grid"].rows) == 11
    assert "territories=SEA" in sea.context["later_url"]
    assert unknown.status_code == 200
    assert any("Unknown territory code(s): XX" in str(message) for message in unknown.context["messages"])
    assert len(unknown.context["grid"].rows) > 240


def test_grid_of_a_missing_drama_is_not_found(client, rights_manager):
    assert client.get(f"{CHANGELIST}grid/999999/").status_code == 404


def test_window_links_to_the_grid_on_this_month_or_on_its_own_when_not_in_force(client, rights_manager):
    # given a window in force now and one starting in two years
    drama = drama_with_rights_in()
    now = timezone.now()
    current = grant_out(drama, territories=["TH"], start=now - dt.timedelta(days=10), end=None)
    later = grant_out(drama, territories=["SG"], start=now + dt.timedelta(days=730), end=None)

    # when their pages are opened
    current_page = client.get(f"{CHANGELIST}{current.pk}/change/").content.decode()
    later_page = client.get(f"{CHANGELIST}{later.pk}/change/").content.decode()

    # then the first links to the grid as it opens (this month), the second to its own first month
    grid = f"{CHANGELIST}grid/{drama.pk}/"
    assert f'href="{grid}">avails grid' in current_page
    assert f'href="{grid}?start={timezone.localdate(later.start).strftime("%Y-%m")}">avails grid' in later_page


def test_windows_inline_on_drama_and_organization(admin_client):
    drama = drama_with_rights_in()
    window = grant_out(drama, contract_id="INLINE-1")
    drama_page = admin_client.get(f"/admin/catalog/drama/{drama.pk}/change/")
    org_page = admin_client.get(f"/admin/partners/organization/{window.licensee_id}/change/")
    assert drama_page.status_code == org_page.status_code == 200
    assert f"/admin/rights/rightswindow/{window.pk}/change/" in drama_page.content.decode()
    assert f"/admin/rights/rightswindow/{window.pk}/change/" in org_page.content.decode()


@pytest.mark.parametrize(("group", "can_add"), [("rights", True), ("content", False)])
def test_staff_roles(client, group, can_add):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(f"{CHANGELIST}add/").status_code == (200 if can_add else 403)
