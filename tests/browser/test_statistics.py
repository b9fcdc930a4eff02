import re
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from rdvs.models import Rdv
from stats import summary
from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, AgentFactory, AgentRoleFactory, MotifFactory, rdv_with_agents


def _world(territory, organisation, service):
    """Four RDVs two weeks ago in Valence: three booked online, one by an agent."""
    agent = AgentFactory()
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="basic")
    motif = MotifFactory(territory=territory, service=service, name="Suivi social")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday(), weeks=2)
    start = timezone.make_aware(datetime.combine(monday, time(9, 0)))
    for hour in range(4):
        rdv = rdv_with_agents(
            agent,
            territory=territory,
            organisation=organisation,
            motif=motif,
            starts_at=start + timedelta(hours=hour),
            created_by="usager" if hour else "agent",
        )
        Rdv._base_manager.filter(pk=rdv.pk).update(created_at=start - timedelta(days=2))
    summary.rebuild()
    return monday


def test_an_admin_reads_the_charts_and_their_tables(
    page, transactional_db, admin_agent, territory, organisation, service
):
    with scopes_disabled():  # set-up, like the factories
        monday = _world(territory, organisation, service)
    login(page, "alice@exemple.fr", PASSWORD)
    page.get_by_role("link", name="Drôme (26)").click()
    page.get_by_role("navigation", name=territory.name).get_by_role(
        "link", name="Statistiques"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    summary_table = page.get_by_role("table", name="Chiffres clés de la période")
    expect(summary_table.get_by_role("row", name=re.compile(r"^RDV \d"))).to_have_text(
        re.compile(r"^\s*RDV\s*4\s*$")
    )
    expect(summary_table.get_by_role("row", name="Pris en ligne par les usagers")).to_contain_text(
        "3 (75,0 %)"
    )

    charts = page.get_by_role("img")
    for name in (
        "RDV par semaine",
        "Les 10 organisations",
        "Les 10 motifs",
        "RDV par service",
        "Courriels et SMS",
    ):
        expect(charts.filter(has_text=name).first).to_be_visible()

    weekly = page.get_by_role("table", name="RDV par semaine")
    expect(weekly).to_be_hidden()  # folded under its chart
    page.get_by_text("Voir les données : RDV par semaine").click()
    expect(weekly).to_be_visible()
    expect(weekly.get_by_role("row", name=f"{monday:%d/%m/%Y}")).to_contain_text("3")
    page.get_by_text("Voir les données : Les 10 motifs les plus pris").click()
    expect(
        page.get_by_role("table", name="Les 10 motifs les plus pris").get_by_role(
            "row", name="Suivi social"
        )
    ).to_contain_text("4")
    assert_accessible(page)

    page.get_by_label("Période").select_option(label="3 derniers mois")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("table", name="Chiffres clés de la période")).to_contain_text("4")
    assert_accessible(page)
