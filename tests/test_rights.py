"""Access levels per organisation govern what an agent sees and does (issue 14 §1): the
agendas and RDVs, the availability ranges and absences, the user records known in an
organisation, the organisation's page; intervenants have an agenda and no login.
Who may open which URL is the matrix of test_rights_matrix.py; here, what each page
and list shows, and what a form lets one do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agents.forms import QueuedPasswordResetForm
from agents.models import Agent
from availability.models import AvailabilityRange
from rdvs.models import Rdv
from territories import permissions
from territories.models import AccessLevel, AgentRole, AuditEntry
from tests.export_files import exported_lines
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    MotifFactory,
    OrganisationFactory,
    RdvSettingsFactory,
)
from tests.rights_world import PEOPLE, can_log_in
from tests.test_celery import wait_for
from user_records.models import UserRecord

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def url(name, territory, **kwargs):
    return reverse(name, kwargs={"territory_pk": territory.pk, **kwargs})


@pytest.fixture
def as_(client):
    def log_in(agent):
        client.force_login(agent)
        return client

    return log_in


# --- agendas and RDVs ---


def test_basic_agents_see_the_agendas_of_their_service_colleagues_only(world):
    territory = world.territory
    intervenant_rdv = world.rdv()  # Service social, Valence
    own = world.rdv(world.other_service)
    romans = world.rdv(world.other_organisation, organisation=world.romans)

    def seen(person):
        return set(permissions.visible_rdvs(person, territory, Rdv.objects.all()))

    assert seen(world.territory_admin) == {intervenant_rdv, own, romans}
    assert seen(world.organisation_admin) == {intervenant_rdv, own}
    assert seen(world.same_service) == {intervenant_rdv}
    assert seen(world.other_service) == {own}
    assert seen(world.other_organisation) == {romans}


def test_the_all_rdvs_agenda_pages_only_the_agendas_one_sees(world, as_):
    """Its rows are agents (30 a page): those whose RDVs the access levels let one see,
    so a basic agent's pages are not filled with agendas shown empty."""
    agenda = url("rdvs:agenda_day", world.territory)

    def rows(person):
        shown = as_(getattr(world, person)).get(agenda, {"tous": "1"}).context["shown_agents"]
        return {agent.first_name for agent in shown}

    valence = {"organisation_admin", "same_service", "other_service", "intervenant"}
    assert rows("territory_admin") == valence | {"other_organisation"}
    assert rows("organisation_admin") == valence
    assert rows("same_service") == {"organisation_admin", "same_service", "intervenant"}
    assert rows("other_service") == {"other_service"}
    assert rows("other_organisation") == {"other_organisation"}


def test_the_rdv_context_is_shown_only_to_agents_with_access_to_the_rdv(world, as_):
    """ "Visible par les agents disposant des droits d'accès au rendez-vous concerné."""
    territory = world.territory
    RdvSettingsFactory(territory=territory, context_enabled=True)
    rdv = world.rdv(context="Suivi ASE en cours, ne pas appeler le domicile")
    detail = url("rdvs:rdv_detail", territory, rdv_pk=rdv.pk)
    day = rdv.starts_at.date().isoformat()
    agenda = url("rdvs:agenda_day", territory)
    for person in ("organisation_admin", "same_service"):
        client = as_(getattr(world, person))
        assert "ne pas appeler le domicile" in client.get(detail).content.decode(), person
        assert f'href="{detail}"' in client.get(agenda, {"tous": "1", "jour": day}).content.decode()
    for person in ("other_service", "other_organisation"):
        client = as_(getattr(world, person))
        assert client.get(detail).status_code == 404, person
        page = client.get(agenda, {"tous": "1", "jour": day}).content.decode()
        assert f'href="{detail}"' not in page, person
        assert client.get(url("rdvs:rdv_update", territory, rdv_pk=rdv.pk)).status_code == 404


