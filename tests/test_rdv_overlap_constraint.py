from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from tests.factories import AgentFactory, RdvAgentFactory, RdvFactory


def test_database_refuses_two_overlapping_rdvs_of_one_agent(territory):
    agent = AgentFactory()
    first = RdvFactory(territory=territory)
    RdvAgentFactory(rdv=first, agent=agent)
    overlapping = RdvFactory(territory=territory, starts_at=first.starts_at + timedelta(minutes=15))
    with pytest.raises(IntegrityError), transaction.atomic():
        RdvAgentFactory(rdv=overlapping, agent=agent)


def test_back_to_back_rdvs_and_other_agents_and_freed_slots_are_allowed(territory):
    agent = AgentFactory()
    first = RdvFactory(territory=territory)
    link = RdvAgentFactory(rdv=first, agent=agent)
    RdvAgentFactory(rdv=RdvFactory(territory=territory, starts_at=first.ends_at), agent=agent)
    same_time = RdvFactory(territory=territory, starts_at=first.starts_at)
    RdvAgentFactory(rdv=same_time, agent=AgentFactory())
    link.holds_time = False  # cancelled: the time is free again
    link.save(update_fields=["holds_time"])
    RdvAgentFactory(rdv=RdvFactory(territory=territory, starts_at=first.starts_at), agent=agent)
