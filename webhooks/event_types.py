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
        "webhook_endpoint.backfill_requested",
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
    """What an endpoint receives, in words (either format's names)."""
    if ALL in subscriptions:
        return "Tous les événements"
    labels = dict(subscription_choices()) | dict(RDVSP_SUBSCRIPTIONS)
    return ", ".join(labels.get(value, value).split(" (")[0] for value in subscriptions)


# --- The RDV Service Public format (the reference platform's webhooks) ---------------

# Its subscription names, in its order, with what admins read (the name first: the
# partner tool's documentation says which it needs).
RDVSP_SUBSCRIPTIONS = [
    ("rdv", "rdv — les RDV"),
    ("user", "user — les fiches usagers"),
    ("user_profile", "user_profile — le suivi d'une fiche usager par une organisation"),
    ("organisation", "organisation — les organisations"),
    ("motif", "motif — les motifs, un envoi par organisation du motif"),
    ("agent", "agent — les agents"),
    ("agent_role", "agent_role — la place d'un agent dans une organisation"),
    ("absence", "absence — les absences"),
    ("plage_ouverture", "plage_ouverture — les plages d'ouverture"),
]
RDVSP_NAMES = frozenset(name for name, _ in RDVSP_SUBSCRIPTIONS)

# A `meta.event` decided per organisation by comparing the payloads before and after
# (an organisation added: created; removed: destroyed; kept: updated).
CHANGED = "changed"

# The one table: what each event of the catalogue above becomes in that format, as
# (reference model, meta.event) for each object it concerns. Types absent from it
# (invitations, services, user records' and RDVs' settings, custom fields) have no
# counterpart there and are not sent in that format.
RDVSP_EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "organisation.created": (("Organisation", "created"),),
    "organisation.updated": (("Organisation", "updated"),),
    "agent.joined": (("Agent", "created"), ("AgentRole", "created")),
    "agent.updated": (("Agent", "updated"), ("AgentRole", CHANGED)),
    "agent.removed": (("AgentRole", "destroyed"),),
    "motif.created": (("Motif", "created"),),
    "motif.updated": (("Motif", CHANGED),),
    "motif.archived": (("Motif", "updated"),),
    "motif.deleted": (("Motif", "destroyed"),),
    "user_record.created": (("User", "created"), ("UserProfile", "created")),
    "user_record.updated": (("User", "updated"), ("UserProfile", CHANGED)),
    "user_record.deleted": (("UserProfile", "destroyed"), ("User", "destroyed")),
    "rdv.created": (("Rdv", "created"),),
    "rdv.updated": (("Rdv", "updated"),),
    # A cancellation is an update there: status revoked and cancelled_at.
    "rdv.cancelled": (("Rdv", "updated"),),
    "rdv.usager_arrived": (("Rdv", "updated"),),
    "availability_range.created": (("PlageOuverture", "created"),),
    "availability_range.updated": (("PlageOuverture", "updated"),),
    "availability_range.deleted": (("PlageOuverture", "destroyed"),),
    "absence.created": (("Absence", "created"),),
    "absence.updated": (("Absence", "updated"),),
    "absence.deleted": (("Absence", "destroyed"),),
}


def rdvsp_subscription(model: str) -> str:
    """The reference platform's naming: PlageOuverture -> plage_ouverture."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in model).lstrip("_")


def rdvsp_subscriptions(event_type: str) -> list[str]:
    """The subscription names that select `event_type` in that format."""
    return sorted({rdvsp_subscription(model) for model, _ in RDVSP_EVENTS.get(event_type, ())})
