import contextlib
import json
from datetime import datetime, time

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from territories import sections
from territories.changes import version_of
from territories.errors import ServiceError
from webhooks import services, signing
from webhooks.event_types import describe
from webhooks.forms import (
    DeliveryFilterForm,
    DisableForm,
    EndpointForm,
    ResendFailedForm,
    RotateSecretForm,
)
from webhooks.models import Delivery, Endpoint
from webhooks.payloads import endpoint_payload
from webhooks.queries import (
    MAX_ENDPOINTS,
    capped_count,
    delivery_page,
    endpoints_with_open_counts,
    shown_count,
)

NEW_SECRET_KEY = "webhooks_new_secret"  # noqa: S105  (a session key)


def access_endpoint(request, endpoint_pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, territory=request.territory, pk=endpoint_pk)


def detail_url(endpoint: Endpoint) -> str:
    return reverse(
        "webhooks:endpoint_detail",
        kwargs={"territory_pk": endpoint.territory_id, "endpoint_pk": endpoint.pk},
    )


def show_secret_once(request, endpoint: Endpoint, secret: str) -> None:
    """The full secret is shown on the next page only (popped from the session there)."""
    request.session[NEW_SECRET_KEY] = {"endpoint": endpoint.pk, "secret": secret}


class SectionMixin(sections.SectionMixin):
    section_key = "webhooks"


class EndpointMixin(SectionMixin):
    endpoint: Endpoint | None = None

    def get_endpoint(self) -> Endpoint:
        if self.endpoint is None:
            self.endpoint = access_endpoint(self.request, self.kwargs["endpoint_pk"])
        return self.endpoint

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.get_endpoint(), **kwargs)


class EndpointListView(SectionMixin, TemplateView):
    template_name = "webhooks/endpoint_list.html"

    def get_context_data(self, **kwargs):
        endpoints = endpoints_with_open_counts(self.request.territory)
        rows = [
            (
                endpoint,
                describe(endpoint.event_types),
                shown_count(endpoint.pending_count),
                shown_count(endpoint.failed_count),
            )
            for endpoint in endpoints
        ]
        return super().get_context_data(
            rows=rows,
            limit_reached=len(rows) >= MAX_ENDPOINTS,
            max_endpoints=MAX_ENDPOINTS,
            **kwargs,
        )


