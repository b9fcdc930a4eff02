"""The agents' RDV screens: create, edit, detail, status, cancel, day and week agenda;
the context field on and off; scoping to the agent's organisations."""

import itertools
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse

from rdvs.models import Rdv, RdvAgent, RdvStatus
from rdvs.queries import agenda
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    MotifFactory,
    OrganisationFactory,
    RdvSettingsFactory,
    rdv_with_agents,
)
from tests.queries import assert_flat_query_count, count_queries
from tests.rdv_setup import usable_motif, usager

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=PARIS)  # a Thursday


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def motif(territory, organisation, service, admin_agent, basic_agent):
    return usable_motif(
        territory, organisation, service, admin_agent, basic_agent, name="Accompagnement RSA"
    )


@pytest.fixture
def bob(client, basic_agent):
    client.force_login(basic_agent)
    return client


def rdv_url(name, rdv):
    return reverse(f"rdvs:rdv_{name}", kwargs={"territory_pk": rdv.territory_id, "rdv_pk": rdv.pk})


def form_data(motif, record, agents, hour="10:00", **extra):
    return {
        "motif": motif.pk,
        "user_records": [record.pk],
        "day": "2026-11-27",
        "start_time": hour,
        "duration": "",
        "agents": [agent.pk for agent in agents],
        **extra,
    }


def make_rdv(motif, *agents, hour=10, **kwargs):
    kwargs.setdefault("starts_at", NOW.replace(hour=hour) + timedelta(days=1))
    return rdv_with_agents(
        *agents,
        territory=motif.territory,
        organisation=motif.organisations.get(),
        motif=motif,
        **kwargs,
    )


def test_agent_creates_an_rdv_with_the_motif_duration(bob, territory, motif, basic_agent):
    record = usager(territory, first_name="Jeanne", last_name="Martin")
    MotifFactory(territory=territory, name="Motif d'un autre service", organisations=[])
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    page = bob.get(url)
    assert page.status_code == 200
    assert [m.name for m in page.context["form"].fields["motif"].queryset] == [motif.name]

    response = bob.post(url, form_data(motif, record, [basic_agent]))
    rdv = Rdv.objects.get()
    assert response.url == rdv_url("detail", rdv)
    assert rdv.starts_at == datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    assert rdv.ends_at - rdv.starts_at == timedelta(minutes=motif.default_duration)
    assert list(rdv.user_records.all()) == [record]
    assert rdv.created_by_agent == basic_agent

    edit = bob.get(rdv_url("update", rdv)).content.decode()
    assert 'type="date" name="day" value="2026-11-27"' in edit
    assert 'value="10:00"' in edit


def test_an_agent_of_several_organisations_chooses_one_first(
    bob, territory, other_territory, motif, basic_agent
):
    second = OrganisationFactory(territory=territory, name="CCAS de Romans")
    AgentRoleFactory(agent=basic_agent, organisation=second)
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    choice = bob.get(url)
    assert list(choice.context["form"].fields["organisation"].queryset) == [
        second,
        motif.organisations.get(),
    ]
    assert "motif" not in choice.context["form"].fields
    form = bob.get(url, {"organisation": motif.organisations.get().pk}).context["form"]
    assert list(form.fields["motif"].queryset) == [motif]
    foreign = OrganisationFactory(territory=other_territory)
    refused = bob.get(url, {"organisation": foreign.pk})
    assert "Sélectionnez un choix valide" in refused.content.decode()


def test_an_overlap_is_a_form_error_and_nothing_is_lost(bob, territory, motif, basic_agent):
    make_rdv(motif, basic_agent, hour=10)
    record = usager(territory)
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    response = bob.post(url, form_data(motif, record, [basic_agent], hour="10:15"))
    assert response.status_code == 200
    assert "Cet agent a déjà un RDV sur ce créneau." in response.content.decode()
    assert response.context["form"]["start_time"].value() == "10:15"
    assert Rdv.objects.count() == 1


