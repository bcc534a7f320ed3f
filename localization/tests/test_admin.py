import pytest
from django.urls import reverse

from catalog.tests.factories import DramaFactory, DramaLocalizationFactory
from localization.models import DramaLocalization
from tests.admin_helpers import changeform_data, staff_user

pytestmark = pytest.mark.django_db

LOCALIZATIONS = reverse("admin:localization_dramalocalization_changelist")
ADD = reverse("admin:localization_dramalocalization_add")


@pytest.fixture
def translator(client):
    client.force_login(staff_user("localization"))
    return client


def test_a_translator_adds_a_localisation_with_the_tag_as_typed(translator):
    # given a drama, and the add page
    drama = DramaFactory()
    data = changeform_data(translator.get(ADD))
    data.update(
        drama=str(drama.pk), language="zh-hant-hk", title="重生之千金歸來", title_short="千金歸來", status="approved"
    )

    # when a localisation is saved with the tag in lower case
    response = translator.post(ADD, data)

    # then it is stored under the canonical tag
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert DramaLocalization.objects.get(drama=drama).language == "zh-Hant-HK"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title_short", "x" * 20, "Ensure this value has at most 19 characters (it has 20)."),
        ("title_medium", "x" * 61, "Ensure this value has at most 60 characters (it has 61)."),
        ("synopsis_short", "x" * 191, "Ensure this value has at most 190 characters (it has 191)."),
        ("language", "klingon", "klingon is not a BCP 47 language tag"),
    ],
)
def test_length_bounds_and_bad_tags_are_refused_with_the_reason(translator, field, value, error):
    drama = DramaFactory()
    data = changeform_data(translator.get(ADD))
    data.update(drama=str(drama.pk), language="en", title="Rebirth", status="in_review")
    data[field] = value

    response = translator.post(ADD, data)

    assert response.status_code == 200
    assert any(message.startswith(error) for message in response.context["adminform"].form.errors[field])
    assert not DramaLocalization.objects.exists()


def test_the_list_is_searchable_by_the_drama_title_in_another_language(translator):
    # given a drama with Korean and English titles
    drama = DramaFactory(original_title="逆袭人生")
    DramaLocalizationFactory(drama=drama, language="ko", title="역전 인생")
    DramaLocalizationFactory(drama=drama, language="en", title="Turnaround Life")
    DramaLocalizationFactory(language="en", title="Something else")

    # when the list is searched by the Korean title
    response = translator.get(LOCALIZATIONS, {"q": "역전"})

    # then every localisation of that drama is listed, and nothing else
    assert sorted(loc.language for loc in response.context["cl"].result_list) == ["en", "ko"]


def test_the_list_shows_how_many_bounded_forms_are_filled(translator):
    DramaLocalizationFactory(
        language="en", title_medium="M", title_short="S", synopsis_short="s", synopsis_medium="m", synopsis_long="l"
    )
    DramaLocalizationFactory(language="th", title_short="", synopsis_short="")

    html = translator.get(LOCALIZATIONS).content.decode()

    assert '<span class="completeness complete">5 / 5</span>' in html
    assert '<span class="completeness">0 / 5</span>' in html


def test_the_content_role_sees_localisations_but_cannot_change_them(client):
    localization = DramaLocalizationFactory(title="Original")
    client.force_login(staff_user("content"))
    url = reverse("admin:localization_dramalocalization_change", args=[localization.pk])

    client.post(url, {"drama": str(localization.drama_id), "language": "en", "title": "Changed", "status": "approved"})

    assert client.get(url).status_code == 200
    assert DramaLocalization.objects.get(pk=localization.pk).title == "Original"
