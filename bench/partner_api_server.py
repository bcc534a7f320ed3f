"""Settings and URLconf of the gunicorn server that bench/partner_api.py measures.

The platform's own URLs, plus comparison endpoints of the titles list that exist only here: bare
Django views (values() + orjson, the practical limit) of the drama rows alone and of the same fields the
endpoint serves, and a textbook DRF ModelSerializer one.
"""

import os

from migu_platform.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-only-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.partner_api_server"
# No throttling while measuring, unless a load run asks for the production rate.
MIGU_API_KEY_RATE = os.environ.get("BENCH_API_KEY_RATE") or None
# The bench measures the titles list with its page cache (default) and without it (0).
MIGU_API_LIST_CACHE_SECONDS = int(os.environ.get("MIGU_API_LIST_CACHE_SECONDS", 120))
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}


def _urlpatterns():
    import orjson
    from django.db.models import Count
    from django.http import HttpResponse
    from django.urls import include, path
    from rest_framework import generics, serializers
    from rest_framework.pagination import CursorPagination

    from catalog.models import Drama, DramaStatus
    from localization.models import DramaLocalization
    from rights.selectors import rights_available_drama_ids

    title_fields = ("id", "original_title", "original_language", "format", "production_year", "free_episode_count",
              "unlock_price_tier", "updated_at")  # fmt: skip

    def bare_titles(request):
        """The same rows (the same availability query) with no framework and no related data: the ceiling."""
        from distribution.selectors import titles_available
        from partners.models import Organization

        licensee = Organization.objects.only("id").get(slug="bench-partner")
        available = titles_available(licensee=licensee, territory=request.GET.get("territory", "TH"))
        rows = list(available.order_by("pk").values(*title_fields)[:50])
        return HttpResponse(orjson.dumps({"results": rows}), content_type="application/json")

    def bare_titles_same_fields(request):
        """The endpoint's rows and fields (localised title, genres, tropes, episode count, artwork) from one
        values() query and orjson, with no authentication or framework: the limit for what it serves."""
        from distribution.selectors import titles_available, titles_page
        from partners.models import Organization

        licensee = Organization.objects.only("id").get(slug="bench-partner")
        available = titles_available(licensee=licensee, territory=request.GET.get("territory", "TH"))
        rows, _ = titles_page(available, after_id=0, limit=50, language=request.GET.get("lang", "th"))
        return HttpResponse(orjson.dumps({"results": rows}), content_type="application/json")

    def floor_304(request):
        """A 304 with no authentication, database or cache: the round trip through gunicorn and Django."""
        from django.http import HttpResponseNotModified

        return HttpResponseNotModified()

    class LocalizationSerializer(serializers.ModelSerializer):
        class Meta:
            model = DramaLocalization
            fields = ["language", "title", "title_medium", "title_short", "synopsis_short"]

    class TextbookTitleSerializer(serializers.ModelSerializer):
        genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
        tropes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
        localizations = LocalizationSerializer(many=True, read_only=True)
        episode_count = serializers.IntegerField(read_only=True)

        class Meta:
            model = Drama
            fields = [*title_fields, "genres", "tropes", "localizations", "episode_count"]

    class Pages(CursorPagination):
        page_size = 50
        ordering = "pk"

    class TextbookTitles(generics.ListAPIView):
        """What the endpoint looks like written from the DRF tutorial (prefetching, to be fair)."""

        serializer_class = TextbookTitleSerializer
        pagination_class = Pages

        def get_queryset(self):
            ids = rights_available_drama_ids(
                licensee=self.request.tenant, territory=self.request.query_params.get("territory", "TH")
            )
            return (
                Drama.objects.filter(pk__in=ids, status=DramaStatus.PUBLISHED)
                .annotate(episode_count=Count("episodes"))
                .prefetch_related("genres", "tropes", "localizations")
            )

    return [
        path("bench/bare-titles/", bare_titles),
        path("bench/bare-titles-same-fields/", bare_titles_same_fields),
        path("bench/floor-304/", floor_304),
        path("bench/textbook-titles/", TextbookTitles.as_view()),
        path("", include("migu_platform.urls")),
    ]


def __getattr__(name):
    # The URLconf is built on first use, once the apps are loaded (this module is also the settings).
    if name == "urlpatterns":
        globals()["urlpatterns"] = _urlpatterns()
        return globals()["urlpatterns"]
    raise AttributeError(name)
