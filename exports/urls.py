"""An agent's exports, under the territory (/territoires/<pk>/exports/…)."""

from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("", views.ExportListView.as_view(), name="export_list"),
    path("nouveau/", views.ExportCreateView.as_view(), name="export_create"),
    path("<int:export_pk>/", views.ExportDetailView.as_view(), name="export_detail"),
    path(
        "<int:export_pk>/telecharger/",
        views.ExportDownloadView.as_view(),
        name="export_download",
    ),
]
