import factory

from catalog.models import Artwork, Credit, Drama, Episode, Genre, Person, SourceWork, Trope
from localization.models import DramaLocalization
from partners.tests.factories import LicensorFactory


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"genre-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class TropeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trope
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"trope-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class SourceWorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceWork

    title = factory.Sequence(lambda n: f"原著小说 {n}")
    author = "佚名"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"演员{n}")
    latin_name = factory.Sequence(lambda n: f"Actor {n}")


class DramaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drama

    owner = factory.SubFactory(LicensorFactory)
    original_title = factory.Sequence(lambda n: f"重生之逆袭 {n}")
    original_language = "zh-Hans"
    format = "vertical"
    free_episode_count = 3


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    drama = factory.SubFactory(DramaFactory)
    number = factory.Sequence(lambda n: n + 1)
    duration_seconds = 90


class CreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credit

    drama = factory.SubFactory(DramaFactory)
    person = factory.SubFactory(PersonFactory)
    role = "actor"


class ArtworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artwork

    drama = factory.SubFactory(DramaFactory)
    kind = "cover_9x16"
    language = ""
    image = factory.django.ImageField(width=90, height=160, color="red")


class DramaLocalizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DramaLocalization

    drama = factory.SubFactory(DramaFactory)
    language = "en"
    title = factory.Sequence(lambda n: f"Rebirth of the Heiress {n}")
    title_short = "Rebirth"
    synopsis_short = "She dies betrayed and wakes up ten years earlier."


def drama_with_episodes(count: int = 5, **kwargs) -> Drama:
    """A drama with `count` episodes 1..count and an English localisation (ready to publish)."""
    drama = DramaFactory(**kwargs)
    Episode.objects.bulk_create(Episode(drama=drama, number=n, duration_seconds=90) for n in range(1, count + 1))
    DramaLocalizationFactory(drama=drama, language="en")
    return drama
