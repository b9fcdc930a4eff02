"""The project's URLs plus one page outside any territory that queries a scoped model:
the safety net must make it fail loudly."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from territories.models import Organisation


def organisation_count(request):
    return HttpResponse(str(Organisation.objects.count()))  # the mistake: no territory


urlpatterns = [
    *project_urlpatterns,
    path("compte-des-organisations/", organisation_count, name="organisation_count"),
]
