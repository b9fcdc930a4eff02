"""The partner API, version 1 (/api/v1/…), and its OpenAPI description. Paths have no
trailing slash, as on the reference platform; any other path answers a JSON 404."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.base import UnknownRoute
from api.resources import agenda, organisations, users, webhooks

app_name = "api_v1"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_v1:schema"), name="docs"),
    path("organisations", organisations.OrganisationList.as_view(), name="organisation_list"),
    path(
        "organisations/<int:organisation_pk>",
        organisations.OrganisationDetail.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<int:organisation_pk>/motifs",
        organisations.MotifList.as_view(),
        name="motif_list",
    ),
    path(
        "organisations/<int:organisation_pk>/rdvs",
        organisations.RdvList.as_view(),
        name="rdv_list",
    ),
    path(
        "organisations/<int:organisation_pk>/webhook_endpoints",
        webhooks.EndpointList.as_view(),
        name="endpoint_list",
    ),
    path(
        "organisations/<int:organisation_pk>/webhook_endpoints/<int:endpoint_pk>",
        webhooks.EndpointDetail.as_view(),
        name="endpoint_detail",
    ),
    path("rdvs/<int:rdv_pk>", organisations.RdvDetail.as_view(), name="rdv_detail"),
    path("rdvs/<int:rdv_pk>/cancel", organisations.RdvCancel.as_view(), name="rdv_cancel"),
    path("users", users.UserList.as_view(), name="user_list"),
    path("users/<int:user_record_pk>", users.UserDetail.as_view(), name="user_detail"),
    path("absences", agenda.AbsenceList.as_view(), name="absence_list"),
    path("absences/<int:absence_pk>", agenda.AbsenceDetail.as_view(), name="absence_detail"),
    path("plage_ouvertures", agenda.PlageOuvertureList.as_view(), name="plage_ouverture_list"),
    re_path(r"^.*$", UnknownRoute.as_view(), name="unknown"),
]
