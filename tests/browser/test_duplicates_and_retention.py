"""In the browser: an agent finds probable duplicates, compares and merges two records
(confirming first); an admin chooses the retention period, reads the dry run and
starts the nightly clean-up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, RdvFactory, UserRecordFactory
from user_records.duplicates import flag_duplicates
from user_records.models import UserRecord, UserRecordSettings

pytestmark = pytest.mark.usefixtures("in_territory")


def test_an_agent_merges_two_records_of_one_person(
    page, transactional_db, basic_agent, territory, organisation
):
    first = UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Hélène",
        last_name="Durand",
        birth_date=date(1990, 5, 14),
        phone="+33612345678",
    )
    second = UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Helene",
        last_name="DURAND",
        birth_date=date(1990, 5, 14),
        phone="+33699999999",
        case_number="D-12",
    )
    rdv = RdvFactory(territory=territory, organisation=organisation)
    rdv.user_records.set([second])
    flag_duplicates(second)

    login(page, "bob@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/usagers/")
    page.get_by_role("link", name="Doublons probables").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Doublons probables")
    expect(page.get_by_text("Mêmes nom, prénom et date de naissance")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Comparer les fiches n° {first.pk} et {second.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparer deux fiches")
    assert_accessible(page)
    # Keep the first record, with the second one's phone number.
    page.locator("input[name=field_phone][value=second]").check(force=True)
    page.get_by_role("button", name="Vérifier la fusion").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la fusion")
    expect(page.get_by_text(f"La fiche n° {second.pk}")).to_be_visible()
    assert_accessible(page)
    assert UserRecord.objects.count() == 2
    page.get_by_role("button", name="Fusionner les fiches").click()

    expect(page.get_by_text("Les deux fiches ont été fusionnées")).to_be_visible()
    expect(page.get_by_text("06 99 99 99 99")).to_be_visible()
    expect(page.get_by_text("D-12")).to_be_visible()
    survivor = UserRecord.objects.get()
    assert survivor.pk == first.pk
    assert list(rdv.user_records.all()) == [survivor]


def test_an_admin_reads_the_dry_run_and_starts_the_retention(
    page, transactional_db, admin_agent, territory
):
    old = timezone.now() - timedelta(days=500)
    for _ in range(2):
        record = UserRecordFactory(territory=territory)
        UserRecord.objects.filter(pk=record.pk).update(updated_at=old)
    UserRecordFactory(territory=territory)

    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/fiches-usagers/")
    page.get_by_role("link", name="Durée de conservation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Durée de conservation")
    dry_run = page.locator("#retention-dry-run")
    expect(dry_run).to_contain_text("0 fiches usagers supprimées")  # 2 years: none yet
    expect(page.get_by_text("pas encore activée")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("1 an").check(force=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("La durée de conservation est enregistrée.")).to_be_visible()
    expect(dry_run).to_contain_text("2 fiches usagers supprimées")
    assert UserRecord.objects.count() == 3  # counted, not deleted
    assert_accessible(page)

    page.get_by_label("activer la suppression automatique").check(force=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("La suppression automatique a lieu chaque nuit.")).to_be_visible()
    expect(page.get_by_text("activée depuis le")).to_be_visible()
    settings = UserRecordSettings.objects.get(territory=territory)
    assert settings.retention_months == 12 and settings.retention_started_at is not None
