"""Attacks on logging in: an intervenant (an agenda, no login) gets no session by any
way in — password, reset, ProConnect, or an invitation accepted with ProConnect."""

import threading
from html import unescape

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from agents.models import Agent, Invitation
from territories.models import AgentRole
from tests.factories import AgentFactory, AgentRoleFactory, InvitationFactory
from tests.test_attack_roles import wait_for_blocked_transactions

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def invite(admin, organisation, service, email: str) -> Invitation:
    """A pending invitation of `email` to `organisation` (its raw token: `.token`)."""
    return InvitationFactory(
        territory=organisation.territory,
        email=email,
        invited_by=admin,
        organisations=[organisation],
        services=[service],
    )


def test_an_intervenant_holding_an_invitation_gets_no_session_through_proconnect(
    client, proconnect, organisation, service, admin_agent
):
    """Invited to Valence, then (before accepting) created as an intervenant of Valence
    with the same address: accepting with ProConnect kept the intervenant level (the
    invitation does not raise it) and still logged the person in."""
    invitation = invite(admin_agent, organisation, service, "ines@exemple.fr")
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


def test_an_account_created_meanwhile_for_the_invited_address_gives_a_french_answer(
    transactional_db, organisation, service, admin_agent
):
    """The invitee creates their account while an admin gives the same address an
    account (an intervenant): the invitee's insert waited for the admin's, then hit
    the unique address and answered 500."""
    invitation = invite(admin_agent, organisation, service, "dora@exemple.fr")
    answer = {}

    def accept():
        client = Client(raise_request_exception=False)
        password = "un-secret-bien-long-2026"
        response = client.post(
            reverse("invitation_accept", args=[invitation.token]),
            {
                "first_name": "Dora",
                "last_name": "Nouvelle",
                "password1": password,
                "password2": password,
            },
        )
        answer["status"], answer["page"] = response.status_code, response.content.decode()
        connection.close()  # this thread's own connection

    thread = threading.Thread(target=accept)
    with transaction.atomic():  # the admin's transaction, not committed yet
        Agent.objects.create(email="dora@exemple.fr", last_name="Intervenante")
        thread.start()
        assert wait_for_blocked_transactions(1)
    thread.join(20)

    assert answer["status"] == 200
    assert "Un compte existe déjà pour cette adresse : connectez-vous." in unescape(answer["page"])
    assert Agent.objects.filter(email="dora@exemple.fr").count() == 1
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
