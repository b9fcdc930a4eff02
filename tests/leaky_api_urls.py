"""The project's URLs plus one API route that forgot its scope: the API crawler must
catch it (the route comes before the API's catch-all 404)."""

from django.urls import include, path
from django_scopes import scopes_disabled
from rest_framework.response import Response

from api.base import ApiView
from config.urls import urlpatterns as project_urlpatterns
from territories.models import Organisation


class LeakyOrganisation(ApiView):
    def get(self, request, organisation_pk):
        with scopes_disabled():  # the mistake: looked up outside the token's territory
            organisation = Organisation.objects.get(pk=organisation_pk)
        return Response({"name": organisation.name})


leak = ([path("fuite/<int:organisation_pk>", LeakyOrganisation.as_view(), name="leak")], "leaky")

urlpatterns = [path("api/v1/", include(leak)), *project_urlpatterns]