def test_bad_input_is_a_french_error(bob, territory, motif, basic_agent):
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    response = bob.post(url, {"motif": "999999", "day": "demain"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sélectionnez un choix valide" in html
    assert "Saisissez une date valide" in html
    assert not Rdv.objects.exists()


def test_a_foreign_user_record_is_refused(bob, territory, other_territory, motif, basic_agent):
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    stranger = usager(other_territory)
    response = bob.post(url, form_data(motif, stranger, [basic_agent]))
    assert response.status_code == 200
    assert not Rdv.objects.exists()


def test_user_records_are_searched_by_name_accents_ignored(bob, territory, motif):
    helene = usager(territory, first_name="Hélène", last_name="Durand")
    usager(territory, first_name="Paul", last_name="Martin")
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    response = bob.get(url, {"q": "helene"})
    assert list(response.context["form"].fields["user_records"].queryset) == [helene]


def test_user_record_search_skips_the_fields_the_territory_hides(bob, territory, motif):
    from tests.factories import UserRecordSettingsFactory

    married = usager(territory, first_name="Anne", last_name="Roux", birth_name="Lefebvre")
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    assert list(
        bob.get(url, {"q": "lefebvre"}).context["form"].fields["user_records"].queryset
    ) == [married]
    UserRecordSettingsFactory(territory=territory, hidden_fields=["birth_name"])
    assert not bob.get(url, {"q": "lefebvre"}).context["form"].fields["user_records"].queryset


def test_context_shown_when_on_hidden_when_off_and_kept(
    bob, territory, motif, basic_agent, admin_client
):
    rdv_settings = RdvSettingsFactory(territory=territory, context_enabled=True)
    record = usager(territory)
    create = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    assert "Contexte" in bob.get(create).content.decode()
    bob.post(create, form_data(motif, record, [basic_agent], context="Suivi ASE en cours"))
    rdv = Rdv.objects.get()
    assert rdv.context == "Suivi ASE en cours"
    assert "Suivi ASE en cours" in bob.get(rdv_url("detail", rdv)).content.decode()

    rdv_settings.context_enabled = False
    rdv_settings.save()
    for page in (
        bob.get(rdv_url("detail", rdv)),
        bob.get(rdv_url("update", rdv)),
        bob.get(create),
    ):
        html = page.content.decode()
        assert "Contexte" not in html and "Suivi ASE" not in html
    bob.post(rdv_url("update", rdv), form_data(motif, record, [basic_agent], hour="11:00"))
    rdv.refresh_from_db()
    assert rdv.starts_at.hour == 10  # 11:00 in Paris
    assert rdv.context == "Suivi ASE en cours"  # kept while hidden

    rdv_settings.context_enabled = True
    rdv_settings.save()
    assert "Suivi ASE en cours" in bob.get(rdv_url("detail", rdv)).content.decode()


def test_templates_seen_by_usagers_never_show_the_context():
    """Every page template built on base_public.html (the usagers' pages) in the project."""
    project = Path(settings.BASE_DIR)
    for path in project.glob("*/templates/**/*.html"):
        text = path.read_text()
        if "base_public.html" in text:
            assert not re.search(r"\.context\b", text), f"{path} shows the internal context"


def test_status_change_and_cancellation_with_confirmation(bob, motif, basic_agent):
    rdv = make_rdv(motif, basic_agent)
    bob.post(rdv_url("status", rdv), {"status": RdvStatus.SEEN})
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.SEEN

    page = bob.get(rdv_url("cancel", rdv)).content.decode()
    assert "Êtes-vous sûr de vouloir annuler" in page
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.SEEN  # GET changes nothing
    bob.post(rdv_url("cancel", rdv))
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.CANCELLED
    assert bob.get(rdv_url("status", rdv)).status_code == 405
    response = bob.post(rdv_url("status", rdv), {"status": "cancelled"})  # not offered here
    assert [str(m) for m in response.wsgi_request._messages][-1] == (
        "Choisissez un statut dans la liste."
    )


def test_rdvs_of_organisations_without_a_role_are_not_found(
    bob, territory, service, admin_agent, basic_agent
):
    elsewhere = OrganisationFactory(territory=territory, name="CCAS de Romans")
    AgentRoleFactory(agent=admin_agent, organisation=elsewhere)
    foreign_motif = usable_motif(territory, elsewhere, service, admin_agent)
    rdv = make_rdv(foreign_motif, admin_agent)
    for name in ("detail", "update", "cancel"):
        assert bob.get(rdv_url(name, rdv)).status_code == 404
    for name in ("status", "arrival", "cancel", "update"):
        assert bob.post(rdv_url(name, rdv), {"status": "seen"}).status_code == 404
    day = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})
    page = bob.get(day, {"tous": "1", "jour": "2026-11-27"}).content.decode()
    assert "CCAS de Romans" not in page


