from django.urls import path

from recommendations.api import views

urlpatterns = [
    path("events/", views.PlaybackEventBatchView.as_view(), name="events"),
]
