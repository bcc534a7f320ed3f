"""Token-checked media delivery (mounted at /media-delivery/)."""

from django.urls import re_path

from media import views

app_name = "media"

urlpatterns = [
    re_path(
        r"^hls/(?P<episode_id>\d+)/(?P<token>[\w.-]+)/(?P<path>key|[\w./-]+)$",
        views.hls,
        name="hls",
    ),
]