def test_day_and_week_show_my_rdvs_or_those_of_my_organisations(
    bob, territory, motif, admin_agent, basic_agent
):
    mine = make_rdv(motif, basic_agent, hour=9)
    make_rdv(motif, admin_agent, hour=14, user_records=[usager(territory, last_name="Lefebvre")])
    make_rdv(motif, basic_agent, hour=9, starts_at=NOW.replace(hour=9) + timedelta(days=8))
    day = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})
    page = bob.get(day, {"jour": "2026-11-27"}).content.decode()
    assert rdv_url("detail", mine) in page and "Lefebvre" not in page
    assert "Lefebvre" in bob.get(day, {"jour": "2026-11-27", "tous": "1"}).content.decode()

    week = reverse("rdvs:agenda_week", kwargs={"territory_pk": territory.pk})
    response = bob.get(week, {"jour": "2026-11-27"})
    days = dict(response.context["days"])
    assert [len(rdvs) for rdvs in days.values()] == [0, 0, 0, 0, 1, 0, 0]
    assert "Lundi 23 novembre" in response.content.decode()
    assert bob.get(day, {"jour": "pas-une-date"}).status_code == 200


def test_day_list_query_count_stays_flat(bob, territory, motif, admin_agent, basic_agent):
    RdvSettingsFactory(territory=territory, context_enabled=True)
    day = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})
    start = NOW.replace(hour=0) + timedelta(days=1)

    def add(count, offset):
        for n in range(count):
            starts_at = start + timedelta(minutes=2 * (n + offset))
            make_rdv(
                motif,
                basic_agent,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=2),
                user_records=[usager(territory)],
            )

    def fetch():
        response = bob.get(day, {"jour": "2026-11-27", "tous": "1"})
        assert response.status_code == 200

    add(5, 0)
    assert_flat_query_count(fetch, lambda: add(495, 5))
    assert len(bob.get(day, {"jour": "2026-11-27"}).context["rdvs"]) == 500


@pytest.mark.parametrize("jour", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("view", ["rdvs:agenda_day", "rdvs:agenda_week"])
def test_a_day_beyond_any_calendar_shows_today(bob, territory, motif, basic_agent, view, jour):
    make_rdv(motif, basic_agent, starts_at=NOW.replace(hour=14))
    response = bob.get(reverse(view, kwargs={"territory_pk": territory.pk}), {"jour": jour})
    assert response.status_code == 200
    assert response.context["day"] == NOW.date()
    assert "Accompagnement RSA" in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_rdv_date_beyond_any_calendar_is_a_french_error(bob, territory, motif, basic_agent, day):
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    data = form_data(motif, usager(territory), [basic_agent], hour="23:30", duration="480")
    response = bob.post(url, {**data, "day": day})
    assert response.status_code == 200
    assert "Choisissez une date entre 1900 et 2999." in response.content.decode()
    assert not Rdv.objects.exists()


def offered_records(response) -> list[str]:
    select = re.search(
        r'<select name="user_records".*?</select>', response.content.decode(), re.DOTALL
    )
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(0))


def test_the_form_offers_fifty_user_records_and_a_search_finds_the_others(
    bob, territory, motif, basic_agent
):
    """Every record the agent may see was an option of the RDV form: at 100,000 records
    opening « Nouveau RDV » took 26 s and sent 5 MB, for any agent to repeat. Fifty are
    offered; a search finds the others, and any record the agent sees may be posted."""
    records = [usager(territory, first_name="Anne", last_name=f"Nom{n:03d}") for n in range(60)]
    url = reverse("rdvs:rdv_create", kwargs={"territory_pk": territory.pk})
    page = bob.get(url)
    assert offered_records(page) == [f"Anne Nom{n:03d}" for n in range(50)]
    assert "Seuls les 50 premiers usagers sont proposés" in page.content.decode()
    assert offered_records(bob.get(url, {"q": "nom059"})) == ["Anne Nom059"]

    response = bob.post(url, form_data(motif, records[59], [basic_agent]))
    rdv = Rdv.objects.get()
    assert response.url == rdv_url("detail", rdv)
    assert list(rdv.user_records.all()) == [records[59]]
    assert "Anne Nom059" in offered_records(bob.get(rdv_url("update", rdv)))


AGENDA_QUERY_BUDGET = 12


def colleague(organisation, number, service=None):
    """An agent of the organisation; of Bob's service (`service`), Bob sees their agenda."""
    agent = AgentFactory(
        email=f"agent{number}@exemple.fr", first_name="Agent", last_name=f"Numéro {number:03d}"
    )
    AgentRoleFactory(agent=agent, organisation=organisation)
    if service is not None:
        AgentServiceFactory(agent=agent, territory=organisation.territory, service=service)
    return agent


