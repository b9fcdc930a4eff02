from django.urls import path

from territories import views

app_name = "territories"

urlpatterns = [
    path("", views.territory_list, name="list"),
    path("<int:territory_pk>/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "<int:territory_pk>/services/",
        views.SectionView.as_view(section_key="services"),
        name="services",
    ),
    path(
        "<int:territory_pk>/organisations/",
        views.SectionView.as_view(section_key="organisations"),
        name="organisations",
    ),
]
