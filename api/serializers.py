"""What the API answers about each object (JSON), and the shape of what it accepts.

Field names follow the reference platform's API where the concept is the same
(`phone_number`, `duration_in_min`, `users`, `target_url`, `subscriptions`…), so that a
partner tool reads both with one mapping. Input is validated by the same Django forms
as the agents' screens (they narrow every choice to what the agent may use): the input
serializers here describe it for the OpenAPI document.
"""

from __future__ import annotations

from rest_framework import serializers

from user_records.fields import STANDARD_FIELDS

# --- output ---


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    phone_number = serializers.CharField(source="phone")
    email = serializers.CharField()
    website = serializers.CharField()
    opening_hours = serializers.CharField()


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MotifSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    service_id = serializers.IntegerField()
    location_type = serializers.CharField()
    default_duration_in_min = serializers.IntegerField(source="default_duration")
    bookable_publicly = serializers.BooleanField(source="bookable_by_public")
    min_public_booking_delay = serializers.IntegerField(source="min_booking_delay")
    max_public_booking_delay = serializers.IntegerField(source="max_booking_delay")
    instruction_for_rdv = serializers.CharField(source="instructions_after")
    deleted_at = serializers.DateTimeField(source="archived_at")


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class RdvSerializer(serializers.Serializer):
    """`context` only while the territory shows the field (`context_enabled` in the
    serializer's context), as on the agents' screens."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_in_min = serializers.SerializerMethodField()
    created_by = serializers.CharField()
    cancelled_at = serializers.DateTimeField()
    organisation = RefSerializer()
    motif = RefSerializer()
    agents = serializers.SerializerMethodField()
    users = UserRefSerializer(source="user_records.all", many=True)
    context = serializers.CharField(required=False)

    def get_duration_in_min(self, rdv) -> int:
        return int((rdv.ends_at - rdv.starts_at).total_seconds() // 60)

    def get_agents(self, rdv) -> list[dict]:
        return AgentRefSerializer([link.agent for link in rdv.agent_links.all()], many=True).data

    def to_representation(self, rdv):
        data = super().to_representation(rdv)
        if not self.context.get("context_enabled"):
            data.pop("context", None)
        return data


class UserSerializer(serializers.Serializer):
    """A user record ("usager"). A standard field the territory hides is sent as null;
    custom fields (`custom_values`, by key) only while active. `visible` in the
    serializer's context: the territory's visible fields (one read per request)."""

    id = serializers.IntegerField()
    organisation_ids = serializers.ListField(child=serializers.IntegerField())
    custom_values = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, record):
        visible = self.context["visible"]
        shown = {field.name for field in visible if field.custom is None}
        data = {"id": record.pk}
        for name in STANDARD_FIELDS:
            value = getattr(record, name) if name in shown else None
            data["phone_number" if name == "phone" else name] = (
                value.isoformat() if hasattr(value, "isoformat") else value
            )
        custom = record.custom_values or {}
        data["custom_values"] = {
            field.name: custom.get(field.name) for field in visible if field.custom is not None
        }
        data["organisation_ids"] = sorted(o.pk for o in record.organisations.all())
        data["created_at"] = serializers.DateTimeField().to_representation(record.created_at)
        data["updated_at"] = serializers.DateTimeField().to_representation(record.updated_at)
        return data


class AbsenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agent = AgentRefSerializer()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class PlageOuvertureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organisation_id = serializers.IntegerField()
    agent = AgentRefSerializer()
    motif_ids = serializers.SerializerMethodField()
    first_day = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    recurrence = serializers.CharField()
    weekdays = serializers.ListField(child=serializers.IntegerField())
    every_n_weeks = serializers.IntegerField()
    until = serializers.DateField()

    def get_motif_ids(self, availability_range) -> list[int]:
        return sorted(motif.pk for motif in availability_range.motifs.all())


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target_url = serializers.CharField(source="url")
    format = serializers.CharField()
    subscriptions = serializers.ListField(child=serializers.CharField(), source="event_types")
    organisation_ids = serializers.SerializerMethodField()
    description = serializers.CharField()
    legacy_signature = serializers.BooleanField()
    enabled = serializers.BooleanField()

    def get_organisation_ids(self, endpoint) -> list[int]:
        return sorted(o.pk for o in endpoint.organisations.all())


# --- input (for the OpenAPI document; the forms validate) ---


class RdvInput(serializers.Serializer):
    motif_id = serializers.IntegerField()
    user_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Les fiches usagers du RDV."
    )
    agent_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Par défaut : vous."
    )
    starts_at = serializers.DateTimeField(help_text="ISO 8601, ex. 2026-12-01T09:30:00+01:00")
    duration_in_min = serializers.IntegerField(
        required=False, help_text="Par défaut : la durée du motif."
    )
    context = serializers.CharField(required=False)


class UserInput(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_name = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False)
    email = serializers.EmailField(required=False)
    phone_number = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    address_details = serializers.CharField(required=False)
    notes = serializers.CharField(required=False)
    affiliation = serializers.CharField(required=False)
    affiliation_number = serializers.CharField(required=False)
    family_situation = serializers.CharField(required=False)
    number_of_children = serializers.IntegerField(required=False)
    housing_situation = serializers.CharField(required=False)
    case_number = serializers.CharField(required=False)
    custom_values = serializers.DictField(required=False)
    organisation_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="À la création : les organisations qui suivent l'usager.",
    )


class AbsenceInput(serializers.Serializer):
    agent_id = serializers.IntegerField(required=False, help_text="Par défaut : vous.")
    title = serializers.CharField(required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class WebhookEndpointInput(serializers.Serializer):
    target_url = serializers.URLField()
    format = serializers.ChoiceField(
        choices=["standard", "rdv_service_public"],
        required=False,
        help_text="rdv_service_public : le format des webhooks de RDV Service Public.",
    )
    subscriptions = serializers.ListField(child=serializers.CharField(), required=False)
    secret = serializers.CharField(required=False, help_text="À la création seulement.")
    description = serializers.CharField(required=False)
    legacy_signature = serializers.BooleanField(required=False)
    trigger = serializers.BooleanField(
        required=False,
        help_text="Envoyer aussitôt, comme créés, tous les objets auxquels il est abonné.",
    )