class EndpointCreateView(SectionMixin, FormView):
    template_name = "webhooks/endpoint_form.html"
    form_class = EndpointForm
    extra_context = {"endpoint": None}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.request.territory}

    def form_valid(self, form):
        try:
            endpoint = services.create_endpoint(
                self.request.territory,
                form.values(),
                organisations=form.cleaned_data["organisations"],
                acting_agent=self.request.user,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        show_secret_once(self.request, endpoint, endpoint.secret)
        messages.success(self.request, "Le point de réception a été créé.")
        return redirect(detail_url(endpoint))


class EndpointUpdateView(EndpointMixin, FormView):
    template_name = "webhooks/endpoint_form.html"
    form_class = EndpointForm

    def get_form_kwargs(self):
        endpoint = self.get_endpoint()
        return {
            **super().get_form_kwargs(),
            "territory": self.request.territory,
            "instance": endpoint,
            "version": version_of(endpoint_payload(endpoint)),
        }

    def form_valid(self, form):
        try:
            endpoint = services.update_endpoint(
                self.get_endpoint(),
                form.values(),
                organisations=form.cleaned_data["organisations"],
                acting_agent=self.request.user,
                version=form.shown_version,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        messages.success(self.request, "Le point de réception a été modifié.")
        return redirect(detail_url(endpoint))


class EndpointDetailView(EndpointMixin, TemplateView):
    """The endpoint, its secret (in full once), actions, and its deliveries."""

    template_name = "webhooks/endpoint_detail.html"

    def get_context_data(self, **kwargs):
        endpoint = self.get_endpoint()
        new_secret = self.request.session.pop(NEW_SECRET_KEY, None)
        if new_secret and new_secret["endpoint"] != endpoint.pk:
            new_secret = None
        filters = DeliveryFilterForm(self.request.GET or None)
        deliveries = filters.filter(
            Delivery.objects.filter(endpoint=endpoint).select_related("event")
        ).order_by("-created_at", "-pk")
        page = delivery_page(
            deliveries,
            older_than=self.request.GET.get("avant", ""),
            newer_than=self.request.GET.get("apres", ""),
        )
        return super().get_context_data(
            new_secret=new_secret and new_secret["secret"],
            subscriptions=describe(endpoint.event_types),
            organisations=endpoint.organisations.order_by("name"),
            previous_secret_valid=bool(
                endpoint.previous_secret
                and endpoint.previous_secret_expires_at
                and endpoint.previous_secret_expires_at > timezone.now()
            ),
            filters=filters,
            deliveries=page,
            deliveries_count=shown_count(capped_count(deliveries)),
            disable_form=DisableForm(),
            **kwargs,
        )


class EndpointDeleteView(EndpointMixin, TemplateView):
    template_name = "webhooks/endpoint_confirm_delete.html"

    def post(self, request, *args, **kwargs):
        services.delete_endpoint(self.get_endpoint(), acting_agent=request.user)
        messages.success(request, "Le point de réception a été supprimé.")
        return redirect("webhooks:section", territory_pk=request.territory.pk)


class RotateSecretView(EndpointMixin, FormView):
    template_name = "webhooks/endpoint_rotate.html"
    form_class = RotateSecretForm

    def form_valid(self, form):
        endpoint = self.get_endpoint()
        secret = services.rotate_secret(endpoint, form.overlap, acting_agent=self.request.user)
        show_secret_once(self.request, endpoint, secret)
        if form.overlap:
            messages.success(
                self.request,
                "Nouveau secret créé. L'ancien reste valable "
                f"{form.cleaned_data['overlap_hours']} h : les envois portent les deux signatures.",
            )
        else:
            messages.success(self.request, "Nouveau secret créé. L'ancien n'est plus utilisé.")
        return redirect(detail_url(endpoint))


class ResendFailedView(EndpointMixin, FormView):
    template_name = "webhooks/resend_failed.html"
    form_class = ResendFailedForm

    def form_valid(self, form):
        endpoint = self.get_endpoint()
        since = timezone.make_aware(datetime.combine(form.cleaned_data["since"], time.min))
        count = services.resend_failed_since(endpoint, since, acting_agent=self.request.user)
        if count:
            messages.success(self.request, f"{count} envoi(s) en échec remis en file d'envoi.")
        else:
            messages.info(self.request, "Aucun envoi en échec depuis cette date.")
        if count and not endpoint.enabled:
            messages.warning(self.request, "Ils partiront quand le point sera réactivé.")
        return redirect(detail_url(endpoint))


class DeliveryDetailView(EndpointMixin, TemplateView):
    template_name = "webhooks/delivery_detail.html"

    def get_context_data(self, **kwargs):
        delivery = get_object_or_404(
            Delivery.objects.select_related("event"),
            endpoint=self.get_endpoint(),
            pk=self.kwargs["delivery_pk"],
        )
        # As sent: stored when the change was recorded (RDV Service Public format), or
        # built from the event (Standard Webhooks); indented when it reads as JSON.
        body = delivery.body or signing.body(delivery.event, delivery.webhook_id).decode()
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        return super().get_context_data(
            delivery=delivery,
            attempts=delivery.attempts.order_by("-attempted_at", "-pk"),
            body=body,
            **kwargs,
        )


@require_POST
@sections.in_section("webhooks")
def endpoint_disable(request, territory_pk, endpoint_pk):
    endpoint = access_endpoint(request, endpoint_pk)
    form = DisableForm(request.POST)
    if endpoint.enabled and form.is_valid():
        services.disable_endpoint(endpoint, form.cleaned_data["reason"], acting_agent=request.user)
        messages.success(request, "Le point de réception est désactivé : plus aucun envoi.")
    return redirect(detail_url(endpoint))


@require_POST
@sections.in_section("webhooks")
def endpoint_enable(request, territory_pk, endpoint_pk):
    endpoint = access_endpoint(request, endpoint_pk)
    if not endpoint.enabled:
        pending = services.enable_endpoint(endpoint, acting_agent=request.user)
        messages.success(
            request,
            f"Le point de réception est réactivé ; {pending} envoi(s) en attente repartent.",
        )
    return redirect(detail_url(endpoint))


@require_POST
@sections.in_section("webhooks")
def endpoint_ping(request, territory_pk, endpoint_pk):
    endpoint = access_endpoint(request, endpoint_pk)
    attempt = services.send_test_event(endpoint, acting_agent=request.user)
    if attempt is None:
        messages.error(request, "L'événement de test n'a pas pu partir, réessayez.")
    elif attempt.succeeded:
        messages.success(
            request,
            f"Événement de test reçu : réponse HTTP {attempt.status_code} "
            f"en {attempt.duration_ms} ms.",
        )
    else:
        status = f"réponse HTTP {attempt.status_code}" if attempt.status_code else "pas de réponse"
        messages.error(request, f"Échec de l'événement de test ({status}). {attempt.error}".strip())
    return redirect(detail_url(endpoint))


@require_POST
@sections.in_section("webhooks")
def delivery_resend(request, territory_pk, endpoint_pk, delivery_pk):
    endpoint = access_endpoint(request, endpoint_pk)
    delivery = get_object_or_404(Delivery, endpoint=endpoint, pk=delivery_pk)
    services.resend_delivery(delivery, acting_agent=request.user)
    if endpoint.enabled:
        messages.success(request, "Envoi relancé, avec le même identifiant (webhook-id).")
    else:
        messages.warning(request, "Envoi remis en file : il partira quand le point sera réactivé.")
    return redirect(
        "webhooks:delivery_detail",
        territory_pk=request.territory.pk,
        endpoint_pk=endpoint.pk,
        delivery_pk=delivery.pk,
    )
