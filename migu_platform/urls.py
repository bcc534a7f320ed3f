from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from migu_platform.health import healthz
from migu_platform.views import home

admin.site.site_header = "Migu Platform"
admin.site.site_title = "Migu Platform"
admin.site.index_title = "Catalogue, rights and distribution"

api_v1 = [
    path("", include("partners.api.urls")),
    path("", include("distribution.api.urls")),
    path("", include("rights.api.urls")),
    path("", include("media.api.urls")),
    path("", include("recommendations.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("portal/", include("portal.urls")),
    path("media-delivery/", include("media.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Artwork is public (partners hot-link it); on S3 its URLs point at the bucket instead. Only the
    # artwork folder is served: masters and ladders stay behind the token-checked delivery views.
    def artwork_file(request, path):
        return serve(request, path, document_root=Path(settings.MEDIA_ROOT) / "artwork")

    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}artwork/(?P<path>.+)$", artwork_file, name="artwork-file")
    )

# Unmatched URLs and crashes: the API's error shape (JSON) under /api/, the platform's HTML pages elsewhere.
# Under DEBUG Django sends its technical pages instead; migu_platform.middleware keeps /api/ in JSON then too.
handler400 = "migu_platform.views.bad_request"
handler403 = "migu_platform.views.permission_denied"
handler404 = "migu_platform.views.page_not_found"
handler500 = "migu_platform.views.server_error"
