"""Asking for an export as an agent and reading the file they download, the worker's task
run in the test's process (tests/test_exports.py runs it on a real worker too)."""

from __future__ import annotations

from django.urls import reverse

from exports.tasks import build_export


def export_url(name: str, territory, *args) -> str:
    return reverse(f"exports:{name}", args=[territory.pk, *args])


def request_export(client, territory, **data) -> int:
    """POST the export form; the new export's pk."""
    response = client.post(export_url("export_create", territory), data)
    assert response.status_code == 302, response.content.decode()
    return int(response.url.rstrip("/").rsplit("/", 1)[-1])


def downloaded_lines(client, territory, export_pk: int) -> list[str]:
    response = client.get(export_url("export_download", territory, export_pk))
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def exported_lines(client, territory, **data) -> list[str]:
    """The CSV lines (header first) of the export `data` asks for: `type="fiches"` and
    `q`, or the RDVs' `du`, `au`, `organisation`."""
    export_pk = request_export(client, territory, **data)
    build_export(export_pk)
    return downloaded_lines(client, territory, export_pk)
