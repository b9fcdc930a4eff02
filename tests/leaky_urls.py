"""The project's URLs plus one view that forgot its scope: the crawler must catch it."""

from django.http import HttpResponse
from django.urls import path
from django_scopes import scopes_disabled

from config.urls import urlpatterns as project_urlpatterns
from territories.models import Organisation


def leaky_organisation(request, territory_pk, organisation_pk):
    with scopes_disabled():  # the mistake: looked up outside the territory
        organisation = Organisation.objects.get(pk=organisation_pk)
    return HttpResponse(organisation.name)


urlpatterns = [
    *project_urlpatterns,
    path(
        "territoires/<int:territory_pk>/fuite/<int:organisation_pk>/",
        leaky_organisation,
        name="leak",
    ),
]
