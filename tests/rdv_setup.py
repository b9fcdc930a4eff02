"""Shared set-up of the RDV tests: a motif that Alice and Bob may use."""

from tests.factories import AgentServiceFactory, MotifFactory, UserRecordFactory


def usable_motif(territory, organisation, service, *agents, **kwargs):
    for agent in agents:
        AgentServiceFactory(agent=agent, territory=territory, service=service)
    return MotifFactory(
        territory=territory, service=service, organisations=[organisation], **kwargs
    )


def usager(territory, **kwargs):
    return UserRecordFactory(territory=territory, **kwargs)
