"""The safety net: a view or a task that queries a scoped model outside its territory
fails loudly (django-scopes' ScopeError) or sees nothing of the other territories.

The deliberately careless view and tasks below prove that the net would catch the
mistake; the last test checks that every task of the project declares how it scopes."""

import pytest
from celery import shared_task
from django_scopes.exceptions import ScopeError

from config.celery import app
from territories.models import Organisation
from territories.tasks import CrossTerritoryTask, TerritoryTask
from tests.factories import OrganisationFactory


@shared_task(base=TerritoryTask, territory_from=(Organisation, "organisation_pk"))
def names_seen_from(organisation_pk: int, other_pk: int) -> list[str]:
    """Asks for an organisation of another territory too: the scope hides it."""
    rows = Organisation.objects.filter(pk__in=[organisation_pk, other_pk])
    return sorted(rows.values_list("name", flat=True))


@shared_task
def count_without_territory() -> int:
    """Forgot its territory: no base class opens a scope."""
    return Organisation.objects.count()


def test_a_task_sees_only_the_territory_of_its_arguments(territory, other_territory):
    here = OrganisationFactory(territory=territory, name="Ici")
    there = OrganisationFactory(territory=other_territory, name="Ailleurs")
    assert names_seen_from(here.pk, there.pk) == ["Ici"]
    assert names_seen_from(there.pk, here.pk) == ["Ailleurs"]


def test_a_task_whose_row_is_gone_does_nothing(territory):
    gone = OrganisationFactory(territory=territory)
    Organisation._base_manager.filter(pk=gone.pk).delete()
    assert names_seen_from(gone.pk, gone.pk) is None


def test_a_task_that_forgot_its_territory_fails_loudly(territory):
    OrganisationFactory(territory=territory)
    with pytest.raises(ScopeError):
        count_without_territory()


def test_a_view_outside_a_territory_url_cannot_query_a_scoped_model(client, settings, admin_agent):
    settings.ROOT_URLCONF = "tests.unscoped_urls"
    client.force_login(admin_agent)
    with pytest.raises(ScopeError):
        client.get("/compte-des-organisations/")


def test_a_test_body_outside_a_scope_cannot_query_a_scoped_model(territory):
    OrganisationFactory(territory=territory)
    with pytest.raises(ScopeError):
        Organisation.objects.count()


def test_the_in_territory_fixture_scopes_the_test_body(in_territory, other_territory):
    OrganisationFactory(territory=in_territory, name="Ici")
    OrganisationFactory(territory=other_territory, name="Ailleurs")
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Ici"]


# Tasks that touch no scoped model (an agent's own account): no scope to open.
UNSCOPED_TASKS = {"agents.tasks.send_password_reset_mail"}


def test_every_task_of_the_project_says_how_it_scopes():
    app.loader.import_default_modules()
    project = (
        *("agents.", "webhooks.", "rdvs.", "availability.", "booking.", "territories."),
        *("stats.", "exports.", "user_records.", "notifications."),
    )
    names = sorted(name for name in app.tasks if name.startswith(project))
    assert "webhooks.tasks.deliver_webhook" in names
    assert "stats.tasks.refresh_statistics" in names
    assert "exports.tasks.build_export" in names
    careless = [
        name
        for name in names
        if name not in UNSCOPED_TASKS
        and not isinstance(app.tasks[name], TerritoryTask | CrossTerritoryTask)
    ]
    assert careless == []
