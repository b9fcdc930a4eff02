"""Attacks on logging in: an intervenant (an agenda, no login) gets no session by any
way in — password, reset, ProConnect, or an invitation accepted with ProConnect."""

from html import unescape

import pytest
from django.urls import reverse

from agents.models import Agent, Invitation
from territories.models import AgentRole
from tests.factories import AgentFactory, AgentRoleFactory, InvitationFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_an_intervenant_holding_an_invitation_gets_no_session_through_proconnect(
    client, proconnect, territory, organisation, service, admin_agent
):
    """Invited to Valence, then (before accepting) created as an intervenant of Valence
    with the same address: accepting with ProConnect kept the intervenant level (the
    invitation does not raise it) and still logged the person in."""
    invitation = InvitationFactory(
        territory=territory,
        email="ines@exemple.fr",
        invited_by=admin_agent,
        organisations=[organisation],
        services=[service],
    )
    ines = AgentFactory(email="ines@exemple.fr")
    AgentRoleFactory(agent=ines, organisation=organisation, access_level="intervenant")
    proconnect.add_user("ines@exemple.fr")

    response = client.post(reverse("proconnect:invitation", args=[invitation.token]))
    response = client.get(proconnect.sign_in(response["Location"], "ines@exemple.fr"))

    assert response.status_code == 403
    assert "les intervenants apparaissent dans les agendas" in unescape(response.content.decode())
    assert "_auth_user_id" not in client.session
    assert Agent.objects.get(pk=ines.pk).proconnect_sub is None
    assert AgentRole.objects.get(agent=ines).access_level == "intervenant"
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
