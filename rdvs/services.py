"""The one RDV write API: `book`, `move`, `update`, `cancel`, `set_status`, and the
waiting room's `record_arrival`. The agents' screens and the public booking flow both
write through it; the acting person is `acting_agent` (None for a usager).

This is the only code that writes RdvAgent rows. Their copies of the RDV's times and
`holds_time` let PostgreSQL's exclusion constraint refuse two overlapping RDVs of one
agent even when two submissions race; that refusal becomes `SlotTaken`, a `Conflict`
with a French message. Every refusal here is a `territories.errors.ServiceError`.

Each call records one change (`record_change`: webhook event + audit entry) with the
RDV's payload, re-reading the RDV under a row lock first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from motifs.models import Motif
from rdv_settings.queries import settings_for
from rdvs.models import FREEING_STATUSES, CreatedBy, Rdv, RdvAgent, RdvStatus
from rdvs.payloads import rdv_payload
from rdvs.rules import can_cancel, can_record_arrival
from rdvs.tasks import send_arrival_mail, send_usager_mails, send_usager_sms
from territories.changes import record_change
from territories.errors import Conflict, ServiceError
from territories.models import Organisation
from user_records.services import follow_in_organisation

OVERLAP_CONSTRAINT = "no_overlapping_rdvs_per_agent"
OVERLAP_MESSAGE = "Cet agent a déjà un RDV sur ce créneau."
CANNOT_REINSTATE = (
    "Un des agents a déjà un autre RDV sur ce créneau : ce RDV ne peut pas reprendre sa place."
)
CANNOT_CANCEL_ONLINE = "Ce RDV ne peut plus être annulé en ligne : contactez le service."
ARRIVAL_REFUSED = (
    "L'arrivée en salle d'attente ne peut être enregistrée que pour un RDV du jour, à venir."
)


class SlotTaken(Conflict):
    """An agent's time is already held by another RDV (a lost race included)."""

    def __init__(self, message: str = OVERLAP_MESSAGE) -> None:
        super().__init__(message, field="agents")


