from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("language/", views.language, name="language"),
    path("", views.overview, name="overview"),
    path("overview.json", views.overview, {"as_json": True}, name="overview-json"),
    path("titles/", views.titles, name="titles"),
    path("titles.json", views.titles, {"as_json": True}, name="titles-json"),
    path("titles.csv", views.titles_csv, name="titles-csv"),
    path("titles/<int:drama_id>/", views.title, name="title"),
    path("titles/<int:drama_id>.json", views.title, {"as_json": True}, name="title-json"),
    path("audience/", views.audience, name="audience"),
    path("audience.json", views.audience, {"as_json": True}, name="audience-json"),
    path("rights/", views.rights, name="rights"),
    path("lineup/", views.lineup, name="lineup"),
    path("lineup.json", views.lineup, {"as_json": True}, name="lineup-json"),
]
