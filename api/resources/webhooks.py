"""Webhook endpoints of an organisation: list (by `target_url`), create, update, delete,
and `trigger: true` to receive every subscribed object as created (webhooks.backfill).

An endpoint made here is restricted to the organisation of the URL. Webhooks are the
territory's configuration: territory admins only, as on the Webhooks page (403 for
other agents)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from api.access import CONFIGURATION_REFUSED
from api.base import ApiView, bound, visible
from api.errors import form_errors
from api.pagination import paginated
from api.resources.organisations import PAGE, organisation_of
from api.schema import one, page_of
from api.serializers import WebhookEndpointInput, WebhookEndpointSerializer
from territories import permissions
from webhooks import services
from webhooks.backfill import request_backfill
from webhooks.event_types import ALL, GROUPS
from webhooks.forms import EndpointForm
from webhooks.models import Endpoint, EndpointFormat

# The reference platform's subscription names, for partners that already use them.
REFERENCE_NAMES = {
    "user": "user_record",
    "user_profile": "user_record",
    "plage_ouverture": "availability_range",
    "agent_role": "agent",
}
ENDPOINT_FIELDS = {
    "url": "target_url",
    "event_types": "subscriptions",
    "rdvsp_subscriptions": "subscriptions",
}
SECRET_TOO_SHORT = "Le secret doit compter au moins 16 caractères."  # noqa: S105  a message


def _subscription(name: str) -> str:
    """`rdv`, `rdv.*` or `*` -> what the endpoint form offers (`rdv.*`, `*`)."""
    if name == ALL or name.endswith(".*"):
        return name
    key = REFERENCE_NAMES.get(name, name)
    return f"{key}.*" if any(group.key == key for group in GROUPS) else name


def _values(payload, endpoint=None) -> dict:
    """The form's values from the API's; `subscriptions` in the endpoint's format: the
    reference platform's names as they are for its format, the catalogue's (or the
    reference names, translated) for Standard Webhooks."""
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Un objet JSON est attendu."]})
    values = {}
    if "target_url" in payload:
        values["url"] = payload["target_url"]
    if "format" in payload:
        values["format"] = payload["format"]
    current = endpoint.format if endpoint is not None else EndpointFormat.STANDARD
    rdv_service_public = values.get("format", current) == EndpointFormat.RDV_SERVICE_PUBLIC
    if "subscriptions" in payload:
        subscriptions = payload["subscriptions"]
        if not isinstance(subscriptions, list) or not all(
            isinstance(s, str) for s in subscriptions
        ):
            raise ValidationError({"subscriptions": ["Une liste de noms est attendue."]})
        if rdv_service_public:
            values["rdvsp_subscriptions"] = subscriptions
        else:
            values["event_types"] = [_subscription(name) for name in subscriptions]
    for name in ("description", "legacy_signature"):
        if name in payload:
            values[name] = payload[name]
    return values


def _trigger(payload) -> bool:
    trigger = payload.get("trigger", False) if isinstance(payload, dict) else False
    if not isinstance(trigger, bool):
        raise ValidationError({"trigger": ["Un booléen (true ou false) est attendu."]})
    return trigger


class EndpointsMixin:
    def organisation(self, organisation_pk):
        organisation = organisation_of(self, organisation_pk)
        if not permissions.can_configure_territory(self.agent, self.territory):
            raise PermissionDenied(CONFIGURATION_REFUSED)
        return organisation

    def endpoints(self, organisation):
        return Endpoint.objects.filter(organisations=organisation).prefetch_related("organisations")

    def answer(self, endpoint, trigger: bool, code=status.HTTP_200_OK, **extra):
        data = WebhookEndpointSerializer(endpoint).data
        if trigger:
            extra["backfill"] = request_backfill(endpoint, acting_agent=self.agent)
        return Response({"webhook_endpoint": {**data, **extra}}, status=code)


class EndpointList(EndpointsMixin, ApiView):
    @extend_schema(
        summary="Webhooks d'une organisation",
        parameters=[PAGE, OpenApiParameter("target_url", str)],
        responses=page_of(WebhookEndpointSerializer, "webhook_endpoints"),
        operation_id="webhook_endpoints_list",
    )
    def get(self, request, organisation_pk):
        rows = self.endpoints(self.organisation(organisation_pk))
        if target_url := request.query_params.get("target_url"):
            rows = rows.filter(url=target_url)
        return paginated(
            request,
            rows.order_by("pk"),
            "webhook_endpoints",
            lambda items: WebhookEndpointSerializer(items, many=True).data,
        )

    @extend_schema(
        summary="Créer un webhook pour l'organisation",
        request=WebhookEndpointInput,
        responses={201: one(WebhookEndpointSerializer, "webhook_endpoint")},
    )
    def post(self, request, organisation_pk):
        organisation = self.organisation(organisation_pk)
        trigger = _trigger(request.data)
        values = {**_values(request.data), "organisations": [organisation.pk]}
        if "event_types" not in values and "rdvsp_subscriptions" not in values:
            values["event_types"] = [ALL]
        secret = request.data.get("secret") or None
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise ValidationError({"secret": [SECRET_TOO_SHORT]})
        form = bound(lambda data: EndpointForm(data, territory=self.territory), values)
        if not form.is_valid():
            raise form_errors(form, ENDPOINT_FIELDS)
        endpoint = services.create_endpoint(
            self.territory,
            form.values(),
            organisations=[organisation],
            acting_agent=self.agent,
            secret=secret,
        )
        # A secret made here is shown this once; a partner's own is not sent back.
        extra = {} if secret else {"secret": endpoint.secret}
        return self.answer(endpoint, trigger, status.HTTP_201_CREATED, **extra)


class EndpointDetail(EndpointsMixin, ApiView):
    @extend_schema(
        summary="Modifier un webhook (seuls les champs envoyés changent)",
        request=WebhookEndpointInput,
        responses=one(WebhookEndpointSerializer, "webhook_endpoint"),
    )
    def patch(self, request, organisation_pk, endpoint_pk):
        endpoint = visible(self.endpoints(self.organisation(organisation_pk)), endpoint_pk)
        trigger = _trigger(request.data)
        form = bound(
            lambda data: EndpointForm(data, instance=endpoint, territory=self.territory),
            _values(request.data, endpoint),
        )
        if not form.is_valid():
            raise form_errors(form, ENDPOINT_FIELDS)
        endpoint = services.update_endpoint(
            endpoint,
            form.values(),
            organisations=form.cleaned_data["organisations"],
            acting_agent=self.agent,
        )
        return self.answer(endpoint, trigger)

    @extend_schema(summary="Supprimer un webhook", responses={204: None})
    def delete(self, request, organisation_pk, endpoint_pk):
        endpoint = visible(self.endpoints(self.organisation(organisation_pk)), endpoint_pk)
        services.delete_endpoint(endpoint, acting_agent=self.agent)
        return Response(status=status.HTTP_204_NO_CONTENT)
