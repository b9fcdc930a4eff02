"""Exports built by a worker: the RDVs of a period (one row per RDV and per usager) and
the user records of the list; spreadsheet-safe cells; the requester's file only, for a
limited time; audited; batch by batch, in bounded memory and a query count per batch."""

from __future__ import annotations

import csv
import re
import tracemalloc
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import tables
from exports.models import Export, ExportStatus
from exports.tasks import build_export, delete_expired_exports
from motifs.models import LocationType
from rdvs.models import CreatedBy, Rdv, RdvAgent, RdvStatus
from territories.models import AuditEntry
from tests.export_files import downloaded_lines, export_url, exported_lines, request_export
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    CustomFieldFactory,
    ExportFactory,
    MotifFactory,
    OrganisationFactory,
    UserRecordFactory,
    UserRecordSettingsFactory,
    rdv_with_agents,
)
from tests.queries import count_queries
from tests.test_celery import wait_for
from tests.test_user_record_search import bulk_records
from user_records.models import CustomFieldType, UserRecord

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

PARIS = timezone.get_fixed_timezone(60)  # 1 December: winter time


def rows(lines: list[str]) -> list[list[str]]:
    return list(csv.reader(lines, delimiter=";"))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


def rdvs_of_december(client, territory, **data) -> list[list[str]]:
    data = {"type": "rdv", "du": "2026-12-01", "au": "2026-12-31", **data}
    return rows(exported_lines(client, territory, **data))


@pytest.fixture
def motif(territory, service):
    return MotifFactory(
        territory=territory, service=service, name="Accueil", location_type=LocationType.PHONE
    )


# --- the RDVs ---


def test_rdv_export_has_a_row_per_rdv_and_per_usager(
    admin_client, territory, organisation, motif, admin_agent, basic_agent, other_territory
):
    anne = UserRecordFactory(territory=territory, first_name="Anne", last_name="Petit")
    paul = UserRecordFactory(territory=territory, first_name="Paul", last_name="Blanc")
    both = rdv_with_agents(
        admin_agent,
        basic_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        user_records=[anne, paul],
        starts_at=at(3, 9),
        ends_at=at(3, 9, 45),
        created_by=CreatedBy.USAGER,
    )
    alone = rdv_with_agents(
        basic_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=at(2, 14),
        ends_at=at(2, 14, 30),
        status=RdvStatus.CANCELLED,
        cancelled_at=at(1, 8),
    )
    rdv_with_agents(basic_agent, territory=territory, starts_at=at(1, 8) - timedelta(days=2))
    rdv_with_agents(AgentFactory(), territory=other_territory, starts_at=at(3, 10))

    header, *lines = rdvs_of_december(admin_client, territory)
    assert header == tables.RDV_HEADER
    assert [line[0] for line in lines] == [str(alone.pk), str(both.pk), str(both.pk)]
    assert lines[0][1:12] == [
        "02/12/2026",
        "14:00",
        "14:30",
        "Accueil",
        "Par téléphone",
        "Maison des solidarités de Valence",
        "Bob Agent",
        "Annulé",
        "Agent",
        timezone.localtime(alone.created_at).strftime("%d/%m/%Y %H:%M"),
        "01/12/2026 08:00",
    ]
    assert lines[0][12:] == ["", "", ""]  # no usager: one row all the same
    assert lines[1][7:10] == ["Alice Admin, Bob Agent", "À venir", "Usager (en ligne)"]
    assert [line[12:] for line in lines[1:]] == [
        [str(paul.pk), "Paul", "Blanc"],
        [str(anne.pk), "Anne", "Petit"],
    ]


def test_rdv_cells_are_never_spreadsheet_formulas(admin_client, territory, organisation, service):
    motif = MotifFactory(
        territory=territory, service=service, name='=HYPERLINK("https://x.example")'
    )
    usager = UserRecordFactory(territory=territory, first_name="@SUM(A1)", last_name="+Durand")
    rdv_with_agents(
        territory=territory,
        organisation=organisation,
        motif=motif,
        user_records=[usager],
        starts_at=at(3, 9),
    )
    line = rdvs_of_december(admin_client, territory)[1]
    assert line[4] == '\'=HYPERLINK("https://x.example")'
    assert line[13:] == ["'@SUM(A1)", "'+Durand"]


def test_a_basic_agent_exports_only_the_rdvs_they_see(
    client, territory, organisation, motif, basic_agent
):
    colleague = AgentRoleFactory(organisation=organisation, access_level="basic").agent
    own = rdv_with_agents(
        basic_agent, territory=territory, organisation=organisation, starts_at=at(3, 9)
    )
    rdv_with_agents(colleague, territory=territory, organisation=organisation, starts_at=at(3, 10))
    client.force_login(basic_agent)
    header, *lines = rdvs_of_december(client, territory)
    assert [line[0] for line in lines] == [str(own.pk)]


