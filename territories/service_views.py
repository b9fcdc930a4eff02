"""The Services section: the global catalogue, activated or not in the territory."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from territories.forms import ServiceStateForm
from territories.queries import services_overview
from territories.services import set_service_active
from territories.tenancy import territory_admin_required
from territories.views import section_of


@territory_admin_required
def service_list(request, territory_pk: int):
    return render(
        request,
        "territories/service_list.html",
        {
            "section": section_of("services"),
            "services": services_overview(request.territory),
            "service_request_url": settings.SERVICE_REQUEST_URL,
        },
    )


@territory_admin_required
def service_set_state(request, territory_pk: int, activate: bool):
    """GET `?service=<pk>`: the confirmation page; POST: do it."""
    data = request.POST if request.method == "POST" else request.GET
    form = ServiceStateForm(data, territory=request.territory, activate=activate)
    if form.has_error("service", "unchanged"):  # e.g. a double submit, or a stale page
        messages.info(request, form.errors["service"][0])
        return redirect("territories:services", territory_pk=territory_pk)
    if not form.is_valid():
        raise Http404("Ce service ne peut pas être modifié ici.")
    service = form.cleaned_data["service"]
    if request.method == "POST":
        set_service_active(
            request.territory, service, is_active=activate, acting_agent=request.user
        )
        if activate:
            messages.success(request, f"Le service « {service} » est activé.")
        else:
            messages.success(request, f"Le service « {service} » est désactivé.")
        return redirect("territories:services", territory_pk=territory_pk)
    return render(
        request,
        "territories/service_confirm.html",
        {
            "section": section_of("services"),
            "form": form,
            "activate": activate,
            "service": services_overview(request.territory).get(pk=service.pk),
        },
    )
