"""RDV writes by agents: create, edit, change status, cancel, record an arrival.

Every function keeps the RdvAgent copies (times, holds_time) in step with the RDV,
so that PostgreSQL's exclusion constraint refuses overlapping RDVs of one agent even
when two submissions race; that refusal becomes a French validation error."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import Agent
from motifs.models import Motif
from rdv_settings.queries import settings_for
from rdvs.models import FREEING_STATUSES, CreatedBy, Rdv, RdvAgent, RdvStatus
from rdvs.payloads import emit_rdv_event, rdv_payload
from rdvs.tasks import send_arrival_mail
from territories.models import Organisation

OVERLAP_CONSTRAINT = "no_overlapping_rdvs_per_agent"
OVERLAP_MESSAGE = "Cet agent a déjà un RDV sur ce créneau."


def _is_overlap(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT


def _write_agent_links(rdv: Rdv, agents: Iterable[Agent]) -> None:
    """Make the RDV's RdvAgent rows match `agents` and the RDV's times and status."""
    holds_time = rdv.status not in FREEING_STATUSES
    wanted = {agent.pk: agent for agent in agents}
    try:
        with transaction.atomic():
            RdvAgent.objects.filter(rdv=rdv).exclude(agent_id__in=wanted).delete()
            RdvAgent.objects.filter(rdv=rdv).update(
                starts_at=rdv.starts_at, ends_at=rdv.ends_at, holds_time=holds_time
            )
            existing = set(RdvAgent.objects.filter(rdv=rdv).values_list("agent_id", flat=True))
            for agent_pk, agent in wanted.items():
                if agent_pk in existing:
                    continue
                with transaction.atomic():
                    RdvAgent.objects.create(
                        rdv=rdv,
                        agent=agent,
                        starts_at=rdv.starts_at,
                        ends_at=rdv.ends_at,
                        holds_time=holds_time,
                    )
    except IntegrityError as error:
        if _is_overlap(error):
            raise ValidationError({"agents": OVERLAP_MESSAGE}) from error
        raise


@transaction.atomic
def create_rdv(
    organisation: Organisation,
    *,
    motif: Motif,
    user_records: Iterable,
    agents: Iterable[Agent],
    starts_at: datetime,
    ends_at: datetime,
    created_by_agent: Agent,
    context: str = "",
) -> Rdv:
    rdv = Rdv.objects.create(
        territory=organisation.territory,
        organisation=organisation,
        motif=motif,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=CreatedBy.AGENT,
        created_by_agent=created_by_agent,
        context=context,
    )
    rdv.user_records.set(user_records)
    _write_agent_links(rdv, agents)
    emit_rdv_event(rdv, "rdv.created", created_by_agent)
    return rdv


@transaction.atomic
def update_rdv(
    rdv: Rdv,
    *,
    motif: Motif,
    user_records: Iterable,
    agents: Iterable[Agent],
    starts_at: datetime,
    ends_at: datetime,
    context: str | None = None,
    actor: Agent | None = None,
) -> Rdv:
    """`context=None` leaves the stored text alone (the field is switched off)."""
    before = rdv_payload(rdv)
    rdv.motif = motif
    rdv.starts_at = starts_at
    rdv.ends_at = ends_at
    fields = ["motif", "starts_at", "ends_at", "updated_at"]
    if context is not None:
        rdv.context = context
        fields.append("context")
    rdv.save(update_fields=fields)
    rdv.user_records.set(user_records)
    _write_agent_links(rdv, agents)
    emit_rdv_event(rdv, "rdv.updated", actor, before)
    return rdv


def _hold_agents_time(rdv: Rdv) -> None:
    holds_time = rdv.status not in FREEING_STATUSES
    try:
        with transaction.atomic():
            RdvAgent.objects.filter(rdv=rdv).update(holds_time=holds_time)
    except IntegrityError as error:
        if _is_overlap(error):
            raise ValidationError(
                "Un des agents a déjà un autre RDV sur ce créneau : "
                "ce RDV ne peut pas reprendre sa place."
            ) from error
        raise


@transaction.atomic
def change_status(rdv: Rdv, status: str, *, actor: Agent) -> Rdv:
    if status == rdv.status:
        return rdv
    before = rdv_payload(rdv)
    rdv.status = status
    rdv.cancelled_at = timezone.now() if status == RdvStatus.CANCELLED else None
    rdv.save(update_fields=["status", "cancelled_at", "updated_at"])
    _hold_agents_time(rdv)
    event = "rdv.cancelled" if status == RdvStatus.CANCELLED else "rdv.updated"
    emit_rdv_event(rdv, event, actor, before)
    return rdv


def cancel_rdv(rdv: Rdv, *, actor: Agent) -> Rdv:
    return change_status(rdv, RdvStatus.CANCELLED, actor=actor)


def can_record_arrival(rdv: Rdv, waiting_room_enabled: bool) -> bool:
    """Today's RDVs that have not happened yet, while the waiting room is in use."""
    return (
        waiting_room_enabled
        and rdv.arrived_at is None
        and rdv.status == RdvStatus.UNKNOWN
        and timezone.localtime(rdv.starts_at).date() == timezone.localdate()
    )


@transaction.atomic
def record_arrival(rdv: Rdv, *, actor: Agent) -> bool:
    """Record that the usager is in the waiting room. Returns False if it already was
    (pressing twice changes nothing and tells nobody twice)."""
    rdv = Rdv.objects.select_for_update().get(pk=rdv.pk)
    rdv_settings = settings_for(rdv.territory)
    if rdv.arrived_at is not None:
        return False
    if not can_record_arrival(rdv, rdv_settings.waiting_room_enabled):
        raise ValidationError(
            "L'arrivée en salle d'attente ne peut être enregistrée que pour un RDV "
            "du jour, à venir."
        )
    before = rdv_payload(rdv)
    rdv.arrived_at = timezone.now()
    rdv.arrival_recorded_by = actor
    rdv.save(update_fields=["arrived_at", "arrival_recorded_by", "updated_at"])
    emit_rdv_event(rdv, "rdv.usager_arrived", actor, before)
    if rdv_settings.notifies_by_email:
        for agent_pk in rdv.agent_links.values_list("agent_id", flat=True):
            send_arrival_mail.delay_on_commit(rdv.pk, agent_pk)
    return True
