"""Organisations, their motifs and their RDVs."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.base import ApiView, visible
from api.errors import form_errors
from api.pagination import paginated
from api.schema import one, page_of
from api.serializers import MotifSerializer, OrganisationSerializer, RdvInput, RdvSerializer
from motifs.models import Motif
from rdv_settings.queries import settings_for
from rdvs import services as rdv_services
from rdvs.forms import FIRST_AGENDA_DAY, LAST_AGENDA_DAY, RdvForm
from rdvs.models import Rdv, RdvStatus
from rdvs.queries import with_details
from territories import permissions

BAD_DATETIME = (
    "Date et heure attendues au format ISO 8601 (entre 1900 et 2999), par exemple "
    "2026-12-01T09:30:00+01:00."
)
BAD_STATUS = "Statut inconnu : {}. Statuts possibles : " + ", ".join(RdvStatus.values) + "."
PAGE = OpenApiParameter("page", int, description="Page (100 éléments par page).")


def organisations_of(view):
    return permissions.rdv_organisations(view.agent, view.territory)


def organisation_of(view, organisation_pk):
    """An organisation where the agent works (any of the territory for its admins)."""
    return visible(organisations_of(view), organisation_pk)


class OrganisationList(ApiView):
    @extend_schema(
        summary="Organisations où l'agent travaille",
        parameters=[PAGE],
        responses=page_of(OrganisationSerializer, "organisations"),
        operation_id="organisations_list",
    )
    def get(self, request):
        rows = organisations_of(self).order_by("name", "pk")
        return paginated(
            request,
            rows,
            "organisations",
            lambda items: OrganisationSerializer(items, many=True).data,
        )


class OrganisationDetail(ApiView):
    @extend_schema(
        summary="Une organisation", responses=one(OrganisationSerializer, "organisation")
    )
    def get(self, request, organisation_pk):
        organisation = organisation_of(self, organisation_pk)
        return Response({"organisation": OrganisationSerializer(organisation).data})


class MotifList(ApiView):
    @extend_schema(
        summary="Motifs proposés dans une organisation (hors archivés)",
        parameters=[PAGE],
        responses=page_of(MotifSerializer, "motifs"),
        operation_id="motifs_list",
    )
    def get(self, request, organisation_pk):
        organisation = organisation_of(self, organisation_pk)
        rows = Motif.objects.filter(organisations=organisation, archived_at__isnull=True).order_by(
            "name", "pk"
        )
        return paginated(
            request, rows, "motifs", lambda items: MotifSerializer(items, many=True).data
        )


def datetime_param(request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    parsed = _parsed(value)
    if parsed is None:
        raise ValidationError({name: [BAD_DATETIME]})
    return parsed


def _parsed(value) -> datetime | None:
    """An ISO 8601 date-time, aware (local time when no offset is given), within the
    years an agenda holds; None for anything else."""
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None or not FIRST_AGENDA_DAY <= parsed.date() <= LAST_AGENDA_DAY:
            return None
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    except (ValueError, OverflowError):
        return None


def _rdv_output(view, items) -> list:
    context = {"context_enabled": settings_for(view.territory).context_enabled}
    return RdvSerializer(items, many=True, context=context).data


class RdvList(ApiView):
    @extend_schema(
        summary="RDV d'une organisation que l'agent peut voir",
        parameters=[
            PAGE,
            OpenApiParameter("starts_after", str, description="Début après (ISO 8601)."),
            OpenApiParameter("starts_before", str, description="Début avant (ISO 8601)."),
            OpenApiParameter("status", str, enum=RdvStatus.values),
        ],
        responses=page_of(RdvSerializer, "rdvs"),
        operation_id="rdvs_list",
    )
    def get(self, request, organisation_pk):
        organisation = organisation_of(self, organisation_pk)
        rdvs = permissions.visible_rdvs(
            self.agent, self.territory, Rdv.objects.filter(organisation=organisation)
        )
        if (after := datetime_param(request, "starts_after")) is not None:
            rdvs = rdvs.filter(starts_at__gte=after)
        if (before := datetime_param(request, "starts_before")) is not None:
            rdvs = rdvs.filter(starts_at__lt=before)
        if wanted := request.query_params.get("status"):
            if wanted not in RdvStatus.values:
                raise ValidationError({"status": [BAD_STATUS.format(wanted)]})
            rdvs = rdvs.filter(status=wanted)
        rows = with_details(rdvs).order_by("starts_at", "pk")
        return paginated(request, rows, "rdvs", lambda items: _rdv_output(self, items))

    @extend_schema(
        summary="Créer un RDV pour des usagers",
        request=RdvInput,
        responses={201: one(RdvSerializer, "rdv")},
    )
    def post(self, request, organisation_pk):
        organisation = organisation_of(self, organisation_pk)
        data = _rdv_form_data(request.data, self.agent)
        form = RdvForm(
            data,
            organisation=organisation,
            agent=self.agent,
            context_enabled=settings_for(self.territory).context_enabled,
        )
        if not form.is_valid():
            raise form_errors(form, RDV_FIELDS)
        rdv = rdv_services.book(organisation, **form.rdv_values(), acting_agent=self.agent)
        rdv = with_details(Rdv.objects.filter(pk=rdv.pk)).get()
        return Response({"rdv": _rdv_output(self, [rdv])[0]}, status=status.HTTP_201_CREATED)


# The RDV form's fields, as the API names them.
RDV_FIELDS = {
    "motif": "motif_id",
    "user_records": "user_ids",
    "agents": "agent_ids",
    "day": "starts_at",
    "start_time": "starts_at",
    "duration": "duration_in_min",
}


def _rdv_form_data(payload, agent) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Un objet JSON est attendu."]})
    data = {
        "motif": payload.get("motif_id"),
        "user_records": _ids(payload.get("user_ids"), "user_ids"),
        "agents": _ids(payload.get("agent_ids", [agent.pk]), "agent_ids"),
        "duration": payload.get("duration_in_min"),
        "context": payload.get("context", ""),
    }
    parsed = _parsed(payload.get("starts_at"))
    if parsed is None:
        raise ValidationError({"starts_at": [BAD_DATETIME]})
    local = timezone.localtime(parsed)
    data["day"], data["start_time"] = local.date(), local.time()
    return {key: value for key, value in data.items() if value is not None}


def _ids(value, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError({name: ["Une liste d'identifiants est attendue."]})
    return value


class RdvDetail(ApiView):
    @extend_schema(summary="Un RDV", responses=one(RdvSerializer, "rdv"))
    def get(self, request, rdv_pk):
        rdv = visible(with_details(_visible_rdvs(self)), rdv_pk)
        return Response({"rdv": _rdv_output(self, [rdv])[0]})


def _visible_rdvs(view):
    return permissions.visible_rdvs(view.agent, view.territory, Rdv.objects.all())


class RdvCancel(ApiView):
    @extend_schema(summary="Annuler un RDV", request=None, responses=one(RdvSerializer, "rdv"))
    def post(self, request, rdv_pk):
        rdv = visible(_visible_rdvs(self), rdv_pk)
        rdv_services.cancel(rdv, acting_agent=self.agent)
        rdv = with_details(Rdv.objects.filter(pk=rdv.pk)).get()
        return Response({"rdv": _rdv_output(self, [rdv])[0]})