def test_the_rdv_form_offers_the_agendas_the_agent_may_fill(world, as_):
    territory = world.territory
    create = url("rdvs:rdv_create", territory)
    offered = as_(world.same_service).get(create).context["form"].fields["agents"].queryset
    assert set(offered) == {world.same_service, world.organisation_admin, world.intervenant}
    offered = as_(world.other_service).get(create).context["form"].fields["agents"].queryset
    assert set(offered) == {world.other_service}
    offered = as_(world.organisation_admin).get(create).context["form"].fields["agents"]
    assert set(offered.queryset) == {
        world.organisation_admin,
        world.same_service,
        world.other_service,
        world.intervenant,
    }


def test_a_basic_agent_cannot_book_into_the_agenda_of_another_service(world, as_):
    territory = world.territory
    motif = MotifFactory(territory=territory, service=world.pmi, organisations=[world.valence])
    record = world.record()
    starts = timezone.localtime() + timedelta(days=2)
    response = as_(world.other_service).post(
        url("rdvs:rdv_create", territory),
        {
            "motif": motif.pk,
            "user_records": [record.pk],
            "day": starts.date().isoformat(),
            "start_time": "10:00",
            "agents": [world.intervenant.pk],
        },
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Rdv.objects.exists()


def test_territory_admins_see_and_take_rdvs_in_every_organisation(world):
    organisations = permissions.rdv_organisations(world.territory_admin, world.territory)
    assert set(organisations) == {world.valence, world.romans}
    assert set(permissions.rdv_organisations(world.same_service, world.territory)) == {
        world.valence
    }


# --- availability ranges and absences ---


def test_an_organisation_admin_manages_the_ranges_and_absences_of_its_agents(world, as_):
    territory = world.territory
    ranges = [world.range(), world.range(world.same_service)]
    elsewhere = world.range(world.other_organisation, organisation=world.romans)
    absence = world.absence()
    admin = as_(world.organisation_admin)
    listed = admin.get(url("availability:availability_range_list", territory)).context
    assert set(listed["page_obj"].object_list) == set(ranges)
    absences = admin.get(url("availability:absence_list", territory)).context["page_obj"]
    assert list(absences.object_list) == [absence]
    kwargs = {"availability_range_pk": elsewhere.pk}
    other = url("availability:availability_range_update", territory, **kwargs)
    assert admin.get(other).status_code == 404

    response = admin.post(
        url("availability:absence_update", territory, absence_pk=absence.pk),
        {
            "agent": world.intervenant.pk,
            "title": "Formation",
            "starts_at": "2030-03-04T09:00",
            "ends_at": "2030-03-04T17:00",
        },
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.title == "Formation"


def test_an_organisation_admin_cannot_put_a_range_in_another_organisation(world, as_):
    territory = world.territory
    AgentRoleFactory(agent=world.intervenant, organisation=world.romans, access_level="basic")
    data = {
        "agent": world.intervenant.pk,
        "organisation": world.romans.pk,
        "title": "Permanence",
        "first_day": "2030-03-04",
        "start_time": "09:00",
        "end_time": "12:00",
        "recurrence": "once",
        "every_n_weeks": "1",
    }
    response = as_(world.organisation_admin).post(
        url("availability:availability_range_create", territory), data
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()  # Romans is not offered
    AgentRoleFactory(
        agent=world.organisation_admin, organisation=world.romans, access_level="basic"
    )
    response = as_(world.organisation_admin).post(
        url("availability:availability_range_create", territory), data
    )
    assert "Vous ne pouvez pas gérer l&#x27;agenda de cet agent dans cette organisation." in (
        response.content.decode()
    )
    assert not AvailabilityRange.objects.exists()


def test_a_basic_agent_sees_only_their_own_ranges_and_absences(world, as_):
    territory = world.territory
    world.range()
    world.absence()
    own = world.range(world.same_service)
    client = as_(world.same_service)
    assert list(
        client.get(url("availability:availability_range_list", territory)).context["page_obj"]
    ) == [own]
    assert not list(client.get(url("availability:absence_list", territory)).context["page_obj"])
    form = client.get(url("availability:absence_create", territory)).context["form"]
    assert "agent" not in form.fields  # for themselves only


# --- user records ---


def test_an_agent_of_a_new_organisation_lists_and_exports_none_of_the_others_records(world, as_):
    """The reported leak: a newly invited agent of a brand-new organisation exported
    every record of the territory."""
    territory = world.territory
    for _ in range(3):
        world.record()
    newcomer = AgentRoleFactory(organisation=OrganisationFactory(territory=territory)).agent
    client = as_(newcomer)
    assert client.get(url("user_records:list", territory)).context["page"].count == 0

    def export_lines(agent):
        return exported_lines(as_(agent), territory, type="fiches")

    assert len(export_lines(newcomer)) == 1  # the header only
    assert len(export_lines(world.territory_admin)) == 4


def test_records_are_seen_where_they_are_known(world):
    territory = world.territory
    valence, romans, both = (
        world.record(),
        world.record(world.romans),
        world.record(world.valence, world.romans),
    )
    nowhere = world.record(first_name="Personne")
    nowhere.organisations.clear()

    def seen(person):
        return set(permissions.visible_user_records(person, territory, UserRecord.objects.all()))

    assert seen(world.territory_admin) == {valence, romans, both, nowhere}
    assert seen(world.organisation_admin) == {valence, both}
    assert seen(world.other_service) == {valence, both}
    assert seen(world.other_organisation) == {romans, both}
    assert seen(world.intervenant) == set()

    # The lists read them another way when the agent's organisations follow few records
    # (user_records.queries.agent_records): the same records, the count from the links.
    in_both = AgentFactory()
    AgentRoleFactory(agent=in_both, organisation=world.valence, access_level="basic")
    AgentRoleFactory(agent=in_both, organisation=world.romans, access_level="basic")
    everyone = [*(getattr(world, person) for person in PEOPLE), in_both]
    for person in everyone:
        few = permissions.few_visible_user_records(person, territory, UserRecord.objects.all())
        expected = seen(person)
        assert set(few) == expected, person
        reach = permissions.user_record_reach(person, territory, UserRecord.objects.all(), 10)
        assert reach == (None if person == world.territory_admin else len(expected)), person
    assert seen(in_both) == {valence, romans, both}  # `both` counted once
    assert permissions.user_record_reach(in_both, territory, UserRecord.objects.all(), 2) == 3


def test_the_records_filter_is_a_semi_join_on_the_link_table(world):
    """At 500,000 records the filter must stay one indexed EXISTS, never a list of ids
    read into Python (bench/rights.py measures it)."""
    records = permissions.visible_user_records(
        world.same_service, world.territory, UserRecord.objects.all()
    )
    sql = str(records.query)
    link_table = UserRecord.organisations.through._meta.db_table
    assert "EXISTS" in sql and link_table in sql
    assert f'"organisation_id" IN ({world.valence.pk})' in sql  # the agent's organisations


def test_a_record_created_by_an_agent_is_known_in_their_organisation(world, as_):
    territory = world.territory
    create = url("user_records:create", territory)
    client = as_(world.same_service)
    assert "organisations" not in client.get(create).context["form"].fields  # one: no question
    client.post(create, {"first_name": "Léa", "last_name": "Martin"})
    assert list(UserRecord.objects.get().organisations.all()) == [world.valence]


def test_an_agent_of_several_organisations_says_which_follow_the_record(world, as_):
    territory = world.territory
    AgentRoleFactory(agent=world.same_service, organisation=world.romans)
    client = as_(world.same_service)
    create = url("user_records:create", territory)
    field = client.get(create).context["form"]["organisations"]
    assert set(field.initial) == {world.valence, world.romans}
    refused = client.post(create, {"first_name": "Léa", "last_name": "Martin"})
    assert "Choisissez au moins une organisation." in refused.content.decode()
    client.post(
        create, {"first_name": "Léa", "last_name": "Martin", "organisations": [world.romans.pk]}
    )
    assert list(UserRecord.objects.get().organisations.all()) == [world.romans]
    foreign = OrganisationFactory()  # another territory: not a choice
    response = client.post(
        create, {"first_name": "Paul", "last_name": "Roux", "organisations": [foreign.pk]}
    )
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_an_rdv_makes_its_usagers_known_in_its_organisation(world, as_):
    """The territory admin books a usager followed by Romans into an agenda of Valence:
    Valence's agents then see the record, and the change is recorded."""
    territory = world.territory
    motif = MotifFactory(territory=territory, service=world.social, organisations=[world.valence])
    record = world.record(world.romans)
    detail = url("user_records:user_record_detail", territory, user_record_pk=record.pk)
    assert as_(world.same_service).get(detail).status_code == 404
    AgentRoleFactory(agent=world.territory_admin, organisation=world.valence)
    AgentServiceFactory(agent=world.territory_admin, territory=territory, service=world.social)
    response = as_(world.territory_admin).post(
        url("rdvs:rdv_create", territory) + f"?organisation={world.valence.pk}",
        {
            "motif": motif.pk,
            "user_records": [record.pk],
            "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "start_time": "10:00",
            "agents": [world.intervenant.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert set(record.organisations.all()) == {world.romans, world.valence}
    assert as_(world.same_service).get(detail).status_code == 200
    entry = AuditEntry.objects.get(action="user_record.updated")
    assert (entry.before, entry.after) == (
        {"organisation_ids": [world.romans.pk]},
        {"organisation_ids": sorted([world.romans.pk, world.valence.pk])},
    )


# --- the organisation's page ---


def test_an_organisation_admin_edits_the_details_of_their_organisation_only(world, as_):
    territory = world.territory
    admin = as_(world.organisation_admin)
    page = url("organisations:organisation_detail", territory, organisation_pk=world.valence.pk)
    html = admin.get(page).content.decode()
    assert world.valence.name in html
    assert f'href="{url("organisations:section", territory)}"' not in html  # they may not open it
    response = admin.post(
        url("organisations:update", territory, organisation_pk=world.valence.pk),
        {"name": world.valence.name, "phone": "04 75 11 22 33"},
    )
    assert response.status_code == 302
    world.valence.refresh_from_db()
    assert world.valence.phone == "04 75 11 22 33"
    romans = url("organisations:organisation_detail", territory, organisation_pk=world.romans.pk)
    assert admin.get(romans).status_code == 403
    home = admin.get(url("agents:home", territory)).content.decode()
    assert f'href="{page}"' in home


# --- levels stated where they are set, and where they apply ---


def test_the_agent_page_states_what_each_level_may_do(world, as_):
    territory = world.territory
    html = as_(world.territory_admin).get(
        url("agents:agent_detail", territory, agent_pk=world.same_service.pk)
    )
    text = html.content.decode().replace("&#x27;", "'")
    assert "Ce que permet chaque niveau d'accès" in text
    for description in permissions.LEVEL_DESCRIPTIONS.values():
        assert description[1:] in text
    assert permissions.TERRITORY_ADMIN_DESCRIPTION[1:] in text
    home = as_(world.same_service).get(url("agents:home", territory)).content.decode()
    assert permissions.LEVEL_DESCRIPTIONS[AccessLevel.BASIC] in home.replace("&#x27;", "'")


# --- intervenants ---


def test_the_admin_adds_an_intervenant_with_a_name_only(world, as_):
    territory = world.territory
    client = as_(world.territory_admin)
    response = client.post(
        url("agents:intervenant_create", territory),
        {
            "last_name": "Moreau",
            "services": [world.social.pk],
            "organisations": [world.valence.pk],
        },
    )
    with scopes_disabled():
        intervenant = Agent.objects.get(last_name="Moreau", email=None)  # the world has e-mails
        role = AgentRole.objects.get(agent=intervenant)
    assert response.url == url("agents:agent_detail", territory, agent_pk=intervenant.pk)
    assert intervenant.email is None and not intervenant.has_usable_password()
    assert (role.organisation, role.access_level) == (world.valence, AccessLevel.INTERVENANT)
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="agent.joined", object_id=str(intervenant.pk)).exists()
    # Bookable at once, by the agents of their service in Valence.
    agents = as_(world.same_service).get(url("rdvs:rdv_create", territory)).context["form"]
    assert intervenant in agents.fields["agents"].queryset
    # A second one without an e-mail is no clash; an address of an account is refused.
    client = as_(world.territory_admin)
    client.post(
        url("agents:intervenant_create", territory),
        {"last_name": "Petit", "services": [world.social.pk], "organisations": [world.valence.pk]},
    )
    refused = client.post(
        url("agents:intervenant_create", territory),
        {
            "last_name": "Blanc",
            "email": world.other_service.email.upper(),
            "services": [world.social.pk],
            "organisations": [world.valence.pk],
        },
    )
    assert "Cette adresse appartient déjà à un compte" in refused.content.decode()
    with scopes_disabled():
        assert Agent.objects.filter(email__isnull=True).count() == 2
    missing = client.post(url("agents:intervenant_create", territory), {"last_name": ""})
    missing = missing.content.decode()
    assert "Indiquez le nom." in missing and "Choisissez au moins une organisation." in missing


def test_an_intervenant_without_e_mail_is_listed_and_shown(world, as_):
    territory = world.territory
    with scopes_disabled():
        intervenant = Agent.objects.create(last_name="Sans-Adresse")
    AgentRoleFactory(agent=intervenant, organisation=world.valence, access_level="intervenant")
    client = as_(world.territory_admin)
    listing = client.get(url("agents:section", territory)).content.decode()
    assert "Sans-Adresse" in listing and "Pas d'adresse e-mail" in listing
    detail = client.get(url("agents:agent_detail", territory, agent_pk=intervenant.pk))
    assert detail.status_code == 200


def test_an_intervenant_gets_no_password_reset_mail(world):
    form = QueuedPasswordResetForm({"email": world.intervenant.email})
    assert form.is_valid()
    assert list(form.get_users(world.intervenant.email)) == []
    colleague = QueuedPasswordResetForm({"email": world.same_service.email})
    assert colleague.is_valid()
    assert list(colleague.get_users(world.same_service.email)) == [world.same_service]


@pytest.mark.django_db(transaction=True)
def test_the_reset_page_answers_alike_and_mails_only_the_agent(celery_worker, client, world):
    for person in (world.intervenant, world.same_service):
        response = client.post(reverse("password_reset"), {"email": person.email})
        assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == [world.same_service.email]


def test_a_demoted_agent_can_no_longer_log_in_and_a_promoted_one_can(world, client):
    assert can_log_in(client, world.same_service)
    client.logout()
    with scope(territory=world.territory):
        AgentRole.objects.filter(agent=world.same_service).update(
            access_level=AccessLevel.INTERVENANT
        )
    assert not can_log_in(client, world.same_service)
    AgentRole.objects.filter(agent=world.intervenant).update(access_level=AccessLevel.BASIC)
    assert can_log_in(client, world.intervenant)


def test_territories_of_an_intervenant_elsewhere_list_only_where_they_work(world):
    AgentRoleFactory(
        agent=world.intervenant,
        organisation=OrganisationFactory(name="Ailleurs"),
        access_level=AccessLevel.BASIC,
    )
    # They may log in now (basic elsewhere), but never enter the Drôme.
    assert not permissions.is_member(world.intervenant, world.territory)
    names = [t.name for t in permissions.territories_of(world.intervenant)]
    assert world.territory.name not in names and len(names) == 1
