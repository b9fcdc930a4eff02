"""The Organisations section: list, page, creation and edition (never deletion)."""

import pytest
from django.urls import reverse

from organisations.forms import OrganisationForm
from territories.models import AccessLevel, AgentRole, AuditEntry, Organisation
from tests.factories import AgentFactory, AgentRoleFactory, MotifFactory, OrganisationFactory
from tests.queries import assert_flat_query_count
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

VALID = {
    "name": "CCAS de Romans",
    "address": "2 rue Jacquemart, 26100 Romans-sur-Isère",
    "phone": "04 75 05 00 00",
    "email": "ccas@romans.fr",
    "website": "https://www.romans.fr",
    "opening_hours": "Du lundi au vendredi\n9 h – 12 h",
}


def url(territory, name="section", organisation=None):
    kwargs = {"territory_pk": territory.pk}
    if organisation is not None:
        kwargs["organisation_pk"] = organisation.pk
    return reverse(f"organisations:{name}", kwargs=kwargs)


def test_the_list_counts_agents_and_live_motifs(admin_client, territory, organisation):
    AgentRoleFactory(organisation=organisation)
    MotifFactory(territory=territory, organisations=[organisation])
    MotifFactory(territory=territory, organisations=[organisation], archived_at="2026-01-01T00:00Z")
    OrganisationFactory(territory=territory, name="Mairie de Die")
    response = admin_client.get(url(territory))
    rows = {o.name: (o.agent_count, o.motif_count) for o in response.context["page_obj"]}
    assert rows == {"Mairie de Die": (0, 0), "Maison des solidarités de Valence": (2, 1)}


def test_the_list_searches_without_accents_and_paginates(admin_client, territory, organisation):
    OrganisationFactory(territory=territory, name="Mairie de Crépol")
    response = admin_client.get(url(territory), {"q": "crepol"})
    assert [o.name for o in response.context["page_obj"]] == ["Mairie de Crépol"]
    OrganisationFactory.create_batch(30, territory=territory)
    response = admin_client.get(url(territory), {"page": 2})
    assert len(response.context["page_obj"]) == 32 - 25


def test_the_list_query_count_is_flat(admin_client, territory, organisation):
    def grow():
        organisations = Organisation.objects.bulk_create(
            Organisation(territory=territory, name=f"Antenne {n:03d}") for n in range(495)
        )
        agent = AgentFactory()
        AgentRole.objects.bulk_create(AgentRole(agent=agent, organisation=o) for o in organisations)
        MotifFactory(territory=territory).organisations.add(*organisations)

    OrganisationFactory.create_batch(4, territory=territory)
    assert_flat_query_count(lambda: admin_client.get(url(territory)), grow)


def test_the_creator_becomes_admin_of_the_new_organisation(admin_client, territory, admin_agent):
    response = admin_client.post(url(territory, "create"), VALID)
    organisation = Organisation.objects.get(name="CCAS de Romans")
    assert response.url == url(territory, "organisation_detail", organisation)
    assert organisation.territory == territory
    role = AgentRole.objects.get(organisation=organisation)
    assert (role.agent, role.access_level) == (admin_agent, AccessLevel.ADMIN)
    event = Event.objects.get(type="organisation.created")
    assert event.payload["name"] == "CCAS de Romans"
    assert event.organisation_ids == [organisation.pk]
    assert AuditEntry.objects.get(action="organisation.created").actor == admin_agent
    # The creator's new role is an agent change like any other: event and audit entry.
    agent_event = Event.objects.get(type="agent.updated")
    assert agent_event.payload["id"] == admin_agent.pk
    assert {"id": organisation.pk, "name": "CCAS de Romans", "access_level": "admin"} in (
        agent_event.payload["organisations"]
    )
    assert organisation.pk in agent_event.organisation_ids
    audit = AuditEntry.objects.get(action="agent.updated")
    assert organisation.pk not in [o["id"] for o in audit.before["organisations"]]
    assert organisation.pk in [o["id"] for o in audit.after["organisations"]]

    page = admin_client.get(response.url)
    assert "04 75 05 00 00" in page.text and "https://www.romans.fr" in page.text


def test_a_duplicate_name_is_refused_clearly(admin_client, territory, organisation):
    data = {**VALID, "name": "  MAISON des solidarités de valence "}
    response = admin_client.post(url(territory, "create"), data)
    assert response.status_code == 200
    assert "Une organisation porte déjà ce nom dans ce territoire" in response.text
    assert Organisation.objects.filter(territory=territory).count() == 1
    # The form keeps what was typed.
    assert "ccas@romans.fr" in response.text


