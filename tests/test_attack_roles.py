"""Attacks on the agents' roles: two territory admins changing roles at the same moment
get answers, never a 500, and the territory and its organisations keep their admins."""

import threading

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from territories.models import AgentRole, TerritoryAdmin
from tests.booking_helpers import wall_clock
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    OrganisationFactory,
    TerritoryAdminFactory,
)


def detail_url(territory, agent):
    return reverse(
        "agents:agent_detail", kwargs={"territory_pk": territory.pk, "agent_pk": agent.pk}
    )


def wait_for_blocked_transactions(count: int) -> bool:
    deadline = wall_clock.monotonic() + 10
    with connection.cursor() as cursor:
        while wall_clock.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= count:
                return True
            wall_clock.sleep(0.02)
    return False


def test_two_admins_demoting_the_two_admins_of_an_organisation_at_once(
    transactional_db, territory, service, admin_agent
):
    """Alice demotes Xavier while Dana demotes Yann, the two admins of Romans: one is
    demoted, the other refused (Romans keeps an admin). Each request locked the agent's
    roles, then the territory's admins, then the other admin of the organisation: taken
    in opposite orders, PostgreSQL killed one of them as a deadlock (a 500)."""
    dana = AgentFactory(email="dana@exemple.fr")
    TerritoryAdminFactory(agent=dana, territory=territory)
    with scope(territory=territory):
        organisation = OrganisationFactory(territory=territory, name="CCAS de Romans")
        demoted = []
        for name in ("xavier", "yann"):
            agent = AgentFactory(email=f"{name}@exemple.fr")
            AgentRoleFactory(agent=agent, organisation=organisation, access_level="admin")
            AgentServiceFactory(agent=agent, territory=territory, service=service)
            demoted.append(agent)
    answers = {}

    def demote(actor, agent):
        client = Client(raise_request_exception=False)
        client.force_login(actor)
        data = {"services": [service.pk], f"organisation_{organisation.pk}": "basic"}
        response = client.post(detail_url(territory, agent), data)
        answers[agent.email] = (response.status_code, response.content.decode())
        connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=demote, args=(admin_agent, demoted[0])),
        threading.Thread(target=demote, args=(dana, demoted[1])),
    ]
    # Both requests are let go at the same moment: until then they wait on the
    # territory's admins, which this transaction holds.
    with transaction.atomic(), scope(territory=territory):
        list(TerritoryAdmin.objects.select_for_update().filter(territory=territory))
        for thread in threads:
            thread.start()
        assert wait_for_blocked_transactions(2)
    for thread in threads:
        thread.join(20)

    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [200, 302]  # one demoted, one form shown again with the refusal
    refusal = next(page for status, page in answers.values() if status == 200)
    assert "CCAS de Romans » n&#x27;aurait plus d&#x27;administrateur" in refusal
    with scope(territory=territory):
        levels = sorted(
            AgentRole.objects.filter(organisation=organisation).values_list(
                "access_level", flat=True
            )
        )
    assert levels == ["admin", "basic"]
