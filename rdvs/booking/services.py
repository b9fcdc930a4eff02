"""The public booking flow's writes: book, move and cancel an RDV as a usager.

Double booking is settled by PostgreSQL: RdvAgent's exclusion constraint refuses a
second RDV overlapping an agent's time, so of two simultaneous bookings of one slot
exactly one commits; the other gets `SlotUnavailable`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from motifs.models import Motif
from rdvs.booking import tasks
from rdvs.models import CreatedBy, Rdv, RdvAgent, RdvStatus
from rdvs.payloads import emit_rdv_event, rdv_payload
from rdvs.slots import booking_window, public_motifs, slot_at
from territories.models import Organisation
from user_records.fields import STANDARD_FIELDS
from user_records.models import UserRecord
from user_records.services import create_user_record

# A usager may cancel online until this long before the RDV (then: by phone).
PUBLIC_CANCEL_DELAY = timedelta(hours=4)


class SlotUnavailable(Exception):
    """The slot is outside the window, was never free, or someone else just took it."""


def _take_agent(rdv: Rdv, agent_ids: list[int]) -> None:
    """Give the RDV the first agent whose time is still free; the database has the
    final word (each attempt in a savepoint, so a refusal leaves the RDV intact)."""
    for agent_id in agent_ids:
        try:
            with transaction.atomic():
                RdvAgent.objects.create(
                    rdv=rdv, agent_id=agent_id, starts_at=rdv.starts_at, ends_at=rdv.ends_at
                )
            return
        except IntegrityError:
            continue
    raise SlotUnavailable


def _publish(rdv: Rdv, action: str, before: dict | None = None) -> None:
    emit_rdv_event(rdv, f"rdv.{action}", None, before)


@transaction.atomic
def book_rdv(
    *, motif: Motif, organisation: Organisation, starts_at: datetime, user_record: UserRecord
) -> Rdv:
    """Book a free slot of the public window for a usager whose record is unsaved."""
    slot = _open_to_usagers(motif, organisation) and slot_at(
        motif, organisation, starts_at, public=True
    )
    if not slot:
        raise SlotUnavailable
    user_record = create_user_record(
        organisation.territory,
        {name: getattr(user_record, name) for name in STANDARD_FIELDS},
        user_record.custom_values,
        organisations=[organisation],
        acting_agent=None,
    )
    rdv = Rdv.objects.create(
        territory=organisation.territory,
        organisation=organisation,
        motif=motif,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        created_by=CreatedBy.USAGER,
    )
    rdv.user_records.add(user_record)
    _take_agent(rdv, list(slot.agent_ids))
    _publish(rdv, "created")
    tasks.send_rdv_mail.delay_on_commit(rdv.pk, "created")
    tasks.send_rdv_sms.delay_on_commit(rdv.pk, "created")
    return rdv


def _open_to_usagers(motif: Motif, organisation: Organisation) -> bool:
    """Still bookable online: open to usagers, not archived, its service active."""
    return public_motifs(organisation).filter(pk=motif.pk).exists()


def can_cancel(rdv: Rdv, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return rdv.status == RdvStatus.UNKNOWN and rdv.starts_at > now + PUBLIC_CANCEL_DELAY


def can_move(rdv: Rdv, now: datetime | None = None) -> bool:
    """Only for motifs open to self-service moves (and still to online booking), while
    the RDV is inside the window."""
    low, _high = booking_window(rdv.motif, now)
    return (
        rdv.motif.public_can_move
        and rdv.status == RdvStatus.UNKNOWN
        and rdv.starts_at > low
        and _open_to_usagers(rdv.motif, rdv.organisation)
    )


@transaction.atomic
def cancel_rdv_by_usager(rdv: Rdv) -> Rdv:
    rdv = Rdv.objects.select_for_update().select_related("motif").get(pk=rdv.pk)
    if not can_cancel(rdv):
        raise ValueError("Ce RDV ne peut plus être annulé en ligne.")
    before = rdv_payload(rdv)
    rdv.status = RdvStatus.CANCELLED
    rdv.cancelled_at = timezone.now()
    rdv.save(update_fields=["status", "cancelled_at", "updated_at"])
    rdv.agent_links.update(holds_time=False)
    _publish(rdv, "cancelled", before)
    tasks.notify_agents.delay_on_commit(rdv.pk, "cancelled")
    return rdv


@transaction.atomic
def move_rdv_by_usager(rdv: Rdv, starts_at: datetime) -> Rdv:
    rdv = Rdv.objects.select_for_update().select_related("motif", "organisation").get(pk=rdv.pk)
    if not can_move(rdv):
        raise ValueError("Ce RDV ne peut pas être déplacé en ligne.")
    slot = slot_at(rdv.motif, rdv.organisation, starts_at, public=True, ignore_rdv_id=rdv.pk)
    if slot is None:
        raise SlotUnavailable
    before = rdv_payload(rdv)
    current = set(rdv.agent_links.values_list("agent_id", flat=True))
    # Keep the same agent when they are free at the new time.
    candidates = sorted(slot.agent_ids, key=lambda agent_id: agent_id not in current)
    rdv.agent_links.all().delete()
    rdv.starts_at, rdv.ends_at = slot.starts_at, slot.ends_at
    rdv.save(update_fields=["starts_at", "ends_at", "updated_at"])
    _take_agent(rdv, candidates)
    _publish(rdv, "updated", before)
    tasks.send_rdv_mail.delay_on_commit(rdv.pk, "moved")
    tasks.send_rdv_sms.delay_on_commit(rdv.pk, "moved")
    # The agents before and after the move are both told.
    agent_ids = current | {link.agent_id for link in rdv.agent_links.all()}
    tasks.notify_agents.delay_on_commit(rdv.pk, "moved", sorted(agent_ids))
    return rdv
