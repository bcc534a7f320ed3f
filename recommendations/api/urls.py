from django.urls import path

from recommendations.api import views

urlpatterns = [
    path("events/", views.PlaybackEventBatchView.as_view(), name="events"),
    path(
        "channels/<str:pk>/recommendations/",
        views.ChannelRecommendationsView.as_view(),
        name="channel-recommendations",
    ),
    path(
        "users/<str:user_ref>/recommendations/",
        views.UserRecommendationsView.as_view(),
        name="user-recommendations",
    ),
]
