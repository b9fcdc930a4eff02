"""Exports: asked for by an agent (the file is built by a task), downloaded by that agent
only. Both are audited: who took which data out of the territory."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from exports.models import LIFETIME, Export, ExportKind
from exports.payloads import export_payload
from exports.tasks import build_export
from territories.changes import record_change
from territories.models import Territory


@transaction.atomic
def request_export(
    territory: Territory, kind: ExportKind, filters: dict, *, acting_agent
) -> Export:
    """A new export of `kind` (`filters`: the RDVs' period `du`/`au` and `organisation`,
    or the user records' search `q`), built after commit by a worker."""
    export = Export.objects.create(
        territory=territory,
        requested_by=acting_agent,
        kind=kind,
        filters=filters,
        expires_at=timezone.now() + LIFETIME,
    )
    record_change(
        territory,
        "export.requested",
        export,
        acting_agent=acting_agent,
        payload=export_payload(export),
    )
    build_export.delay_on_commit(export.pk)
    return export


@transaction.atomic
def record_download(export: Export, *, acting_agent) -> None:
    """The agent took the file: the journal says who and when."""
    record_change(
        export.territory,
        "export.downloaded",
        export,
        acting_agent=acting_agent,
        payload=export_payload(export),
    )
