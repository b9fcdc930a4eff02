"""Every list of the API makes a fixed number of queries: as many for 5 rows as for 500
(a page holds 100), and no more than its budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from availability.models import Absence, AvailabilityRange
from motifs.models import Motif
from rdvs.models import Rdv, RdvAgent
from territories.models import AgentRole, Organisation
from tests.factories import ApiTokenFactory, EndpointFactory
from tests.queries import count_queries
from tests.test_api import Partner
from user_records.models import UserRecord
from webhooks.models import Endpoint

# Queries of every call: the token (with its agent and territory), the agent's roles
# (territory admin?), the bounded count and the page; then per list: the organisation
# of the URL, the prefetched relations (RDVs: agents and usagers; users: organisations;
# ranges: motifs; endpoints: organisations), the territory's settings (RDVs: context
# shown?; users: hidden standard fields and custom fields).
BUDGETS = {
    "/organisations": 4,
    "/organisations/{o}/motifs": 5,
    "/organisations/{o}/rdvs": 8,
    "/users": 7,
    "/absences": 4,
    "/plage_ouvertures": 5,
    "/organisations/{o}/webhook_endpoints": 6,
}


def _grow(territory, organisation, agent, service, count: int) -> None:
    """`count` more rows of every list, written in bulk (after those already there)."""
    with scopes_disabled():
        first = Organisation.objects.filter(territory=territory).count()
    now = timezone.now().replace(microsecond=0) + timedelta(days=first)
    with scopes_disabled():
        Organisation.objects.bulk_create(
            Organisation(territory=territory, name=f"Organisation {n:03}")
            for n in range(first, first + count)
        )
        motifs = Motif.objects.bulk_create(
            Motif(territory=territory, service=service, name=f"Motif {n:03}")
            for n in range(first, first + count)
        )
        Motif.organisations.through.objects.bulk_create(
            Motif.organisations.through(motif=motif, organisation=organisation) for motif in motifs
        )
        records = UserRecord.objects.bulk_create(
            UserRecord(territory=territory, first_name="Anne", last_name=f"Usager {n:03}")
            for n in range(first, first + count)
        )
        UserRecord.organisations.through.objects.bulk_create(
            UserRecord.organisations.through(userrecord=record, organisation=organisation)
            for record in records
        )
        rdvs = Rdv.objects.bulk_create(
            Rdv(
                territory=territory,
                organisation=organisation,
                motif=motifs[0],
                starts_at=now + timedelta(hours=n),
                ends_at=now + timedelta(hours=n, minutes=30),
            )
            for n in range(count)
        )
        RdvAgent.objects.bulk_create(
            RdvAgent(rdv=rdv, agent=agent, starts_at=rdv.starts_at, ends_at=rdv.ends_at)
            for rdv in rdvs
        )
        Rdv.user_records.through.objects.bulk_create(
            Rdv.user_records.through(rdv=rdv, userrecord=records[0]) for rdv in rdvs
        )
        Absence.objects.bulk_create(
            Absence(
                territory=territory,
                agent=agent,
                starts_at=now + timedelta(days=n),
                ends_at=now + timedelta(days=n, hours=1),
            )
            for n in range(count)
        )
        ranges = AvailabilityRange.objects.bulk_create(
            AvailabilityRange(
                territory=territory,
                organisation=organisation,
                agent=agent,
                first_day=(now + timedelta(days=n)).date(),
                start_time="09:00",
                end_time="10:00",
            )
            for n in range(count)
        )
        AvailabilityRange.motifs.through.objects.bulk_create(
            AvailabilityRange.motifs.through(availabilityrange=r, motif=motifs[0]) for r in ranges
        )
        endpoints = Endpoint.objects.bulk_create(
            Endpoint(territory=territory, url=f"https://r{n}.exemple.fr/", secret="s" * 20)
            for n in range(count)
        )
        Endpoint.organisations.through.objects.bulk_create(
            Endpoint.organisations.through(endpoint=e, organisation=organisation) for e in endpoints
        )


@pytest.mark.parametrize("path", list(BUDGETS))
def test_each_list_costs_its_budget_for_5_rows_as_for_500(
    client, admin_agent, territory, organisation, service, path
):
    with scopes_disabled():
        assert AgentRole.objects.filter(agent=admin_agent).exists()
    EndpointFactory(territory=territory)  # one of the territory's, not this organisation's
    partner = Partner(client, ApiTokenFactory(territory=territory, agent=admin_agent).raw)
    url = path.format(o=organisation.pk)
    partner.get(url)  # the token's first use is written once (last_used_at)
    _grow(territory, organisation, admin_agent, service, 5)

    def fetch():
        response = partner.get(url)
        assert response.status_code == 200, response.json()
        return response

    small = count_queries(fetch)
    _grow(territory, organisation, admin_agent, service, 495)
    large = count_queries(fetch)
    assert len(next(iter(fetch().json().values()))) == 100  # a full page
    assert (small, large) == (BUDGETS[path], BUDGETS[path])
