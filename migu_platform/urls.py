from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from migu_platform.health import healthz

admin.site.site_header = "Migu Platform"
admin.site.site_title = "Migu Platform"
admin.site.index_title = "Catalogue, rights and distribution"

api_v1 = [
    path("", include("partners.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("rights.api.urls")),
    path("", include("media.api.urls")),
    path("", include("recommendations.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("media-delivery/", include("media.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# Unmatched URLs and crashes answer in the API's error shape (JSON), not as HTML pages.
handler404 = "partners.api.handlers.not_found"
handler500 = "partners.api.handlers.server_error"