def test_an_rdv_export_may_keep_to_one_organisation_of_the_agent(
    admin_client, territory, organisation, admin_agent
):
    romans = OrganisationFactory(territory=territory, name="Romans")
    rdv_with_agents(admin_agent, territory=territory, organisation=organisation, starts_at=at(3, 9))
    there = rdv_with_agents(territory=territory, organisation=romans, starts_at=at(4, 9))
    header, *lines = rdvs_of_december(admin_client, territory, organisation=romans.pk)
    assert [line[0] for line in lines] == [str(there.pk)]


def test_a_wrong_period_or_organisation_is_told_in_french(
    client, territory, basic_agent, other_territory
):
    client.force_login(basic_agent)
    page = export_url("export_create", territory)
    elsewhere = OrganisationFactory(territory=territory)  # Bob does not work there
    answers = [
        client.post(page, {"type": "rdv", "du": "2026-12-31", "au": "2026-12-01"}),
        client.post(page, {"type": "rdv", "du": "hier", "au": ""}),
        client.post(page, {"type": "rdv", "du": "2020-01-01", "au": "2026-12-01"}),
        client.post(
            page,
            {"type": "rdv", "du": "2026-12-01", "au": "2026-12-02", "organisation": elsewhere.pk},
        ),
    ]
    texts = [answer.content.decode() for answer in answers]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert "Le dernier jour doit suivre le premier." in texts[0]
    assert "Date invalide." in texts[1] and "Indiquez le dernier jour." in texts[1]
    assert "La période ne peut pas dépasser trois ans." in texts[2]
    assert "Choisissez une de vos organisations." in texts[3]
    assert not Export.objects.exists()


# --- the user records ---


def test_user_record_export_has_the_visible_fields_only(admin_client, territory, organisation):
    field = CustomFieldFactory(territory=territory, label="Référent")
    UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Anne",
        last_name="Petit",
        phone="+33475000001",
        custom_values={field.key: "M. Blanc"},
    )
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    lines = exported_lines(admin_client, territory, type="fiches")
    assert lines[0].startswith("Prénom;Nom;Nom de naissance")
    assert "Téléphone" not in lines[0]
    assert lines[0].endswith(";Référent")
    assert lines[1].startswith("Anne;Petit;")
    assert lines[1].endswith(";M. Blanc")
    assert "0475000001" not in "".join(lines)


def test_user_record_cells_are_never_spreadsheet_formulas(admin_client, territory, organisation):
    number = CustomFieldFactory(territory=territory, field_type=CustomFieldType.NUMBER)
    UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name='=HYPERLINK("https://pirate.example","Cliquez")',
        last_name="@SUM(A1)",
        birth_name="+Durand",
        notes="-2+3",
        custom_values={number.key: -4.5},
    )
    cells = exported_lines(admin_client, territory, type="fiches")[1].split(";")
    assert cells[0] == '"\'=HYPERLINK(""https://pirate.example"",""Cliquez"")"'
    assert cells[1:3] == ["'@SUM(A1)", "'+Durand"]
    assert "'-2+3" in cells
    assert cells[-1] == "-4,5"  # a negative number stays a number


def test_a_user_record_export_keeps_the_lists_search(admin_client, territory, organisation):
    UserRecordFactory(territory=territory, first_name="Hélène", last_name="Martin")
    UserRecordFactory(territory=territory, first_name="Jean", last_name="Dupont")
    lines = exported_lines(admin_client, territory, type="fiches", q="Hél\x00Martin")
    assert len(lines) == 2 and "Martin" in lines[1]
    # The list's button carries its search to the export.
    listing = admin_client.get(f"/territoires/{territory.pk}/usagers/", {"q": "martin"})
    assert "?type=fiches&amp;q=martin" in listing.content.decode()


def test_user_records_are_read_in_batches_in_the_lists_order(admin_client, territory, monkeypatch):
    monkeypatch.setattr(tables, "BATCH", 40)
    bulk_records(territory, 2400)  # 105 Martin (7 in every 168)
    export_pk = request_export(admin_client, territory, type="fiches", q="martin")
    with CaptureQueriesContext(connection) as captured:
        build_export(export_pk)
    record_reads = [q["sql"] for q in captured if 'FROM "user_records_userrecord"' in q["sql"]]
    # One count, then batches of 40 + 40 + 25, each from where the previous one ended.
    assert len(record_reads) == 1 + 3
    assert "OFFSET" not in " ".join(record_reads)
    progress = [q["sql"] for q in captured if 'SET "rows_done" =' in q["sql"]]
    assert len(progress) == 3  # one update per batch
    lines = downloaded_lines(admin_client, territory, export_pk)
    expected = UserRecord.objects.filter(last_name__startswith="Martin").order_by(
        "last_name", "first_name", "pk"
    )
    assert len(expected) == 105
    assert [line.split(";")[4] for line in lines[1:]] == [r.email for r in expected]


