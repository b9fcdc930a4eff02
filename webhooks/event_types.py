"""The one list of event types the project emits, grouped by object, for subscriptions.

An endpoint subscribes to "*" (everything), to "<object>.*" (every type of an
object) or to exact types. "ping" (the test event) reaches an endpoint whatever
its subscriptions.

The same names are the actions of the audit log (`territories.changes.record_change`).
A few types only follow support staff's edits in the Django admin (a user record or
custom field deleted, an invitation edited or deleted, a catalogue service renamed).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "*"
PING = "ping"


@dataclass(frozen=True)
class EventGroup:
    key: str
    label: str
    types: tuple[str, ...]

    @property
    def wildcard(self) -> str:
        return f"{self.key}.*"


GROUPS = [
    EventGroup(
        "agent", "Agents", ("agent.invited", "agent.joined", "agent.updated", "agent.removed")
    ),
    EventGroup(
        "invitation",
        "Invitations",
        ("invitation.resent", "invitation.revoked", "invitation.updated", "invitation.deleted"),
    ),
    EventGroup("organisation", "Organisations", ("organisation.created", "organisation.updated")),
    EventGroup(
        "service", "Services", ("service.activated", "service.deactivated", "service.updated")
    ),
    EventGroup(
        "motif",
        "Motifs",
        ("motif.created", "motif.updated", "motif.archived", "motif.deleted"),
    ),
    EventGroup(
        "user_record",
        "Fiches usagers",
        ("user_record.created", "user_record.updated", "user_record.deleted"),
    ),
    EventGroup(
        "user_record_settings", "Champs standards masqués", ("user_record_settings.updated",)
    ),
    EventGroup(
        "custom_field",
        "Champs personnalisés des fiches usagers",
        (
            "custom_field.created",
            "custom_field.updated",
            "custom_field.archived",
            "custom_field.restored",
            "custom_field.deleted",
        ),
    ),
    EventGroup("rdv_settings", "Réglages des fiches RDV", ("rdv_settings.updated",)),
    EventGroup("rdv", "RDV", ("rdv.created", "rdv.updated", "rdv.cancelled", "rdv.usager_arrived")),
    EventGroup(
        "availability_range",
        "Plages d'ouverture",
        ("availability_range.created", "availability_range.updated", "availability_range.deleted"),
    ),
    EventGroup("absence", "Absences", ("absence.created", "absence.updated", "absence.deleted")),
]
KNOWN_TYPES = frozenset(event_type for group in GROUPS for event_type in group.types)

# Changes to the webhooks configuration itself: audited, never published (the systems
# an endpoint feeds are not told about that endpoint, nor about the others).
AUDIT_ONLY = frozenset(
    {
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.disabled",
        "webhook_endpoint.enabled",
        "webhook_endpoint.deleted",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.pinged",
        "webhook_endpoint.failed_deliveries_resent",
        "webhook_delivery.resent",
    }
)


def subscription_choices() -> list[tuple[str, str]]:
    choices = [(ALL, "Tous les événements, y compris ceux ajoutés plus tard")]
    for group in GROUPS:
        choices.append((group.wildcard, f"{group.label} ({', '.join(group.types)})"))
    return choices


def subscription_keys(event_type: str) -> list[str]:
    """The subscription values that select `event_type` (for an array-overlap query)."""
    return [ALL, f"{event_type.split('.', 1)[0]}.*", event_type]


def describe(subscriptions: list[str]) -> str:
    labels = dict(subscription_choices())
    if ALL in subscriptions:
        return "Tous les événements"
    return ", ".join(labels.get(value, value).split(" (")[0] for value in subscriptions)
