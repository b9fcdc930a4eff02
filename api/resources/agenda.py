"""Absences (list, show, create, update, delete) and availability ranges ("plages
d'ouverture", list), as the agent may see and fill them (territories.permissions)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from api.base import ApiView, bound, visible
from api.errors import FORBIDDEN, form_errors
from api.pagination import paginated
from api.resources.organisations import PAGE, datetime_param
from api.schema import one, page_of
from api.serializers import AbsenceInput, AbsenceSerializer, PlageOuvertureSerializer
from availability import services
from availability.forms import AbsenceForm
from availability.models import Absence, AvailabilityRange
from config.numbers import plain_int
from territories import permissions

ABSENCE_FIELDS = {"agent": "agent_id"}


def _absences(view):
    rows = permissions.agenda_rows(view.agent, view.territory, Absence.objects.all())
    return rows.select_related("agent")


def _absence_values(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Un objet JSON est attendu."]})
    values = {k: v for k, v in payload.items() if k in ("title", "starts_at", "ends_at")}
    if "agent_id" in payload:
        values["agent"] = payload["agent_id"]
    return values


class AbsenceList(ApiView):
    @extend_schema(
        summary="Absences que l'agent peut voir (les siennes ; celles des agents de ses "
        "organisations pour un administrateur)",
        parameters=[
            PAGE,
            OpenApiParameter("agent_id", int),
            OpenApiParameter("starts_after", str, description="Fin après (ISO 8601)."),
        ],
        responses=page_of(AbsenceSerializer, "absences"),
        operation_id="absences_list",
    )
    def get(self, request):
        rows = _absences(self)
        if (agent_id := request.query_params.get("agent_id")) is not None:
            if (number := plain_int(agent_id)) is None:
                raise ValidationError({"agent_id": ["Un identifiant numérique est attendu."]})
            rows = rows.filter(agent_id=number)
        if (after := datetime_param(request, "starts_after")) is not None:
            rows = rows.filter(ends_at__gt=after)
        rows = rows.order_by("starts_at", "pk")
        return paginated(
            request, rows, "absences", lambda items: AbsenceSerializer(items, many=True).data
        )

    @extend_schema(
        summary="Créer une absence",
        request=AbsenceInput,
        responses={201: one(AbsenceSerializer, "absence")},
    )
    def post(self, request):
        absence = save_absence(self, Absence(), _absence_values(request.data))
        return Response(
            {"absence": AbsenceSerializer(absence).data}, status=status.HTTP_201_CREATED
        )


def save_absence(view, absence, values):
    def build(data):
        return AbsenceForm(
            data, instance=absence, territory=view.territory, acting_agent=view.agent
        )

    form = bound(build, values)
    if "agent" in values and "agent" not in form.fields and values["agent"] != view.agent.pk:
        # The form offers no choice of agent to who manages only their own agenda.
        raise PermissionDenied(FORBIDDEN)
    if not form.is_valid():
        raise form_errors(form, ABSENCE_FIELDS)
    return services.save_absence(form.save(commit=False), acting_agent=view.agent)


class AbsenceDetail(ApiView):
    @extend_schema(summary="Une absence", responses=one(AbsenceSerializer, "absence"))
    def get(self, request, absence_pk):
        return Response({"absence": AbsenceSerializer(visible(_absences(self), absence_pk)).data})

    @extend_schema(
        summary="Modifier une absence",
        request=AbsenceInput,
        responses=one(AbsenceSerializer, "absence"),
    )
    def patch(self, request, absence_pk):
        absence = visible(_absences(self), absence_pk)
        absence = save_absence(self, absence, _absence_values(request.data))
        return Response({"absence": AbsenceSerializer(absence).data})

    @extend_schema(summary="Supprimer une absence", responses={204: None})
    def delete(self, request, absence_pk):
        services.delete_absence(visible(_absences(self), absence_pk), acting_agent=self.agent)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlageOuvertureList(ApiView):
    @extend_schema(
        summary="Plages d'ouverture que l'agent peut voir",
        parameters=[
            PAGE,
            OpenApiParameter("organisation_id", int),
            OpenApiParameter("agent_id", int),
        ],
        responses=page_of(PlageOuvertureSerializer, "plage_ouvertures"),
        operation_id="plage_ouvertures_list",
    )
    def get(self, request):
        rows = permissions.agenda_rows(self.agent, self.territory, AvailabilityRange.objects.all())
        for name in ("organisation_id", "agent_id"):
            if (value := request.query_params.get(name)) is not None:
                if (number := plain_int(value)) is None:
                    raise ValidationError({name: ["Un identifiant numérique est attendu."]})
                rows = rows.filter(**{name: number})
        rows = rows.select_related("agent").prefetch_related("motifs").order_by("first_day", "pk")
        return paginated(
            request,
            rows,
            "plage_ouvertures",
            lambda items: PlageOuvertureSerializer(items, many=True).data,
        )
