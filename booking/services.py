"""The public flow's use cases: a usager books, moves or cancels an RDV online.

The RDV writes themselves, and their refusals, are rdvs.services' (`book`, `move`,
`cancel`, with `acting_agent=None`). This module adds what the public flow needs
around them: the time must be a slot the flow offers (the motif still open online,
inside its booking window), the usager's record is found or created, and the usager
and the agents are told once the transaction commits.

One record per person: the booking goes to the territory's existing record only on
strong evidence (same names, birth date, and e-mail or phone: user_records.duplicates);
otherwise a new record is created, and its probable duplicates are flagged for agents.

Double booking is settled by PostgreSQL: RdvAgent's exclusion constraint refuses a
second RDV overlapping an agent's time, so of two simultaneous bookings of one slot
exactly one commits; the other gets `SlotUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction

from availability.slots import slot_at
from booking import tasks
from booking.rules import can_move, open_online
from motifs.models import Motif
from rdvs import services as rdv_services
from rdvs.models import Rdv
from territories.errors import Conflict, ServiceError
from territories.models import Organisation
from user_records.duplicates import same_person
from user_records.fields import STANDARD_FIELDS
from user_records.models import UserRecord
from user_records.services import create_user_record

SLOT_GONE = (
    "Ce créneau vient d'être réservé par quelqu'un d'autre ou n'est plus disponible. "
    "Choisissez un autre créneau parmi ceux encore disponibles."
)
CANNOT_MOVE_ONLINE = "Ce RDV ne peut pas être déplacé en ligne : contactez le service."


class SlotUnavailable(Conflict):
    """The slot is outside the window, was never free, or someone else just took it."""

    def __init__(self, message: str = SLOT_GONE) -> None:
        super().__init__(message)


@contextmanager
def _slot_gone_when_taken() -> Iterator[None]:
    """For a usager, an agent's time taken meanwhile is simply a slot gone."""
    try:
        yield
    except rdv_services.SlotTaken as taken:
        raise SlotUnavailable from taken


@transaction.atomic
def book_online(
    organisation: Organisation, *, motif: Motif, starts_at: datetime, user_record: UserRecord
) -> Rdv:
    """Book a free slot of the public window for a usager whose details (an unsaved
    record) name an existing record or make a new one."""
    slot = open_online(motif, organisation) and slot_at(motif, organisation, starts_at, public=True)
    if not slot:
        raise SlotUnavailable
    values = {name: getattr(user_record, name) for name in STANDARD_FIELDS}
    user_record = same_person(organisation.territory, values) or create_user_record(
        organisation.territory,
        values,
        user_record.custom_values,
        organisations=[organisation],
        acting_agent=None,
    )
    with _slot_gone_when_taken():
        rdv = rdv_services.book(
            organisation,
            motif=motif,
            user_records=[user_record],
            agents=slot.agent_ids,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            acting_agent=None,
            first_free_agent=True,
        )
    tasks.send_rdv_mail.delay_on_commit(rdv.pk, "created")
    tasks.send_rdv_sms.delay_on_commit(rdv.pk, "created")
    return rdv


@transaction.atomic
def move_online(rdv: Rdv, starts_at: datetime) -> Rdv:
    rdv = (
        Rdv.objects.select_for_update(of=("self",))
        .select_related("motif", "organisation")
        .get(pk=rdv.pk)
    )
    if not can_move(rdv):
        raise ServiceError(CANNOT_MOVE_ONLINE)
    slot = slot_at(rdv.motif, rdv.organisation, starts_at, public=True, ignore_rdv_id=rdv.pk)
    if slot is None:
        raise SlotUnavailable
    before = set(rdv.agent_links.values_list("agent_id", flat=True))
    # Keep the same agent when they are free at the new time.
    candidates = sorted(slot.agent_ids, key=lambda agent_id: agent_id not in before)
    with _slot_gone_when_taken():
        rdv = rdv_services.move(
            rdv,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            agents=candidates,
            acting_agent=None,
            first_free_agent=True,
        )
    tasks.send_rdv_mail.delay_on_commit(rdv.pk, "moved")
    tasks.send_rdv_sms.delay_on_commit(rdv.pk, "moved")
    # The agents before and after the move are both told.
    agent_ids = before | set(rdv.agent_links.values_list("agent_id", flat=True))
    tasks.notify_agents.delay_on_commit(rdv.pk, "moved", sorted(agent_ids))
    return rdv


@transaction.atomic
def cancel_online(rdv: Rdv) -> Rdv:
    """The usager's cancellation (refused by rdvs.services.cancel when too late), with
    the agents told."""
    rdv = rdv_services.cancel(rdv, acting_agent=None)
    tasks.notify_agents.delay_on_commit(rdv.pk, "cancelled")
    return rdv
