from django.urls import path

from territories import organisation_views, service_views, views

app_name = "territories"

urlpatterns = [
    path("", views.territory_list, name="list"),
    path("<int:territory_pk>/", views.DashboardView.as_view(), name="dashboard"),
    path("<int:territory_pk>/services/", service_views.service_list, name="services"),
    path(
        "<int:territory_pk>/services/activer/",
        service_views.service_set_state,
        {"activate": True},
        name="service_activate",
    ),
    path(
        "<int:territory_pk>/services/desactiver/",
        service_views.service_set_state,
        {"activate": False},
        name="service_deactivate",
    ),
    path(
        "<int:territory_pk>/organisations/",
        organisation_views.OrganisationListView.as_view(),
        name="organisations",
    ),
    path(
        "<int:territory_pk>/organisations/nouvelle/",
        organisation_views.OrganisationCreateView.as_view(),
        name="organisation_create",
    ),
    path(
        "<int:territory_pk>/organisations/<int:organisation_pk>/",
        organisation_views.OrganisationDetailView.as_view(),
        name="organisation",
    ),
    path(
        "<int:territory_pk>/organisations/<int:organisation_pk>/modifier/",
        organisation_views.OrganisationUpdateView.as_view(),
        name="organisation_update",
    ),
]
