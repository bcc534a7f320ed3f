from django.urls import path

from partners.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("channels/", views.ChannelListView.as_view(), name="channel-list"),
    path("channels/<int:pk>/", views.ChannelDetailView.as_view(), name="channel-detail"),
]
