import csv
import re
from datetime import datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app
from tests.browser.conftest import assert_accessible, login
from tests.conftest import worker_running
from tests.factories import PASSWORD, UserRecordFactory, rdv_with_agents

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def downloaded(page, link_name: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file, delimiter=";"))


def test_an_agent_exports_rdvs_follows_the_progress_and_downloads_the_file(
    page, transactional_db, admin_agent, territory, organisation
):
    usager = UserRecordFactory(
        territory=territory, organisations=[organisation], first_name="Anne", last_name="=Petit"
    )
    today = timezone.localdate()
    rdv = rdv_with_agents(
        admin_agent,
        territory=territory,
        organisation=organisation,
        user_records=[usager],
        starts_at=datetime.combine(today, time(9), tzinfo=timezone.get_current_timezone()),
    )
    app.control.purge()  # no worker yet: the export waits, its page shows so
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/rdv/")
    page.get_by_role("link", name="Exporter les RDV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exporter les RDV")
    assert_accessible(page)
    page.get_by_role("button", name="Préparer l'export").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Export des RDV")
    progress = page.get_by_role("progressbar", name="Préparation du fichier")
    expect(progress).to_have_attribute("value", "0")
    expect(page.get_by_role("status")).to_have_text("En attente de préparation…")
    expect(page.get_by_text("pendant 24 heures")).to_be_visible()
    assert_accessible(page)

    with worker_running(purge=False):
        # The page asks for its progress by itself until the file is ready.
        expect(page.get_by_role("link", name=re.compile(r"^Télécharger rdv-"))).to_be_visible(
            timeout=20_000
        )
        expect(progress).to_have_count(0)
        expect(page.get_by_role("status")).to_have_text("Export prêt.")
        assert_accessible(page)
        header, line = downloaded(page, re.compile(r"^Télécharger rdv-"))
        assert header[:3] == ["N° du RDV", "Date", "Début"]
        assert line[0] == str(rdv.pk)
        assert line[1:3] == [today.strftime("%d/%m/%Y"), "09:00"]
        assert line[-2:] == ["Anne", "'=Petit"]  # never a formula in a spreadsheet

        # The user records, from their list, searched.
        page.goto(f"/territoires/{territory.pk}/usagers/?q=anne")
        page.get_by_role("link", name="Exporter les fiches usagers").click()
        expect(page.get_by_text("« anne »")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Préparer l'export").click()
        name = re.compile(r"^Télécharger fiches-usagers-")
        expect(page.get_by_role("link", name=name)).to_be_visible(timeout=20_000)
        header, line = downloaded(page, name)
        assert header[:2] == ["Prénom", "Nom"]
        assert line[:2] == ["Anne", "'=Petit"]

    page.get_by_role("link", name="Tous mes exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes exports")
    expect(page.get_by_role("row")).to_have_count(3)  # the header and two exports
    assert_accessible(page)
