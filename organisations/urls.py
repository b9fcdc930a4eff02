from django.urls import path

from organisations import views

app_name = "organisations"

# Under territoires/<territory_pk>/organisations/
urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="section"),
    path("nouvelle/", views.OrganisationCreateView.as_view(), name="create"),
    path(
        "<int:organisation_pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "<int:organisation_pk>/modifier/",
        views.OrganisationUpdateView.as_view(),
        name="update",
    ),
]

# The Services section lives in this app too, under territoires/<territory_pk>/services/,
# in its own namespace so that `services:section` is its landing page like every
# section's `<namespace>:section`.
services_urlpatterns = (
    [
        path("", views.service_list, name="section"),
        path("activer/", views.service_set_state, {"activate": True}, name="activate"),
        path("desactiver/", views.service_set_state, {"activate": False}, name="deactivate"),
        path("demande/", views.ServiceRequestView.as_view(), name="request"),
    ],
    "services",
)
