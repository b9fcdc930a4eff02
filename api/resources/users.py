"""Users ("usagers", the user records): list and search, show, create, update."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.base import ApiView, bound, visible
from api.errors import form_errors
from api.pagination import paginated
from api.resources.organisations import PAGE
from api.schema import one, page_of
from api.serializers import UserInput, UserSerializer
from territories import permissions
from user_records import services
from user_records.fields import visible_fields
from user_records.forms import CUSTOM_PREFIX, build_user_record_form
from user_records.models import UserRecord
from user_records.paging import ordered
from user_records.queries import SEARCH_TEXTS, agent_records, search_records

NOT_AN_OBJECT = "Un objet JSON est attendu."


def _records(view, query: str = "", fields=None):
    records = search_records(view.territory, query, fields)
    return permissions.visible_user_records(view.agent, view.territory, records)


def _output(view, items, fields) -> list:
    return UserSerializer(items, many=True, context={"visible": fields}).data


def _form_values(payload) -> dict:
    """The API's names as the user record form's."""
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
    values = {k: v for k, v in payload.items() if k not in ("custom_values", "organisation_ids")}
    if "phone_number" in values:
        values["phone"] = values.pop("phone_number")
    custom = payload.get("custom_values") or {}
    if not isinstance(custom, dict):
        raise ValidationError({"custom_values": [NOT_AN_OBJECT]})
    values.update({CUSTOM_PREFIX + key: value for key, value in custom.items()})
    if "organisation_ids" in payload:
        values["organisations"] = payload["organisation_ids"]
    return values


def _field_names(form) -> dict[str, str]:
    names = {"phone": "phone_number", "organisations": "organisation_ids"}
    names.update(
        {
            name: f"custom_values.{name[len(CUSTOM_PREFIX) :]}"
            for name in form.fields
            if name.startswith(CUSTOM_PREFIX)
        }
    )
    return names


class UserList(ApiView):
    @extend_schema(
        summary="Usagers que l'agent peut voir, avec recherche",
        parameters=[
            PAGE,
            OpenApiParameter(
                "search_term",
                str,
                description="Nom, e-mail, téléphone, numéro de dossier, champs personnalisés.",
            ),
        ],
        responses=page_of(UserSerializer, "users"),
        operation_id="users_list",
    )
    def get(self, request):
        fields = visible_fields(self.territory)
        query = request.query_params.get("search_term", "").strip()
        seen = agent_records(self.agent, self.territory, query, fields)
        rows = ordered(seen.records, searched=seen.gathered).prefetch_related("organisations")
        return paginated(request, rows, "users", lambda items: _output(self, items, fields))

    @extend_schema(
        summary="Créer une fiche usager",
        request=UserInput,
        responses={201: one(UserSerializer, "user")},
    )
    def post(self, request):
        territory, agent = self.territory, self.agent
        values = _form_values(request.data)
        organisations = permissions.rdv_organisations(agent, territory)

        def build(data):
            form = build_user_record_form(territory, data=data)
            form.ask_organisations(
                organisations, initial=organisations.filter(agent_roles__agent=agent)
            )
            return form

        form = bound(build, values)
        if not form.is_valid():
            raise form_errors(form, _field_names(form))
        record = services.create_user_record(
            territory,
            form.standard_values(),
            form.custom_values(),
            organisations=form.followed_by(),
            acting_agent=agent,
        )
        return Response({"user": self._show(record.pk)}, status=status.HTTP_201_CREATED)

    def _show(self, pk):
        fields = visible_fields(self.territory)
        record = (
            UserRecord.objects.defer(*SEARCH_TEXTS).prefetch_related("organisations").get(pk=pk)
        )
        return _output(self, [record], fields)[0]


class UserDetail(ApiView):
    @extend_schema(summary="Une fiche usager", responses=one(UserSerializer, "user"))
    def get(self, request, user_record_pk):
        fields = visible_fields(self.territory)
        record = visible(_records(self).prefetch_related("organisations"), user_record_pk)
        return Response({"user": _output(self, [record], fields)[0]})

    @extend_schema(
        summary="Modifier une fiche usager (seuls les champs envoyés changent)",
        request=UserInput,
        responses=one(UserSerializer, "user"),
    )
    def patch(self, request, user_record_pk):
        territory = self.territory
        record = visible(_records(self), user_record_pk)
        values = _form_values(request.data)
        values.pop("organisations", None)  # followed by organisations through RDVs, not here
        form = bound(
            lambda data: build_user_record_form(territory, data=data, record=record), values
        )
        if not form.is_valid():
            raise form_errors(form, _field_names(form))
        services.update_user_record(
            record, form.standard_values(), form.custom_values(), acting_agent=self.agent
        )
        fields = visible_fields(territory)
        record = UserRecord.objects.prefetch_related("organisations").get(pk=record.pk)
        return Response({"user": _output(self, [record], fields)[0]})