# --- whose file, for how long ---


def test_only_the_requester_sees_and_downloads_an_export(
    client, admin_client, territory, basic_agent, outsider
):
    UserRecordFactory(territory=territory)
    export_pk = request_export(admin_client, territory, type="fiches")
    build_export(export_pk)
    detail = admin_client.get(export_url("export_detail", territory, export_pk))
    assert "Votre export est prêt" in detail.content.decode()
    for other in (basic_agent, outsider):
        client.force_login(other)
        for name in ("export_detail", "export_download"):
            assert client.get(export_url(name, territory, export_pk)).status_code == 404
        listing = client.get(export_url("export_list", territory)).content.decode()
        assert export_url("export_detail", territory, export_pk) not in listing


def test_an_expired_export_is_deleted_and_says_so(admin_client, territory):
    UserRecordFactory(territory=territory, last_name="Martin")
    export_pk = request_export(admin_client, territory, type="fiches", q="martin")
    build_export(export_pk)
    export = Export.objects.get(pk=export_pk)
    file = export.file
    assert file.exists()
    assert export.expires_at - export.finished_at == timedelta(hours=24)
    Export.objects.filter(pk=export_pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert delete_expired_exports() == 1
    export.refresh_from_db()
    assert export.file_path == ""
    assert not file.exists()
    assert export.status == ExportStatus.EXPIRED
    assert export.filters == {}  # the searched name is forgotten with the file
    response = admin_client.get(export_url("export_download", territory, export_pk))
    assert response.status_code == 410
    assert "Cet export a expiré" in response.content.decode()
    assert delete_expired_exports() == 0


def test_a_built_export_whose_file_is_gone_says_so_instead_of_looping(
    admin_client, territory, caplog
):
    # The web and the workers must share EXPORTS_DIR; when they do not, the detail says
    # "prêt" and the link must not lead back to it.
    UserRecordFactory(territory=territory, last_name="Martin")
    export_pk = request_export(admin_client, territory, type="fiches", q="martin")
    build_export(export_pk)
    Export.objects.get(pk=export_pk).file.unlink()

    response = admin_client.get(export_url("export_download", territory, export_pk))

    assert response.status_code == 410
    page = response.content.decode()
    assert "Le fichier de cet export est introuvable" in page
    assert "Nouvel export" in page
    assert "file missing" in caplog.text


def test_asking_and_downloading_are_audited_without_the_search(
    admin_client, territory, admin_agent
):
    UserRecordFactory(territory=territory, last_name="Martin")
    export_pk = request_export(admin_client, territory, type="fiches", q="martin")
    build_export(export_pk)
    downloaded_lines(admin_client, territory, export_pk)
    entries = AuditEntry.objects.filter(object_id=str(export_pk)).order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("export.requested", admin_agent),
        ("export.downloaded", admin_agent),
    ]
    assert entries[0].after["kind"] == "user_records"
    assert entries[0].after["filters"] == {"searched": True}
    assert "martin" not in str(entries[0].after).lower()


# --- the worker, the progress, the cost ---


def test_the_worker_builds_the_export_the_page_follows(
    celery_worker, admin_client, territory, organisation, admin_agent
):
    for day in range(1, 4):
        rdv_with_agents(
            admin_agent, territory=territory, organisation=organisation, starts_at=at(day, 9)
        )
    export_pk = request_export(
        admin_client, territory, type="rdv", du="2026-12-01", au="2026-12-31"
    )
    assert wait_for(lambda: Export.objects.get(pk=export_pk).status == ExportStatus.DONE)
    export = Export.objects.get(pk=export_pk)
    assert (export.rows_done, export.rows_total) == (3, 3)
    page = admin_client.get(export_url("export_detail", territory, export_pk)).content.decode()
    assert f"/exports/{export_pk}/telecharger/" in page and "hx-trigger" not in page
    assert "RDV du 01/12/2026 au 31/12/2026" in page
    assert len(downloaded_lines(admin_client, territory, export_pk)) == 1 + 3


