from django.urls import path

from partners.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("channels/", views.ChannelListView.as_view(), name="channel-list"),
    path("channels/<int:pk>/", views.ChannelDetailView.as_view(), name="channel-detail"),
    path("api-keys/", views.ApiKeyListCreateView.as_view(), name="api-key-list"),
    path("api-keys/<str:prefix>/", views.ApiKeyDetailView.as_view(), name="api-key-detail"),
    path("webhooks/", views.WebhookListCreateView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/deliveries/", views.WebhookDeliveryListView.as_view(), name="webhook-deliveries"),
    path("webhooks/<int:pk>/ping/", views.WebhookPingView.as_view(), name="webhook-ping"),
]