def test_the_same_name_is_fine_in_another_territory(admin_client, territory, other_territory):
    OrganisationFactory(territory=other_territory, name="CCAS de Romans")
    admin_client.post(url(territory, "create"), VALID)
    assert Organisation.objects.filter(territory=territory, name="CCAS de Romans").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Saisissez un numéro de téléphone français valide."),
        ("phone", "+44 20 7946 0958", "Saisissez un numéro de téléphone français valide."),
        ("email", "ccas@", "Saisissez une adresse de courriel valide."),
        ("website", "pas une adresse", "Saisissez une URL valide."),
        ("name", "", "Ce champ est obligatoire."),
    ],
)
def test_bad_contact_details_are_refused(admin_client, territory, field, value, message):
    response = admin_client.post(url(territory, "create"), {**VALID, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert not Organisation.objects.filter(name="CCAS de Romans").exists()
    assert not Event.objects.exists()


def test_overseas_numbers_are_french_numbers(admin_client, territory):
    admin_client.post(url(territory, "create"), {**VALID, "phone": "0262 21 34 56"})
    assert Organisation.objects.get(name="CCAS de Romans").phone == "0262 21 34 56"


def test_an_edit_is_recorded_with_before_and_after(
    admin_client, territory, organisation, admin_agent
):
    form = admin_client.get(url(territory, "update", organisation))
    assert "Maison des solidarités de Valence" in form.text
    data = {**VALID, "name": organisation.name, "phone": "04 75 11 22 33"}
    response = admin_client.post(url(territory, "update", organisation), data)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.phone == "04 75 11 22 33"
    entry = AuditEntry.objects.get(action="organisation.updated")
    assert entry.before["phone"] == "04 75 00 00 00"
    assert entry.after["phone"] == "04 75 11 22 33"
    assert "name" not in entry.before  # unchanged, so not recorded
    event = Event.objects.get(type="organisation.updated")
    assert event.payload["phone"] == "04 75 11 22 33"


def test_renaming_onto_another_organisation_is_refused(admin_client, territory, organisation):
    other = OrganisationFactory(territory=territory, name="Mairie de Die")
    data = {**VALID, "name": "mairie de die"}
    response = admin_client.post(url(territory, "update", organisation), data)
    assert "Une organisation porte déjà ce nom" in response.text
    other.refresh_from_db()
    organisation.refresh_from_db()
    assert organisation.name == "Maison des solidarités de Valence"


def test_organisations_are_for_territory_admins(client, basic_agent, territory, organisation):
    client.force_login(basic_agent)
    assert client.get(url(territory)).status_code == 403
    assert client.get(url(territory, "organisation_detail", organisation)).status_code == 403
    response = client.post(url(territory, "create"), VALID)
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="CCAS de Romans").exists()


def test_an_organisation_of_another_territory_is_not_found(
    admin_client, territory, other_territory
):
    foreign = OrganisationFactory(territory=other_territory)
    other_url = reverse(
        "organisations:update",
        kwargs={"territory_pk": territory.pk, "organisation_pk": foreign.pk},
    )
    assert admin_client.post(other_url, VALID).status_code == 404


def test_a_name_taken_while_the_form_was_checked_is_refused_clearly(
    admin_client, territory, organisation, monkeypatch
):
    # As if another admin created the same name between validation and saving.
    monkeypatch.setattr(OrganisationForm, "clean_name", lambda form: form.cleaned_data["name"])
    data = {**VALID, "name": organisation.name.upper()}
    response = admin_client.post(url(territory, "create"), data)
    assert response.status_code == 200
    assert "Une organisation porte déjà ce nom dans ce territoire" in response.text
    assert not Event.objects.exists() and not AuditEntry.objects.exists()


def test_support_staff_cannot_hard_delete_an_organisation_in_the_admin(
    client, admin_user, organisation, basic_agent
):
    client.force_login(admin_user)
    delete_url = reverse("admin:territories_organisation_delete", args=[organisation.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:territories_organisation_changelist")
    client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [organisation.pk], "post": "yes"},
    )
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert AgentRole.objects.filter(organisation=organisation, agent=basic_agent).exists()
