"""Every service call records its change the one way: exactly the listed actions, each
one audit entry, and — for published actions — one webhook event of that very type.

`SERVICES` lists every public function of every `services.py`: a new service must be
added to it (the introspection test fails otherwise), with a call that changes
something and the actions that call records.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from agents import services as agents
from api import services as api
from availability import services as availability
from availability.models import Absence, AvailabilityRange
from availability.slots import PARIS
from booking import services as booking
from exports import services as exports
from exports.models import ExportKind
from motifs import services as motifs
from organisations import services as organisations
from rdv_settings import services as rdv_settings
from rdvs import services as rdvs
from rdvs.models import RdvStatus
from territories.changes import audit_only_actions, known_actions, published_types, record_change
from territories.models import AuditEntry
from tests.factories import (
    AbsenceFactory,
    AgentFactory,
    AgentServiceFactory,
    ApiTokenFactory,
    AvailabilityRangeFactory,
    CustomFieldFactory,
    DeliveryFactory,
    EndpointFactory,
    ExportFactory,
    InvitationFactory,
    MotifFactory,
    RdvSettingsFactory,
    ServiceFactory,
    UserRecordFactory,
)
from tests.webhook_receiver import receiver  # noqa: F401  (the test ping's target)
from user_records import services as user_records
from webhooks import services as webhooks
from webhooks.backfill import request_backfill
from webhooks.models import DeliveryStatus, Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

BASE_DIR = Path(__file__).resolve().parent.parent


class World:
    """The objects a call needs: the three people of conftest and their territory."""

    def __init__(self, territory, organisation, service, admin_agent, basic_agent, request):
        self.territory = territory
        self.organisation = organisation
        self.service = service
        self.admin = admin_agent
        self.basic = basic_agent
        self.request = request

    def motif(self, **kwargs):
        return MotifFactory(
            territory=self.territory,
            service=self.service,
            organisations=[self.organisation],
            **kwargs,
        )

    def invitation(self, **kwargs):
        return InvitationFactory(
            territory=self.territory,
            invited_by=self.admin,
            organisations=[self.organisation],
            **kwargs,
        )

    def endpoint(self, **kwargs):
        return EndpointFactory(territory=self.territory, **kwargs)


@dataclass(frozen=True)
class Case:
    """A call that changes something, and the actions it must record, in order.

    `given(world)` builds what the call works on (before counting); `call(world, given)`
    makes the change."""

    call: Callable[[World, Any], object]
    records: tuple[str, ...]
    given: Callable[[World], Any] = lambda world: None


def _failed_delivery(w: World):
    endpoint = w.endpoint()
    DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    return endpoint


def _duplicate_pair(w: World):
    from user_records.models import DuplicatePair

    first, second = UserRecordFactory.create_batch(2, territory=w.territory)
    return DuplicatePair.objects.create(
        territory=w.territory, first=first, second=second, reason="email"
    )


def _two_fields(w: World):
    first = CustomFieldFactory(territory=w.territory)
    CustomFieldFactory(territory=w.territory)
    return first


def _at(days: int, hour: int) -> datetime:
    """A Paris wall-clock time `days` from today."""
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour), PARIS)


def _rdv(w: World, starts_at=None):
    """An RDV of the admin, booked by the admin."""
    starts_at = starts_at or _at(1, 9)
    return rdvs.book(
        w.organisation,
        motif=w.motif(),
        user_records=[UserRecordFactory(territory=w.territory)],
        agents=[w.admin],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        acting_agent=w.admin,
    )


def _arrival_awaited(w: World):
    RdvSettingsFactory(territory=w.territory, waiting_room_mode="visual")
    return _rdv(w, starts_at=timezone.now())


def _open_online(w: World):
    """A motif open online that the basic agent receives every day, 8:00 to 18:00."""
    motif = w.motif(bookable_by_public=True, public_can_move=True)
    AgentServiceFactory(agent=w.basic, territory=w.territory, service=w.service)
    AvailabilityRangeFactory(
        territory=w.territory,
        organisation=w.organisation,
        agent=w.basic,
        motifs=[motif],
        first_day=timezone.localdate(),
        start_time=time(8),
        end_time=time(18),
        recurrence="weekly",
        weekdays=list(range(7)),
    )
    return motif


def _usager_details():
    return UserRecordFactory.build(first_name="Léa", last_name="Martin", phone="")


def _booked_online(w: World):
    return booking.book_online(
        w.organisation, motif=_open_online(w), starts_at=_at(1, 10), user_record=_usager_details()
    )


def _availability_range(w: World):
    return AvailabilityRangeFactory(
        territory=w.territory, organisation=w.organisation, agent=w.basic, motifs=[w.motif()]
    )


def _new_availability_range(w: World):
    return AvailabilityRange(
        territory=w.territory,
        organisation=w.organisation,
        agent=w.basic,
        first_day=timezone.localdate(),
        start_time=time(9),
        end_time=time(12),
    )


def _new_absence(w: World):
    starts_at = _at(2, 9)
    return Absence(
        territory=w.territory,
        agent=w.basic,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
    )


def _changed(obj, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _invitation_for_dora(w: World):
    return w.invitation(email="dora@exemple.fr"), AgentFactory(email="dora@exemple.fr")


FIELD_VALUES = {
    "label": "Situation",
    "field_type": "short_text",
    "help_text": "",
    "required": False,
    "asked_in_booking": False,
    "choices": [],
}
ENDPOINT_VALUES = {
    "url": "https://logiciel.exemple.fr/webhooks",
    "description": "Suivi",
    "event_types": ["*"],
    "legacy_signature": False,
}
YESTERDAY = timedelta(days=1)

SERVICES: dict[tuple[str, str], list[Case]] = {
    ("organisations.services", "set_service_active"): [
        Case(
            given=lambda w: ServiceFactory(),
            call=lambda w, new: organisations.set_service_active(
                w.territory, new, is_active=True, acting_agent=w.admin
            ),
            records=("service.activated",),
        ),
        Case(
            call=lambda w, _: organisations.set_service_active(
                w.territory, w.service, is_active=False, acting_agent=w.admin
            ),
            records=("service.deactivated",),
        ),
    ],
    ("organisations.services", "request_service"): [
        Case(
            call=lambda w, _: organisations.request_service(
                w.territory,
                service_name="Médiation numérique",
                reason="Des conseillers reçoivent sur rendez-vous.",
                organisations=[w.organisation],
                acting_agent=w.admin,
            ),
            records=("service_request.created",),
        )
    ],
    # The creator becomes the organisation's admin: a change of their own, told apart.
    ("organisations.services", "create_organisation"): [
        Case(
            call=lambda w, _: organisations.create_organisation(
                w.territory, {"name": "Mairie de Die"}, acting_agent=w.admin
            ),
            records=("organisation.created", "agent.updated"),
        )
    ],
    ("organisations.services", "update_organisation"): [
        Case(
            call=lambda w, _: organisations.update_organisation(
                w.organisation, {"phone": "04 75 11 22 33"}, acting_agent=w.admin
            ),
            records=("organisation.updated",),
        )
    ],
    ("agents.services", "update_agent"): [
        Case(
            call=lambda w, _: agents.update_agent(
                w.territory,
                w.basic,
                services=[w.service],
                levels={w.organisation: "admin"},
                is_territory_admin=False,
                acting_agent=w.admin,
            ),
            records=("agent.updated",),
        )
    ],
    ("agents.services", "remove_agent"): [
        Case(
            call=lambda w, _: agents.remove_agent(w.territory, w.basic, acting_agent=w.admin),
            records=("agent.removed",),
        )
    ],
    ("agents.services", "invite_agent"): [
        Case(
            call=lambda w, _: agents.invite_agent(
                w.territory, "dora@exemple.fr", [w.service], [w.organisation], acting_agent=w.admin
            ),
            records=("agent.invited",),
        )
    ],
    # An intervenant joins without an invitation: created by the admin, a name is enough.
    ("agents.services", "create_intervenant"): [
        Case(
            call=lambda w, _: agents.create_intervenant(
                w.territory,
                first_name="",
                last_name="Intervenante",
                email=None,
                services=[w.service],
                organisations=[w.organisation],
                acting_agent=w.admin,
            ),
            records=("agent.joined",),
        )
    ],
    ("agents.services", "resend_invitation"): [
        Case(
            given=World.invitation,
            call=lambda w, invitation: agents.resend_invitation(invitation, acting_agent=w.admin),
            records=("invitation.resent",),
        )
    ],
    ("agents.services", "revoke_invitation"): [
        Case(
            given=World.invitation,
            call=lambda w, invitation: agents.revoke_invitation(invitation, acting_agent=w.admin),
            records=("invitation.revoked",),
        )
    ],
    ("agents.services", "accept_invitation"): [
        Case(
            given=_invitation_for_dora,
            call=lambda w, given: agents.accept_invitation(given[0], acting_agent=given[1]),
            records=("agent.joined",),
        )
    ],
    ("agents.services", "join_with_new_account"): [
        Case(
            given=lambda w: w.invitation(email="dora@exemple.fr"),
            call=lambda w, invitation: agents.join_with_new_account(
                invitation, first_name="Dora", last_name="Neuve", password="un-mot-de-passe-29"
            ),
            records=("agent.joined",),
        )
    ],
    ("motifs.services", "create_motif"): [
        Case(
            call=lambda w, _: motifs.create_motif(
                w.territory,
                {"name": "Accueil", "service": w.service, "location_type": "phone"},
                organisations=[w.organisation],
                acting_agent=w.admin,
            ),
            records=("motif.created",),
        )
    ],
    ("motifs.services", "update_motif"): [
        Case(
            given=World.motif,
            call=lambda w, motif: motifs.update_motif(
                motif,
                {"default_duration": 45},
                organisations=[w.organisation],
                acting_agent=w.admin,
            ),
            records=("motif.updated",),
        )
    ],
    ("motifs.services", "archive_motif"): [
        Case(
            given=World.motif,
            call=lambda w, motif: motifs.archive_motif(motif, acting_agent=w.admin),
            records=("motif.archived",),
        )
    ],
    # Consumers have always received a restoration as an update.
    ("motifs.services", "restore_motif"): [
        Case(
            given=lambda w: w.motif(archived_at=timezone.now()),
            call=lambda w, motif: motifs.restore_motif(motif, acting_agent=w.admin),
            records=("motif.updated",),
        )
    ],
    ("motifs.services", "delete_motif"): [
        Case(
            given=World.motif,
            call=lambda w, motif: motifs.delete_motif(motif, acting_agent=w.admin),
            records=("motif.deleted",),
        )
    ],
    ("user_records.services", "create_user_record"): [
        Case(
            call=lambda w, _: user_records.create_user_record(
                w.territory, {"first_name": "Léa", "last_name": "Martin"}, {}, acting_agent=w.admin
            ),
            records=("user_record.created",),
        ),
        Case(  # online booking: no agent acts
            call=lambda w, _: user_records.create_user_record(
                w.territory,
                {"first_name": "Léa", "last_name": "Martin"},
                {},
                organisations=[w.organisation],
                acting_agent=None,
            ),
            records=("user_record.created",),
        ),
    ],
    ("user_records.services", "update_user_record"): [
        Case(
            given=lambda w: UserRecordFactory(territory=w.territory),
            call=lambda w, record: user_records.update_user_record(
                record, {"last_name": "Dupont"}, {}, acting_agent=w.admin
            ),
            records=("user_record.updated",),
        )
    ],
    # An RDV makes its records known in its organisation: one change per record.
    ("user_records.services", "follow_in_organisation"): [
        Case(
            given=lambda w: UserRecordFactory.create_batch(2, territory=w.territory),
            call=lambda w, records: user_records.follow_in_organisation(
                w.organisation, records, acting_agent=w.basic
            ),
            records=("user_record.updated", "user_record.updated"),
        )
    ],
    ("user_records.services", "delete_user_record"): [
        Case(
            given=lambda w: UserRecordFactory(territory=w.territory),
            call=lambda w, record: user_records.delete_user_record(record, acting_agent=w.admin),
            records=("user_record.deleted",),
        )
    ],
    ("user_records.services", "delete_past_retention"): [
        Case(
            given=lambda w: UserRecordFactory.create_batch(2, territory=w.territory),
            call=lambda w, records: user_records.delete_past_retention(
                w.territory, [r.pk for r in records]
            ),
            records=("user_record.deleted", "user_record.deleted"),
        )
    ],
    # The merged-away record is deleted, the survivor updated.
    ("user_records.services", "merge_user_records"): [
        Case(
            given=lambda w: UserRecordFactory.create_batch(2, territory=w.territory),
            call=lambda w, records: user_records.merge_user_records(
                records[0], records[1], {}, acting_agent=w.admin
            ),
            records=("user_record.deleted", "user_record.updated"),
        )
    ],
    ("user_records.services", "dismiss_duplicate"): [
        Case(
            given=_duplicate_pair,
            call=lambda w, pair: user_records.dismiss_duplicate(pair, acting_agent=w.basic),
            records=("duplicate_pair.dismissed",),
        )
    ],
    ("user_records.services", "set_retention"): [
        Case(
            call=lambda w, _: user_records.set_retention(
                w.territory, 12, acting_agent=w.admin, start=True
            ),
            records=("user_record_retention.updated",),
        )
    ],
    ("user_records.services", "set_hidden_fields"): [
        Case(
            call=lambda w, _: user_records.set_hidden_fields(
                w.territory, ["phone"], acting_agent=w.admin
            ),
            records=("user_record_settings.updated",),
        )
    ],
    ("user_records.services", "create_custom_field"): [
        Case(
            call=lambda w, _: user_records.create_custom_field(
                w.territory, FIELD_VALUES, acting_agent=w.admin
            ),
            records=("custom_field.created",),
        )
    ],
    ("user_records.services", "update_custom_field"): [
        Case(
            given=lambda w: CustomFieldFactory(territory=w.territory),
            call=lambda w, field: user_records.update_custom_field(
                field, {**FIELD_VALUES, "label": "Autre"}, acting_agent=w.admin
            ),
            records=("custom_field.updated",),
        )
    ],
    ("user_records.services", "move_custom_field"): [
        Case(
            given=_two_fields,
            call=lambda w, field: user_records.move_custom_field(field, +1, acting_agent=w.admin),
            records=("custom_field.updated",),
        )
    ],
    ("user_records.services", "archive_custom_field"): [
        Case(
            given=lambda w: CustomFieldFactory(territory=w.territory),
            call=lambda w, field: user_records.archive_custom_field(field, acting_agent=w.admin),
            records=("custom_field.archived",),
        )
    ],
    ("user_records.services", "restore_custom_field"): [
        Case(
            given=lambda w: CustomFieldFactory(territory=w.territory, archived_at=timezone.now()),
            call=lambda w, field: user_records.restore_custom_field(field, acting_agent=w.admin),
            records=("custom_field.restored",),
        )
    ],
    ("rdv_settings.services", "update_rdv_settings"): [
        Case(
            call=lambda w, _: rdv_settings.update_rdv_settings(
                w.territory, context_enabled=True, waiting_room_mode="both", acting_agent=w.admin
            ),
            records=("rdv_settings.updated",),
        )
    ],
    ("webhooks.services", "create_endpoint"): [
        Case(
            call=lambda w, _: webhooks.create_endpoint(
                w.territory, ENDPOINT_VALUES, organisations=[], acting_agent=w.admin
            ),
            records=("webhook_endpoint.created",),
        )
    ],
    ("webhooks.services", "update_endpoint"): [
        Case(
            given=World.endpoint,
            call=lambda w, endpoint: webhooks.update_endpoint(
                endpoint, ENDPOINT_VALUES, organisations=[], acting_agent=w.admin
            ),
            records=("webhook_endpoint.updated",),
        )
    ],
    ("webhooks.services", "disable_endpoint"): [
        Case(
            given=World.endpoint,
            call=lambda w, endpoint: webhooks.disable_endpoint(
                endpoint, "Maintenance", acting_agent=w.admin
            ),
            records=("webhook_endpoint.disabled",),
        )
    ],
    ("webhooks.services", "enable_endpoint"): [
        Case(
            given=lambda w: w.endpoint(enabled=False),
            call=lambda w, endpoint: webhooks.enable_endpoint(endpoint, acting_agent=w.admin),
            records=("webhook_endpoint.enabled",),
        )
    ],
    ("webhooks.services", "delete_endpoint"): [
        Case(
            given=World.endpoint,
            call=lambda w, endpoint: webhooks.delete_endpoint(endpoint, acting_agent=w.admin),
            records=("webhook_endpoint.deleted",),
        )
    ],
    ("webhooks.services", "rotate_secret"): [
        Case(
            given=World.endpoint,
            call=lambda w, endpoint: webhooks.rotate_secret(
                endpoint, timedelta(hours=24), acting_agent=w.admin
            ),
            records=("webhook_endpoint.secret_rotated",),
        )
    ],
    ("webhooks.services", "send_test_event"): [
        Case(
            given=lambda w: w.endpoint(url=w.request.getfixturevalue("receiver").url()),
            call=lambda w, endpoint: webhooks.send_test_event(endpoint, acting_agent=w.admin),
            records=("webhook_endpoint.pinged",),
        )
    ],
    ("webhooks.services", "resend_delivery"): [
        Case(
            given=lambda w: DeliveryFactory(endpoint=w.endpoint(), status=DeliveryStatus.FAILED),
            call=lambda w, delivery: webhooks.resend_delivery(delivery, acting_agent=w.admin),
            records=("webhook_delivery.resent",),
        )
    ],
    ("webhooks.backfill", "request_backfill"): [
        Case(
            given=World.endpoint,
            call=lambda w, endpoint: request_backfill(endpoint, acting_agent=w.admin),
            records=("webhook_endpoint.backfill_requested",),
        )
    ],
    ("api.services", "create_token"): [
        Case(
            call=lambda w, _: api.create_token(w.territory, "Logiciel", acting_agent=w.basic),
            records=("api_token.created",),
        )
    ],
    ("api.services", "revoke_token"): [
        Case(
            given=lambda w: ApiTokenFactory(territory=w.territory, agent=w.basic),
            call=lambda w, token: api.revoke_token(token, acting_agent=w.basic),
            records=("api_token.revoked",),
        )
    ],
    ("exports.services", "request_export"): [
        Case(
            call=lambda w, _: exports.request_export(
                w.territory, ExportKind.USER_RECORDS, {"q": "martin"}, acting_agent=w.basic
            ),
            records=("export.requested",),
        )
    ],
    ("exports.services", "record_download"): [
        Case(
            given=lambda w: ExportFactory(territory=w.territory, requested_by=w.basic),
            call=lambda w, export: exports.record_download(export, acting_agent=w.basic),
            records=("export.downloaded",),
        )
    ],
    ("webhooks.services", "resend_failed_since"): [
        Case(
            given=_failed_delivery,
            call=lambda w, endpoint: webhooks.resend_failed_since(
                endpoint, timezone.now() - YESTERDAY, acting_agent=w.admin
            ),
            records=("webhook_endpoint.failed_deliveries_resent",),
        )
    ],
    ("rdvs.services", "book"): [
        Case(
            given=World.motif,
            call=lambda w, motif: rdvs.book(
                w.organisation,
                motif=motif,
                user_records=[],
                agents=[w.admin],
                starts_at=_at(1, 9),
                ends_at=_at(1, 10),
                acting_agent=w.admin,
            ),
            records=("rdv.created",),
        )
    ],
    ("rdvs.services", "move"): [
        Case(
            given=_rdv,
            call=lambda w, rdv: rdvs.move(
                rdv,
                starts_at=_at(1, 14),
                ends_at=_at(1, 15),
                agents=[w.basic],
                acting_agent=w.admin,
            ),
            records=("rdv.updated",),
        )
    ],
    ("rdvs.services", "update"): [
        Case(
            given=_rdv,
            call=lambda w, rdv: rdvs.update(
                rdv,
                motif=rdv.motif,
                user_records=[],
                agents=[w.admin, w.basic],
                starts_at=rdv.starts_at,
                ends_at=rdv.ends_at,
                context="Vient accompagnée",
                acting_agent=w.admin,
            ),
            records=("rdv.updated",),
        )
    ],
    ("rdvs.services", "set_status"): [
        Case(
            given=_rdv,
            call=lambda w, rdv: rdvs.set_status(rdv, RdvStatus.EXCUSED, acting_agent=w.basic),
            records=("rdv.updated",),
        )
    ],
    ("rdvs.services", "cancel"): [
        Case(
            given=_rdv,
            call=lambda w, rdv: rdvs.cancel(rdv, acting_agent=w.admin),
            records=("rdv.cancelled",),
        ),
        Case(  # by the usager
            given=_rdv,
            call=lambda w, rdv: rdvs.cancel(rdv, acting_agent=None),
            records=("rdv.cancelled",),
        ),
    ],
    ("rdvs.services", "record_arrival"): [
        Case(
            given=_arrival_awaited,
            call=lambda w, rdv: rdvs.record_arrival(rdv, acting_agent=w.basic),
            records=("rdv.usager_arrived",),
        )
    ],
    # The usager's record is created with the RDV.
    ("booking.services", "book_online"): [
        Case(
            given=_open_online,
            call=lambda w, motif: booking.book_online(
                w.organisation, motif=motif, starts_at=_at(1, 10), user_record=_usager_details()
            ),
            records=("user_record.created", "rdv.created"),
        )
    ],
    ("booking.services", "move_online"): [
        Case(
            given=_booked_online,
            call=lambda w, rdv: booking.move_online(rdv, _at(1, 11)),
            records=("rdv.updated",),
        )
    ],
    ("booking.services", "cancel_online"): [
        Case(
            given=_booked_online,
            call=lambda w, rdv: booking.cancel_online(rdv),
            records=("rdv.cancelled",),
        )
    ],
    ("availability.services", "save_availability_range"): [
        Case(
            given=_new_availability_range,
            call=lambda w, new: availability.save_availability_range(
                new, [w.motif()], acting_agent=w.basic
            ),
            records=("availability_range.created",),
        ),
        Case(
            given=_availability_range,
            call=lambda w, existing: availability.save_availability_range(
                _changed(existing, end_time=time(11)), [], acting_agent=w.admin
            ),
            records=("availability_range.updated",),
        ),
    ],
    ("availability.services", "delete_availability_range"): [
        Case(
            given=_availability_range,
            call=lambda w, existing: availability.delete_availability_range(
                existing, acting_agent=w.admin
            ),
            records=("availability_range.deleted",),
        )
    ],
    ("availability.services", "save_absence"): [
        Case(
            given=_new_absence,
            call=lambda w, new: availability.save_absence(new, acting_agent=w.basic),
            records=("absence.created",),
        ),
        Case(
            given=lambda w: AbsenceFactory(territory=w.territory, agent=w.basic),
            call=lambda w, absence: availability.save_absence(
                _changed(absence, title="Formation"), acting_agent=w.basic
            ),
            records=("absence.updated",),
        ),
    ],
    ("availability.services", "delete_absence"): [
        Case(
            given=lambda w: AbsenceFactory(territory=w.territory, agent=w.basic),
            call=lambda w, absence: availability.delete_absence(absence, acting_agent=w.basic),
            records=("absence.deleted",),
        )
    ],
}


def service_modules() -> list[str]:
    """Every `services.py` of the project, as a module name."""
    names = []
    for path in BASE_DIR.rglob("services.py"):
        relative = path.relative_to(BASE_DIR)
        if relative.parts[0] in {".venv", ".local", "tests", "bench"}:
            continue
        names.append(".".join(relative.with_suffix("").parts))
    return sorted(names)


def public_functions(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    return {
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    }


@pytest.mark.parametrize("module_name", service_modules())
def test_every_public_service_function_is_in_the_table(module_name):
    listed = {function for module, function in SERVICES if module == module_name}
    missing = public_functions(module_name) - listed
    assert not missing, f"add {sorted(missing)} of {module_name} to tests/test_changes.py"
    assert listed <= public_functions(module_name), "the table lists a function that is gone"


def test_the_table_names_only_known_actions():
    for cases in SERVICES.values():
        for case in cases:
            assert set(case.records) <= known_actions()


CASES = [
    pytest.param(case, id=f"{function}-{index}")
    for (_, function), cases in SERVICES.items()
    for index, case in enumerate(cases)
]


@pytest.mark.parametrize("case", CASES)
def test_a_service_call_records_each_of_its_actions_once(
    case, territory, organisation, service, admin_agent, basic_agent, request
):
    world = World(territory, organisation, service, admin_agent, basic_agent, request)
    given = case.given(world)
    last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    case.call(world, given)

    entries = AuditEntry.objects.filter(pk__gt=last_entry).order_by("pk")
    events = Event.objects.filter(pk__gt=last_event).exclude(type="ping").order_by("pk")
    assert [entry.action for entry in entries] == list(case.records)
    published = [action for action in case.records if action in published_types()]
    assert [event.type for event in events] == published
    for entry in entries:
        assert entry.territory_id == territory.pk


def test_published_and_audit_only_actions_do_not_overlap():
    assert published_types() and audit_only_actions()
    assert not published_types() & audit_only_actions()


def test_an_unknown_action_is_refused(territory, organisation):
    with pytest.raises(ValueError):
        record_change(
            territory, "organisation.renamed", organisation, acting_agent=None, payload={}
        )
    assert not AuditEntry.objects.exists() and not Event.objects.exists()


def test_an_update_keeps_what_changed_a_creation_and_a_deletion_everything(
    territory, organisation, admin_agent
):
    before = {"id": 1, "name": "A", "phone": "04"}
    updated = record_change(
        territory,
        "organisation.updated",
        organisation,
        acting_agent=admin_agent,
        payload={**before, "phone": "05"},
        before=before,
    )
    assert (updated.before, updated.after) == ({"phone": "04"}, {"phone": "05"})
    created = record_change(
        territory, "organisation.created", organisation, acting_agent=None, payload=before
    )
    assert (created.before, created.after, created.actor) == (None, before, None)
    deleted = record_change(
        territory,
        "motif.deleted",
        organisation,
        acting_agent=admin_agent,
        payload=before,
        deleted=True,
    )
    assert (deleted.before, deleted.after) == (before, None)
    assert Event.objects.get(type="motif.deleted").payload == before
