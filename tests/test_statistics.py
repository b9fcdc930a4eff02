"""The Statistiques page: numbers counted right from the summary tables, refreshed
after RDVs change, narrowed for organisations' admins, filters checked, few queries."""

import re
import time
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from notifications.models import SentMessage
from rdvs import services as rdv_services
from rdvs.models import Rdv
from stats import summary
from stats.models import Level, SummaryRefresh, WeeklyRdvCount
from stats.tasks import refresh_statistics
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    MotifFactory,
    OrganisationFactory,
    rdv_with_agents,
)
from tests.queries import assert_flat_query_count


def _monday(weeks_ago: int) -> datetime:
    today = timezone.localdate()
    day = today - timedelta(days=today.weekday(), weeks=weeks_ago)
    return timezone.make_aware(datetime.combine(day, clock(10, 0)))


def _rdv(*agents, starts_at, booked_days_before, online=False, status="unknown", **kwargs):
    rdv = rdv_with_agents(
        *agents,
        starts_at=starts_at,
        created_by="usager" if online else "agent",
        status=status,
        **kwargs,
    )
    # created_at is set on insert; the booking delay needs an earlier one, and the RDV
    # was last changed before the summary's last run.
    Rdv._base_manager.filter(pk=rdv.pk).update(
        created_at=starts_at - timedelta(days=booked_days_before),
        updated_at=timezone.now() - timedelta(hours=1),
    )
    return rdv


@pytest.fixture
def world(territory, organisation, service, admin_agent, basic_agent, other_territory):
    """Valence (Alice admin, Bob basic): 3 RDVs two weeks ago; Die: 2 RDVs this week;
    an RDV of another territory that must never count."""
    with scopes_disabled():  # set-up, like the factories
        return _build_world(territory, organisation, service, basic_agent, other_territory)


def _build_world(territory, organisation, service, basic_agent, other_territory):
    die = OrganisationFactory(territory=territory, name="Centre médico-social de Die")
    carla = AgentFactory(first_name="Carla", last_name="Die")
    AgentRoleFactory(agent=carla, organisation=die, access_level="basic")
    social = MotifFactory(territory=territory, service=service, name="Suivi social")
    pmi = MotifFactory(territory=territory, service=service, name="Consultation PMI")
    valence = {"territory": territory, "organisation": organisation, "motif": social}
    past = _monday(2)
    _rdv(basic_agent, starts_at=past, booked_days_before=4, online=True, status="seen", **valence)
    _rdv(
        basic_agent,
        starts_at=past + timedelta(hours=1),
        booked_days_before=2,
        status="noshow",
        **valence,
    )
    _rdv(
        basic_agent,
        starts_at=past + timedelta(hours=2),
        booked_days_before=6,
        status="cancelled",
        **valence,
    )
    now = _monday(0) + timedelta(hours=1)
    die_rdv = {"territory": territory, "organisation": die, "motif": pmi}
    first = _rdv(carla, starts_at=now, booked_days_before=1, online=True, **die_rdv)
    _rdv(
        carla, starts_at=now + timedelta(hours=1), booked_days_before=3, status="excused", **die_rdv
    )
    elsewhere = OrganisationFactory(territory=other_territory)
    _rdv(
        AgentFactory(),
        starts_at=now,
        booked_days_before=1,
        territory=other_territory,
        organisation=elsewhere,
        motif=MotifFactory(territory=other_territory, service=service),
    )
    SentMessage.objects.create(
        territory=territory,
        rdv=first,
        channel="email",
        kind="rdv_created",
        summary="Confirmation",
        recipient="a@exemple.fr",
    )
    SentMessage.objects.create(
        territory=territory,
        rdv=first,
        channel="sms",
        kind="rdv_created",
        summary="Confirmation",
        recipient="0600000000",
    )
    with scopes_disabled():
        summary.rebuild()
    return {"die": die, "carla": carla, "social": social, "pmi": pmi, "first": first}


def _page(client, territory, **query):
    return client.get(reverse("stats:statistics", args=[territory.pk]), query)


def _figure(html: str, label: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(label)}</th><td>([^<]*)', html)
    assert match, f"no row {label!r}"
    return match.group(1).strip()


def test_the_territory_admin_reads_the_whole_territory(admin_client, territory, world):
    html = _page(admin_client, territory).content.decode()
    assert _figure(html, "RDV") == "5"
    assert _figure(html, "Pris en ligne par les usagers") == "2 (40,0 %)"
    assert _figure(html, "Pris par un agent") == "3"
    assert _figure(html, "Annulés ou excusés") == "2"
    assert _figure(html, "Absences non excusées") == "1"
    # (4 + 2 + 6 + 1 + 3) / 5 days; online (4 + 1) / 2; by an agent (2 + 6 + 3) / 3.
    assert _figure(html, "Délai moyen entre la prise du RDV et le RDV") == (
        "3,2 jours (en ligne : 2,5 jours ; par un agent : 3,7 jours)"
    )
    assert _figure(html, "Agents actifs") == "2"  # Bob and Carla; no one of elsewhere
    assert _figure(html, "Centre médico-social de Die") == "2"
    assert _figure(html, "Maison des solidarités de Valence") == "3"
    assert _figure(html, "Suivi social (SSD)") == "3"
    assert _figure(html, "Service social") == "5"
    week = timezone.localdate() - timedelta(days=timezone.localdate().weekday(), weeks=2)
    assert re.search(rf"<th scope=\"row\">{week:%d/%m/%Y}</th><td>1</td><td>2</td><td>3</td>", html)
    assert re.search(r"</th><td>1</td><td>1</td></tr>", html)  # this month: a mail, an SMS
    assert html.count('role="img"') == 5  # weeks, organisations, motifs, services, messages
    assert html.count("Voir les données") == 5