def test_all_rdvs_page_the_agents_and_search_them(bob, territory, organisation, service, motif):
    team = [colleague(organisation, n, service) for n in range(35)]
    for n, agent in enumerate(team):
        make_rdv(motif, agent, user_records=[usager(territory, last_name=f"Usager{n:03d}")])
    elsewhere = OrganisationFactory(territory=territory, name="CCAS de Romans")
    AgentRoleFactory(agent=team[0], organisation=elsewhere)
    day = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})

    first = bob.get(day, {"jour": "2026-11-27", "tous": "1"})
    # Agent Admin, Bob Agent, then the 35 colleagues by name: 37 agents, 30 a page.
    assert first.context["page_obj"].paginator.count == 37
    html = first.content.decode()
    assert "Agents 1 à 30 sur 37" in html
    assert "Usager027" in html and "Usager028" not in html
    assert "page=2" in html

    second = bob.get(day, {"jour": "2026-11-27", "tous": "1", "page": "2"}).content.decode()
    assert "Usager028" in second and "Usager034" in second and "Usager000" not in second
    # Moving to the next day or to the week keeps the same agents on screen.
    assert "tous=1&amp;page=2&amp;jour=2026-11-28" in second
    assert "?jour=2026-11-27&amp;tous=1&amp;page=2" in second

    found = bob.get(day, {"jour": "2026-11-27", "tous": "1", "q": "numero 007"})
    assert [str(a) for a in found.context["shown_agents"]] == [str(team[7])]
    assert "Usager007" in found.content.decode()
    # The name of an organisation finds its agents (only organisations of the viewer).
    by_organisation = bob.get(day, {"jour": "2026-11-27", "tous": "1", "q": "valence"})
    assert by_organisation.context["page_obj"].paginator.count == 37
    assert bob.get(day, {"tous": "1", "q": "romans"}).context["page_obj"].paginator.count == 0
    nobody = bob.get(day, {"tous": "1", "q": "personne", "page": "abc"}).content.decode()
    assert "Aucun agent ne correspond à cette recherche." in nobody


@pytest.mark.parametrize("view", ["rdvs:agenda_day", "rdvs:agenda_week"])
def test_all_rdvs_agenda_has_an_absolute_query_budget(
    bob, territory, organisation, service, motif, basic_agent, view
):
    url = reverse(view, kwargs={"territory_pk": territory.pk})
    start = NOW.replace(hour=0) + timedelta(days=1)

    numbers = itertools.count(100)

    def add(agents, rdvs_each):
        for agent in [colleague(organisation, next(numbers), service) for _ in range(agents)]:
            for n in range(rdvs_each):
                starts_at = start + timedelta(minutes=20 * n)
                make_rdv(
                    motif,
                    agent,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=20),
                    user_records=[usager(territory)],
                )

    def fetch():
        response = bob.get(url, {"jour": "2026-11-27", "tous": "1"})
        assert response.status_code == 200

    add(1, 5)
    assert count_queries(fetch) <= AGENDA_QUERY_BUDGET
    assert_flat_query_count(fetch, lambda: add(40, 12))
    assert count_queries(fetch) <= AGENDA_QUERY_BUDGET


def test_the_agenda_date_range_is_served_by_indexes(territory, organisation, motif, basic_agent):
    # Five months of a 100-agent organisation, so the planner's choice is the one of a real
    # territory (on a nearly empty table any plan is as cheap as another).
    team = [basic_agent] + [colleague(organisation, n) for n in range(99)]
    first = NOW.replace(hour=8) - timedelta(days=75)
    rdvs = Rdv.objects.bulk_create(
        Rdv(
            territory=territory,
            organisation=organisation,
            motif=motif,
            starts_at=first + timedelta(days=n // 100, minutes=n % 100),
            ends_at=first + timedelta(days=n // 100, minutes=n % 100 + 1),
        )
        for n in range(15_000)
    )
    RdvAgent.objects.bulk_create(
        RdvAgent(rdv=rdv, agent=team[n % 100], starts_at=rdv.starts_at, ends_at=rdv.ends_at)
        for n, rdv in enumerate(rdvs)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rdvs_rdv, rdvs_rdvagent")
    page = [agent.pk for agent in team[:30]]
    plan = agenda(basic_agent, territory, NOW.date(), 7, agents=page).explain()
    # (The small role and organisation tables may be scanned: they are not the RDVs.)
    assert "Seq Scan on rdvs_" not in plan, plan
    ranged = [line for line in plan.splitlines() if "Index Cond" in line and "starts_at >=" in line]
    assert ranged, plan
