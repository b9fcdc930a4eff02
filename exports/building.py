"""Building an export's file, and deleting it when it expires (called by exports.tasks).

The CSV is written to a file under settings.EXPORTS_DIR batch by batch (exports.tables):
the worker holds one batch at a time, and the progress the agent's page shows is
updated once per batch (one UPDATE), not per row. The file appears under its final
name only once complete (written beside it, then renamed)."""

from __future__ import annotations

import csv
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from exports.models import LIFETIME, Export, ExportKind, ExportStatus
from exports.tables import table_for

logger = logging.getLogger(__name__)

FILE_NAMES = {ExportKind.RDVS: "rdv", ExportKind.USER_RECORDS: "fiches-usagers"}


def build(export: Export) -> None:
    """Write the export's CSV and mark it ready (or failed: the agent is told so)."""
    if export.status not in (ExportStatus.PENDING, ExportStatus.RUNNING):
        return  # built already (a task delivered twice), or expired meanwhile
    relative = Path(str(export.territory_id)) / f"{uuid.uuid4().hex}.csv"
    target = Path(settings.EXPORTS_DIR) / relative
    partial = target.with_suffix(".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    exports = Export.objects.filter(pk=export.pk)
    try:
        table = table_for(export)
        exports.update(status=ExportStatus.RUNNING, rows_total=table.total, rows_done=0)
        done = 0
        # The BOM lets spreadsheet software detect UTF-8.
        with partial.open("w", encoding="utf-8-sig", newline="") as output:
            writer = csv.writer(output, delimiter=";")
            writer.writerow(table.header)
            for batch, count in table.batches:
                writer.writerows(batch)
                done += count
                del batch  # not kept while the next batch is read
                exports.update(rows_done=done)
        partial.rename(target)
    except Exception:
        logger.exception("Export %s failed", export.pk)
        partial.unlink(missing_ok=True)
        exports.update(status=ExportStatus.FAILED, finished_at=timezone.now())
        return
    now = timezone.now()
    stamp = timezone.localtime(export.created_at).strftime("%Y-%m-%d-%Hh%M")
    exports.update(
        status=ExportStatus.DONE,
        rows_done=done,
        file_path=str(relative),
        file_name=f"{FILE_NAMES[ExportKind(export.kind)]}-{stamp}.csv",
        finished_at=now,
        expires_at=now + LIFETIME,
    )


def expire(now=None, batch: int = 500) -> int:
    """Delete the files of the exports past their time, and forget their searches. Returns
    how many exports expired."""
    now = now or timezone.now()
    count = 0
    while True:
        due = list(
            Export.objects.filter(expires_at__lte=now)
            .filter(~Q(status=ExportStatus.EXPIRED))
            .order_by("expires_at")[:batch]
        )
        for export in due:
            if export.file is not None:
                export.file.unlink(missing_ok=True)
            filters = {key: value for key, value in export.filters.items() if key != "q"}
            Export.objects.filter(pk=export.pk).update(
                status=ExportStatus.EXPIRED, file_path="", filters=filters
            )
        count += len(due)
        if len(due) < batch:
            return count