def test_an_organisation_admin_reads_only_their_organisations(
    client, territory, organisation, world
):
    dora = AgentFactory(first_name="Dora", last_name="Admin")
    AgentRoleFactory(agent=dora, organisation=organisation, access_level="admin")
    AgentRoleFactory(agent=dora, organisation=world["die"], access_level="basic")
    client.force_login(dora)
    html = _page(client, territory).content.decode()
    assert _figure(html, "RDV") == "3"
    assert _figure(html, "Pris en ligne par les usagers") == "1 (33,3 %)"
    assert _figure(html, "Agents actifs") == "1"
    assert "Centre médico-social de Die" not in html  # neither counted nor offered
    assert "Toutes mes organisations" in html

    refused = _page(client, territory, organisation=world["die"].pk)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "vous n&#x27;en voyez pas les statistiques" in text
    assert "Pris en ligne par les usagers" not in text


def test_the_filters_narrow_and_bad_values_are_told(admin_client, territory, world):
    html = _page(admin_client, territory, organisation=world["die"].pk).content.decode()
    assert _figure(html, "RDV") == "2"
    assert _figure(html, "Agents actifs") == "1"
    three_months = _page(admin_client, territory, periode="3").content.decode()
    assert three_months.count('<th scope="row">') < _page(
        admin_client, territory
    ).content.decode().count('<th scope="row">')
    for bad in (
        {"periode": "7"},
        {"periode": "abc"},
        {"organisation": "999999999"},
        {"organisation": "x"},
    ):
        response = _page(admin_client, territory, **bad)
        assert response.status_code == 200
        assert (
            "fr-error-text" in response.content.decode()
            or "fr-message--error" in response.content.decode()
        )


def test_basic_agents_are_refused_and_outsiders_see_nothing(
    client, territory, basic_agent, outsider, world
):
    client.force_login(basic_agent)
    assert _page(client, territory).status_code == 403
    assert (
        "Statistiques"
        not in client.get(reverse("agents:home", args=[territory.pk])).content.decode()
    )
    client.force_login(outsider)
    assert _page(client, territory).status_code == 404


def test_the_refresh_follows_new_moved_and_cancelled_rdvs(
    territory, organisation, admin_agent, basic_agent, world
):
    with scope(territory=territory):

        def weeks():
            rows = WeeklyRdvCount.objects.filter(level=Level.TERRITORY).values_list("week")
            return dict(rows.annotate(n=Sum("count")).order_by())

        before = weeks()
        past_week, this_week = _monday(2).date(), _monday(0).date()
        assert before == {past_week: 3, this_week: 2}
        rdv = Rdv.objects.get(organisation=organisation, status="seen")
        rdv_services.move(
            rdv,
            starts_at=_monday(0) + timedelta(hours=5),
            ends_at=_monday(0) + timedelta(hours=5, minutes=30),
            agents=[basic_agent],
            acting_agent=admin_agent,
        )
        rdv_services.cancel(world["first"], acting_agent=admin_agent)
    with scopes_disabled():
        counts = summary.refresh()
    assert counts["weeks"] == 2  # the week moved to, and the one left (from the journal)
    with scope(territory=territory):
        assert weeks() == {past_week: 2, this_week: 3}
        cancelled = WeeklyRdvCount.objects.filter(
            level=Level.TERRITORY, week=this_week, status="cancelled"
        )
        assert sum(cancelled.values_list("count", flat=True)) == 1


def test_the_page_costs_as_many_queries_for_many_rdvs(
    admin_client, territory, organisation, basic_agent, world
):
    @scopes_disabled()  # set-up, like the factories
    def grow():
        for n in range(40):
            _rdv(
                AgentFactory(),
                starts_at=_monday(n % 20 + 1) + timedelta(hours=n % 7),
                booked_days_before=n % 9,
                online=n % 2 == 0,
                territory=territory,
                organisation=OrganisationFactory(territory=territory),
                motif=MotifFactory(territory=territory, service=world["social"].service),
            )
        summary.rebuild()

    assert_flat_query_count(lambda: _page(admin_client, territory, periode="6"), grow)


def test_after_a_rebuild_the_planner_knows_how_many_summary_rows_there_are(territory, world):
    # Statistics taken while the tables were empty make the planner walk a large summary
    # row by row: the cold page took 0.5 s instead of 50 ms on a million RDVs.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [WeeklyRdvCount._meta.db_table],
        )
        (estimated,) = cursor.fetchone()
    with scopes_disabled():
        assert estimated == WeeklyRdvCount.objects.count() > 0


def test_the_beat_refreshes_the_statistics_on_a_worker(celery_worker, territory, world):
    beat = settings.CELERY_BEAT_SCHEDULE
    assert beat["refresh-statistics"]["task"] == "stats.tasks.refresh_statistics"
    assert beat["rebuild-statistics"]["task"] == "stats.tasks.rebuild_statistics"
    with scopes_disabled():
        done = SummaryRefresh.objects.get().refreshed_at
    refresh_statistics.delay()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with scopes_disabled():
            if SummaryRefresh.objects.get().refreshed_at > done:
                return
        time.sleep(0.05)
    pytest.fail("the worker did not refresh the statistics")


def test_after_a_refresh_the_page_opens_counted_already(
    admin_client, territory, basic_agent, world
):
    with scope(territory=territory):
        rdv_services.cancel(world["first"], acting_agent=basic_agent)
    refresh_statistics()  # as beat runs it: recounts, then renders the page as it opens
    with CaptureQueriesContext(connection) as captured:
        html = _page(admin_client, territory).content.decode()
    assert _figure(html, "Annulés ou excusés") == "3"
    assert not [q for q in captured.captured_queries if "stats_weekly" in q["sql"]]
