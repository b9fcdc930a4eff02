"""What goes in each kind of export: its header, its rows, batch by batch.

A table reads its rows `BATCH` at a time and hands them over as lists of CSV cells;
nothing holds more than one batch (plus its prefetched agents and usagers): an export
of a million RDVs takes the memory of one batch. Every cell is defused for
spreadsheets (`spreadsheet_cell`), the header too (custom fields' labels are written
by territory admins).

What an agent sees is what they export: RDVs through `permissions.visible_rdvs`, user
records through `permissions.visible_user_records`, with the rights of the agent who
asked, at the time the file is built."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from agents.models import Agent
from exports.cells import spreadsheet_cell
from exports.models import Export, ExportKind
from rdvs.models import CreatedBy, Rdv, RdvStatus
from territories import permissions
from user_records.fields import field_rows, visible_fields
from user_records.models import UserRecord
from user_records.paging import in_batches
from user_records.queries import agent_records

BATCH = 2000  # rows read, written and counted at a time

RDV_HEADER = [
    "N° du RDV",
    "Date",
    "Début",
    "Fin",
    "Motif",
    "Lieu",
    "Organisation",
    "Agents",
    "Statut",
    "Pris par",
    "Créé le",
    "Annulé le",
    "N° de l'usager",
    "Prénom de l'usager",
    "Nom de l'usager",
]
CREATED_BY = {CreatedBy.AGENT: "Agent", CreatedBy.USAGER: "Usager (en ligne)"}


@dataclass
class Table:
    header: list[str]
    total: int  # how many RDVs or user records: the progress bar's 100 %
    # (CSV rows, how many RDVs or records they come from), one per batch read
    batches: Iterator[tuple[list[list[str]], int]]


def table_for(export: Export) -> Table:
    if export.kind == ExportKind.RDVS:
        return rdv_table(export)
    return user_record_table(export)


def lines_by_batch(batches: Iterator[list], lines_of) -> Iterator[tuple[list[list[str]], int]]:
    """The CSV lines of each batch of objects, and how many objects they come from. A
    batch's objects are let go before the next batch is read (no loop variable keeps
    them meanwhile): one batch in memory, not two."""
    while (batch := next(batches, None)) is not None:
        lines = [line for item in batch for line in lines_of(item)]
        count = len(batch)
        del batch
        yield lines, count


# --- RDVs: one row per RDV and per participant ---


def period_bounds(filters: dict) -> tuple[datetime, datetime]:
    """The export's period, whole days in the territory's time zone: [du 00:00, au+1 00:00)."""
    first, last = date.fromisoformat(filters["du"]), date.fromisoformat(filters["au"])
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time(), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=zone),
    )


def exported_rdvs(export: Export) -> QuerySet[Rdv]:
    start, end = period_bounds(export.filters)
    rdvs = Rdv.objects.filter(territory=export.territory, starts_at__gte=start, starts_at__lt=end)
    if export.filters.get("organisation"):
        rdvs = rdvs.filter(organisation_id=export.filters["organisation"])
    return permissions.visible_rdvs(export.requested_by, export.territory, rdvs)


def rdv_table(export: Export) -> Table:
    rdvs = exported_rdvs(export)
    total = rdvs.count()
    rows = (
        rdvs.select_related("motif", "organisation")
        .only(
            "starts_at",
            "ends_at",
            "status",
            "created_by",
            "created_at",
            "cancelled_at",
            "motif__name",
            "motif__location_type",
            "organisation__name",
        )
        .order_by("starts_at", "pk")
        # A server-side cursor, read BATCH rows at a time.
        .iterator(chunk_size=BATCH)
    )
    batches = lines_by_batch(rdv_batches(rows), rdv_lines)
    return Table([spreadsheet_cell(label) for label in RDV_HEADER], total, batches)


def rdv_batches(rows: Iterator[Rdv]) -> Iterator[list[Rdv]]:
    """BATCH RDVs at a time with their agents and usagers (two queries per batch, whatever
    its size). Not the queryset's own prefetch_related(): its chunks keep the previous
    one alive while the next is read."""
    while True:
        batch = list(islice(rows, BATCH))
        if not batch:
            return
        prefetch_related_objects(
            batch,
            # As lists (to_attr): no related manager built per RDV, twice per row.
            Prefetch(
                "agents",
                queryset=Agent.objects.only("first_name", "last_name", "email"),
                to_attr="exported_agents",
            ),
            Prefetch(
                "user_records",
                queryset=UserRecord.objects.only("first_name", "last_name").order_by(
                    "last_name", "first_name", "pk"
                ),
                to_attr="exported_user_records",
            ),
        )
        yield batch
        del batch  # before the next batch is read


def _local(moment: datetime | None, pattern: str) -> str:
    # strftime in the site's zone (the workers activate none): a fraction of the cost of
    # Django's date_format and localtime, five times per row.
    return moment.astimezone(timezone.get_default_timezone()).strftime(pattern) if moment else ""


def rdv_lines(rdv: Rdv) -> list[list[str]]:
    agents = sorted(str(agent) for agent in rdv.exported_agents)
    common = [
        str(rdv.pk),
        _local(rdv.starts_at, "%d/%m/%Y"),
        _local(rdv.starts_at, "%H:%M"),
        _local(rdv.ends_at, "%H:%M"),
        rdv.motif.name,
        rdv.motif.get_location_type_display(),
        rdv.organisation.name,
        ", ".join(agents),
        RdvStatus(rdv.status).label,
        CREATED_BY.get(rdv.created_by, rdv.created_by),
        _local(rdv.created_at, "%d/%m/%Y %H:%M"),
        _local(rdv.cancelled_at, "%d/%m/%Y %H:%M"),
    ]
    participants = [[str(r.pk), r.first_name, r.last_name] for r in rdv.exported_user_records]
    return [
        [spreadsheet_cell(cell) for cell in common + participant]
        for participant in participants or [["", "", ""]]
    ]


# --- user records: one row per record, every field agents see ---


def user_record_table(export: Export) -> Table:
    territory, query = export.territory, export.filters.get("q", "")
    fields = visible_fields(territory)
    seen = agent_records(export.requested_by, territory, query, fields)
    records = seen.records
    batches = (
        (
            [[spreadsheet_cell(value) for _, value in field_rows(fields, r)] for r in batch],
            len(batch),
        )
        # Each batch read from where the previous ended, in the list's order (its index).
        for batch in in_batches(records, BATCH, searched=seen.gathered)
    )
    return Table(
        [spreadsheet_cell(field.label) for field in fields], records.order_by().count(), batches
    )