def _is_overlap(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT


def _pk(agent) -> int:
    return getattr(agent, "pk", agent)


def _locked(rdv: Rdv) -> Rdv:
    return (
        Rdv.objects.select_for_update(of=("self",))
        .select_related("territory", "organisation", "motif")
        .get(pk=rdv.pk)
    )


def _record(rdv: Rdv, action: str, acting_agent, before: dict | None = None) -> None:
    record_change(
        rdv.territory,
        action,
        rdv,
        acting_agent=acting_agent,
        payload=rdv_payload(rdv),
        before=before,
        organisations=[rdv.organisation_id],
    )


def _tell_usagers(rdv: Rdv, change: str, acting_agent) -> None:
    """An agent moved or cancelled an RDV still to come: its usagers are told, by mail
    and SMS as their records allow, once the transaction commits. (What a usager does
    online is told by the booking flow.)"""
    if acting_agent is None or rdv.starts_at <= timezone.now():
        return
    if change == "moved" and rdv.status in FREEING_STATUSES:
        return  # a cancelled or excused RDV moved: nothing the usager expects
    send_usager_mails.delay_on_commit(rdv.pk, change)
    send_usager_sms.delay_on_commit(rdv.pk, change)


def _give_agents(rdv: Rdv, agents: Iterable, *, first_free_agent: bool) -> None:
    """Make the RDV's RdvAgent rows match `agents` (instances or ids) and the RDV's
    times and status. With `first_free_agent`, the RDV gets only the first of `agents`
    whose time is still free. Each insert runs in a savepoint, so a refusal leaves the
    rest of the transaction usable."""
    holds_time = rdv.status not in FREEING_STATUSES
    wanted = list(dict.fromkeys(_pk(agent) for agent in agents))
    links = RdvAgent.objects.filter(rdv=rdv)
    try:
        with transaction.atomic():
            if first_free_agent:
                links.delete()
            else:
                links.exclude(agent_id__in=wanted).delete()
                links.update(starts_at=rdv.starts_at, ends_at=rdv.ends_at, holds_time=holds_time)
            existing = set(links.values_list("agent_id", flat=True))
            for agent_id in wanted:
                if agent_id in existing:
                    continue
                try:
                    with transaction.atomic():
                        RdvAgent.objects.create(
                            rdv=rdv,
                            agent_id=agent_id,
                            starts_at=rdv.starts_at,
                            ends_at=rdv.ends_at,
                            holds_time=holds_time,
                        )
                except IntegrityError as error:
                    if first_free_agent and _is_overlap(error):
                        continue  # taken meanwhile: the next candidate
                    raise
                if first_free_agent:
                    return
    except IntegrityError as error:
        if _is_overlap(error):
            raise SlotTaken from error
        raise
    if first_free_agent:
        raise SlotTaken


@transaction.atomic
def book(
    organisation: Organisation,
    *,
    motif: Motif,
    user_records: Iterable,
    agents: Iterable,
    starts_at: datetime,
    ends_at: datetime,
    acting_agent,
    context: str = "",
    first_free_agent: bool = False,
) -> Rdv:
    """Create an RDV with these agents; for the public flow (`acting_agent` None),
    with `first_free_agent`: the first of `agents` whose time is still free."""
    rdv = Rdv.objects.create(
        territory=organisation.territory,
        organisation=organisation,
        motif=motif,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=CreatedBy.USAGER if acting_agent is None else CreatedBy.AGENT,
        created_by_agent=acting_agent,
        context=context,
    )
    rdv.user_records.set(user_records)
    follow_in_organisation(organisation, user_records, acting_agent=acting_agent)
    _give_agents(rdv, agents, first_free_agent=first_free_agent)
    _record(rdv, "rdv.created", acting_agent)
    return rdv


def _reschedule(
    rdv: Rdv,
    starts_at: datetime,
    ends_at: datetime,
    agents: Iterable,
    *,
    first_free_agent: bool,
    fields: list[str],
) -> None:
    rdv.starts_at, rdv.ends_at = starts_at, ends_at
    rdv.save(update_fields=[*fields, "starts_at", "ends_at", "updated_at"])
    _give_agents(rdv, agents, first_free_agent=first_free_agent)


@transaction.atomic
def move(
    rdv: Rdv,
    *,
    starts_at: datetime,
    ends_at: datetime,
    agents: Iterable,
    acting_agent,
    first_free_agent: bool = False,
) -> Rdv:
    """Give the RDV new times and agents (with `first_free_agent`, the first of
    `agents` free at the new time)."""
    rdv = _locked(rdv)
    before = rdv_payload(rdv)
    moved = (rdv.starts_at, rdv.ends_at) != (starts_at, ends_at)
    _reschedule(rdv, starts_at, ends_at, agents, first_free_agent=first_free_agent, fields=[])
    _record(rdv, "rdv.updated", acting_agent, before)
    if moved:
        _tell_usagers(rdv, "moved", acting_agent)
    return rdv


@transaction.atomic
def update(
    rdv: Rdv,
    *,
    motif: Motif,
    user_records: Iterable,
    agents: Iterable,
    starts_at: datetime,
    ends_at: datetime,
    acting_agent,
    context: str | None = None,
) -> Rdv:
    """The agents' edit form: everything `move` changes, plus the motif, the usagers
    and the context (`context=None` leaves the stored text alone: the field is off)."""
    rdv = _locked(rdv)
    before = rdv_payload(rdv)
    rdv.motif = motif
    fields = ["motif"]
    if context is not None:
        rdv.context = context
        fields.append("context")
    rdv.user_records.set(user_records)
    follow_in_organisation(rdv.organisation, user_records, acting_agent=acting_agent)
    moved = (rdv.starts_at, rdv.ends_at) != (starts_at, ends_at)
    _reschedule(rdv, starts_at, ends_at, agents, first_free_agent=False, fields=fields)
    _record(rdv, "rdv.updated", acting_agent, before)
    if moved:
        _tell_usagers(rdv, "moved", acting_agent)
    return rdv


def _set_status(rdv: Rdv, status: str, acting_agent) -> Rdv:
    if status == rdv.status:
        return rdv
    before = rdv_payload(rdv)
    rdv.status = status
    rdv.cancelled_at = timezone.now() if status == RdvStatus.CANCELLED else None
    rdv.save(update_fields=["status", "cancelled_at", "updated_at"])
    try:
        with transaction.atomic():
            RdvAgent.objects.filter(rdv=rdv).update(holds_time=status not in FREEING_STATUSES)
    except IntegrityError as error:
        if _is_overlap(error):
            raise SlotTaken(CANNOT_REINSTATE) from error
        raise
    action = "rdv.cancelled" if status == RdvStatus.CANCELLED else "rdv.updated"
    _record(rdv, action, acting_agent, before)
    if status == RdvStatus.CANCELLED:
        _tell_usagers(rdv, "cancelled", acting_agent)
    return rdv


@transaction.atomic
def set_status(rdv: Rdv, status: str, *, acting_agent) -> Rdv:
    """Excused and cancelled RDVs free the agents' time; any other status takes it
    back, unless another RDV took it meanwhile (`SlotTaken`)."""
    return _set_status(_locked(rdv), status, acting_agent)


@transaction.atomic
def cancel(rdv: Rdv, *, acting_agent) -> Rdv:
    """Cancel for an agent, or for the usager (`acting_agent` None) while `can_cancel`
    allows it. Cancelling a cancelled RDV again changes nothing for an agent."""
    rdv = _locked(rdv)
    if acting_agent is None and not can_cancel(rdv):
        raise ServiceError(CANNOT_CANCEL_ONLINE)
    return _set_status(rdv, RdvStatus.CANCELLED, acting_agent)


@transaction.atomic
def record_arrival(rdv: Rdv, *, acting_agent) -> bool:
    """Record that the usager is in the waiting room. Returns False if it already was
    (pressing twice changes nothing and tells nobody twice)."""
    rdv = _locked(rdv)
    rdv_settings = settings_for(rdv.territory)
    if rdv.arrived_at is not None:
        return False
    if not can_record_arrival(rdv, rdv_settings.waiting_room_enabled):
        raise ServiceError(ARRIVAL_REFUSED)
    before = rdv_payload(rdv)
    rdv.arrived_at = timezone.now()
    rdv.arrival_recorded_by = acting_agent
    rdv.save(update_fields=["arrived_at", "arrival_recorded_by", "updated_at"])
    _record(rdv, "rdv.usager_arrived", acting_agent, before)
    if rdv_settings.notifies_by_email:
        for agent_pk in rdv.agent_links.values_list("agent_id", flat=True):
            send_arrival_mail.delay_on_commit(rdv.pk, agent_pk)
    return True
