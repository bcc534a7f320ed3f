from django.urls import path

from distribution.api import views

urlpatterns = [
    path("titles/", views.TitleListView.as_view(), name="title-list"),
    path("titles/<int:pk>/", views.TitleDetailView.as_view(), name="title-detail"),
    path("titles/<int:pk>/episodes/", views.TitleEpisodeListView.as_view(), name="title-episodes"),
    path("episodes/<int:pk>/playback/", views.EpisodePlaybackView.as_view(), name="episode-playback"),
    path("avails/", views.AvailsView.as_view(), name="avails"),
    path("changes/", views.ChangeFeedView.as_view(), name="changes"),
    path("feeds/mrss/", views.MrssFeedView.as_view(), name="feed-mrss"),
]
