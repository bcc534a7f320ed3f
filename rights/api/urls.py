from django.urls import path

from rights.api import views

urlpatterns = [
    path("rights-windows/", views.RightsWindowListView.as_view(), name="rights-window-list"),
    path("rights-windows/<int:pk>/", views.RightsWindowDetailView.as_view(), name="rights-window-detail"),
]