def test_a_waiting_export_shows_a_progress_bar_that_refreshes_itself(admin_client, territory):
    export_pk = request_export(admin_client, territory, type="fiches")  # no worker here
    page = admin_client.get(export_url("export_detail", territory, export_pk)).content.decode()
    assert re.search(r'<progress id="barre-export"[^>]* max="100" value="0"', page)
    assert 'hx-trigger="every 2s"' in page and "En attente de préparation" in page
    Export.objects.filter(pk=export_pk).update(
        status=ExportStatus.RUNNING, rows_done=1500, rows_total=6000
    )
    part = admin_client.get(
        export_url("export_detail", territory, export_pk), headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in part and 'value="25"' in part and "25 % : 1500 sur 6000" in part
    # Not ready yet: the download leads back to the progress.
    download = admin_client.get(export_url("export_download", territory, export_pk))
    assert download.status_code == 302


def bulk_rdvs(territory, organisation, motif, agent, count: int) -> None:
    """`count` RDVs of December, one after the other, each with its agent and a usager."""
    UserRecord.objects.bulk_create(
        UserRecord(territory=territory, first_name="Usager", last_name=f"N{n}")
        for n in range(count)
    )
    usagers = list(UserRecord.objects.filter(first_name="Usager").order_by("-pk")[:count])
    start = at(1, 0)
    rdvs = Rdv.objects.bulk_create(
        Rdv(
            territory=territory,
            organisation=organisation,
            motif=motif,
            starts_at=start + timedelta(minutes=10 * n),
            ends_at=start + timedelta(minutes=10 * n + 10),
        )
        for n in range(count)
    )
    RdvAgent.objects.bulk_create(
        RdvAgent(rdv=rdv, agent=agent, starts_at=rdv.starts_at, ends_at=rdv.ends_at) for rdv in rdvs
    )
    Rdv.user_records.through.objects.bulk_create(
        Rdv.user_records.through(rdv_id=rdv.pk, userrecord_id=usager.pk)
        for rdv, usager in zip(rdvs, usagers, strict=True)
    )


def test_an_rdv_exports_queries_are_a_few_per_batch(
    admin_client, territory, organisation, motif, admin_agent, monkeypatch
):
    monkeypatch.setattr(tables, "BATCH", 100)

    def build(count):
        Rdv.objects.all().delete()
        bulk_rdvs(territory, organisation, motif, admin_agent, count)
        export_pk = request_export(
            admin_client, territory, type="rdv", du="2026-12-01", au="2026-12-31"
        )
        return count_queries(lambda: build_export(export_pk))

    few, one_batch, two_batches, five_batches = build(5), build(100), build(200), build(500)
    assert few == one_batch  # a batch costs the same for 5 rows as for 100
    per_batch = two_batches - one_batch
    assert per_batch <= 3  # the agents, the usagers, the progress
    assert five_batches == one_batch + 4 * per_batch


def test_an_export_takes_the_memory_of_one_batch_whatever_its_size(
    admin_client, territory, organisation, motif, admin_agent, monkeypatch
):
    """The worker's peak memory while writing 6 batches stays near that of 1 batch (what
    the rows of one batch and their usagers take, plus the writer): a million RDVs do not
    take more than a thousand. Measured after a first run, so that what any first export
    loads once (code, caches) is not counted."""
    monkeypatch.setattr(tables, "BATCH", 500)

    def peak(count) -> int:
        Rdv.objects.all().delete()
        bulk_rdvs(territory, organisation, motif, admin_agent, count)
        export_pk = request_export(
            admin_client, territory, type="rdv", du="2026-12-01", au="2026-12-31"
        )
        tracemalloc.start()
        try:
            build_export(export_pk)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(500)  # warm-up
    one_batch = peak(500)
    six_batches = peak(3000)
    assert six_batches < 1.5 * one_batch, (one_batch, six_batches)


def test_a_download_keeps_the_web_process_memory_flat(admin_client, territory, admin_agent):
    """The file is sent from the disk block by block: a 20 MB export takes the web
    process no more memory than a small one."""

    def peak_while_downloading(size: int) -> int:
        export = ExportFactory(
            territory=territory,
            requested_by=admin_agent,
            status=ExportStatus.DONE,
            file_path=f"{territory.pk}/taille-{size}.csv",
            file_name="fiches-usagers.csv",
        )
        export.file.parent.mkdir(parents=True, exist_ok=True)
        export.file.write_bytes(b"Anne;Petit\r\n" * (size // 12))
        response = admin_client.get(export_url("export_download", territory, export.pk))
        tracemalloc.start()
        try:
            # Read to the end: the test client then closes the response and its file.
            received = sum(len(block) for block in response.streaming_content)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert received == size // 12 * 12
        return peak

    small = peak_while_downloading(100_000)
    large = peak_while_downloading(20_000_000)
    assert large < 1.5 * small + 100_000, (small, large)
