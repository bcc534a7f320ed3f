from django.urls import path

from catalog.api import views

urlpatterns = [
    path("titles/", views.TitleListView.as_view(), name="title-list"),
    path("titles/<int:pk>/", views.TitleDetailView.as_view(), name="title-detail"),
    path("titles/<int:pk>/episodes/", views.TitleEpisodeListView.as_view(), name="title-episodes"),
    path("changes/", views.ChangeFeedView.as_view(), name="changes"),
    path("feeds/mrss/", views.MrssFeedView.as_view(), name="feed-mrss"),
]
