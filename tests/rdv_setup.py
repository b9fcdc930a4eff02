"""Shared set-up of the RDV tests: a motif that Alice and Bob may use."""

from django_scopes import scopes_disabled

from territories.models import Organisation
from tests.factories import AgentServiceFactory, MotifFactory, UserRecordFactory


def usable_motif(territory, organisation, service, *agents, **kwargs):
    for agent in agents:
        AgentServiceFactory(agent=agent, territory=territory, service=service)
    return MotifFactory(
        territory=territory, service=service, organisations=[organisation], **kwargs
    )


def usager(territory, **kwargs):
    """A user record followed by the territory's organisations (so their agents see it),
    unless `organisations=[…]` says which."""
    if "organisations" not in kwargs:
        with scopes_disabled():  # set-up, like the factories
            kwargs["organisations"] = list(Organisation.objects.filter(territory=territory))
    return UserRecordFactory(territory=territory, **kwargs)
