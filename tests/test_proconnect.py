"""Logging in with ProConnect, against a real OpenID Connect provider on 127.0.0.1
(tests/oidc_provider.py): matching, refusals, provider failures, logout, invitations."""

import logging
import socket
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from agents.models import Agent, Invitation
from territories.models import AgentRole
from tests.factories import AgentFactory, AgentRoleFactory, InvitationFactory
from tests.oidc_provider import CLIENT_ID, Provider, query

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

BUTTON = "S’identifier avec"


def start(client, data=None) -> str:
    response = client.post(reverse("proconnect:login"), data or {})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def login_with_proconnect(client, provider, email, decision="accept", data=None):
    """The whole round trip: our start view, the provider's login page, our callback."""
    callback = provider.sign_in(start(client, data), email, decision)
    return client.get(callback)


def logged_in_agent(client):
    user_id = client.session.get("_auth_user_id")
    return Agent.objects.get(pk=user_id) if user_id else None


def html(response) -> str:
    return unescape(response.content.decode())


def assert_refused(client, response, status: int, text: str) -> None:
    """A French page says why, and nobody is logged in."""
    assert response.status_code == status
    assert text in html(response)
    assert logged_in_agent(client) is None


# --- off unless configured -----------------------------------------------------------


def test_without_settings_there_is_no_button_and_no_url_answers(client, db):
    assert BUTTON not in html(client.get(reverse("login")))
    assert client.post(reverse("proconnect:login")).status_code == 404
    assert (
        client.get(reverse("proconnect:callback"), {"code": "x", "state": "y"}).status_code == 404
    )
    assert client.get(reverse("proconnect:logged_out")).status_code == 404
    invitation = InvitationFactory()
    assert BUTTON not in html(client.get(f"/invitations/{invitation.token}/"))
    assert client.post(reverse("proconnect:invitation", args=[invitation.token])).status_code == 404


def test_the_login_page_shows_the_proconnect_button_beside_the_password_form(client, proconnect):
    page = html(client.get(reverse("login")))
    assert 'class="fr-connect fr-connect--proconnect"' in page
    assert BUTTON in page and "ProConnect" in page
    assert "Qu’est-ce que ProConnect ?" in page
    assert "Se connecter avec son adresse e-mail" in page  # the password form stays


# --- matching ------------------------------------------------------------------------


def test_first_login_finds_the_agent_by_email_and_links_the_subject(
    client, proconnect, basic_agent
):
    user = proconnect.add_user("Bob@Exemple.fr")
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("territories:list")
    assert logged_in_agent(client) == basic_agent
    basic_agent.refresh_from_db()
    assert basic_agent.proconnect_sub == user["sub"]


def test_the_authorization_request_uses_pkce_state_and_nonce(client, proconnect, basic_agent):
    proconnect.add_user("bob@exemple.fr")
    params = query(start(client))
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["client_id"] == CLIENT_ID
    assert params["scope"] == "openid email given_name usual_name uid"
    assert params["redirect_uri"] == "http://testserver/proconnect/retour/"


def test_once_linked_the_agent_is_found_by_subject_even_with_a_new_email(
    client, proconnect, basic_agent
):
    user = proconnect.add_user("bob@exemple.fr")
    login_with_proconnect(client, proconnect, "bob@exemple.fr")
    client.logout()
    proconnect.users = {"bob.nouveau@exemple.fr": {**user, "email": "bob.nouveau@exemple.fr"}}
    login_with_proconnect(client, proconnect, "bob.nouveau@exemple.fr")
    assert logged_in_agent(client) == basic_agent


def test_a_userinfo_answered_as_plain_json_is_read_too(client, proconnect, basic_agent):
    proconnect.userinfo_as_jwt = False
    proconnect.add_user("bob@exemple.fr")
    login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert logged_in_agent(client) == basic_agent


def test_the_next_page_is_honoured_but_never_another_site(
    client, proconnect, basic_agent, territory
):
    proconnect.add_user("bob@exemple.fr")
    home = reverse("agents:home", kwargs={"territory_pk": territory.pk})
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr", data={"next": home})
    assert response["Location"] == home
    client.logout()
    response = login_with_proconnect(
        client, proconnect, "bob@exemple.fr", data={"next": "https://ailleurs.example/"}
    )
    assert response["Location"] == reverse("territories:list")


# --- refusals ------------------------------------------------------------------------


def test_an_unknown_email_is_refused_and_told_to_ask_for_an_invitation(client, proconnect, db):
    proconnect.add_user("inconnue@exemple.fr")
    response = login_with_proconnect(client, proconnect, "inconnue@exemple.fr")
    assert response.status_code == 403
    page = html(response)
    assert "Aucun compte pour cette adresse" in page
    assert "inconnue@exemple.fr" in page
    assert "demandez à l’administrateur de votre espace de vous envoyer une invitation" in page
    assert logged_in_agent(client) is None
    assert not Agent.objects.filter(email="inconnue@exemple.fr").exists()


def test_an_intervenant_can_never_log_in_with_proconnect(client, proconnect, organisation):
    intervenant = AgentFactory(email="ines@exemple.fr")
    AgentRoleFactory(agent=intervenant, organisation=organisation, access_level="intervenant")
    proconnect.add_user("ines@exemple.fr")
    response = login_with_proconnect(client, proconnect, "ines@exemple.fr")
    assert_refused(client, response, 403, "les intervenants apparaissent dans les agendas")
    intervenant.refresh_from_db()
    assert intervenant.proconnect_sub is None


def test_an_intervenant_who_also_has_an_agent_role_may_log_in(
    client, proconnect, organisation, other_territory
):
    from tests.factories import OrganisationFactory

    agent = AgentFactory(email="ines@exemple.fr")
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="intervenant")
    AgentRoleFactory(agent=agent, organisation=OrganisationFactory(territory=other_territory))
    proconnect.add_user("ines@exemple.fr")
    login_with_proconnect(client, proconnect, "ines@exemple.fr")
    assert logged_in_agent(client) == agent


def test_an_account_linked_to_another_proconnect_identity_is_not_taken_over(
    client, proconnect, basic_agent
):
    basic_agent.proconnect_sub = "une-autre-identite"
    basic_agent.save()
    proconnect.add_user("bob@exemple.fr")
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert_refused(client, response, 403, "déjà relié à une autre identité ProConnect")


def test_an_email_said_unverified_is_refused(client, proconnect, basic_agent):
    proconnect.add_user("bob@exemple.fr", email_verified=False)
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert response.status_code == 403
    assert "Adresse e-mail non vérifiée" in html(response)


def test_a_deactivated_account_is_refused(client, proconnect, basic_agent):
    basic_agent.is_active = False
    basic_agent.save()
    proconnect.add_user("bob@exemple.fr")
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert response.status_code == 403
    assert "Compte désactivé" in html(response)


# --- the provider's failures -----------------------------------------------------------


def test_cancelling_at_the_provider_gives_a_french_page(client, proconnect, basic_agent):
    proconnect.add_user("bob@exemple.fr")
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr", decision="cancel")
    assert_refused(client, response, 400, "Connexion annulée")


@pytest.mark.parametrize("case", ["forged state", "another browser", "used twice"])
def test_a_callback_this_browser_did_not_start_is_refused(client, proconnect, basic_agent, case):
    proconnect.add_user("bob@exemple.fr")
    callback = proconnect.sign_in(start(client), "bob@exemple.fr")
    browser = client
    if case == "forged state":
        code = query(callback)["code"]
        callback = f"{reverse('proconnect:callback')}?code={code}&state={'x' * 43}"
    elif case == "another browser":
        browser = Client()
    else:
        assert client.get(callback).status_code == 302
        client.logout()
    response = browser.get(callback)
    assert_refused(browser, response, 400, "Demande de connexion expirée")


@pytest.mark.parametrize("tamper", ["nonce", "signature"])
def test_an_id_token_with_a_bad_nonce_or_signature_is_refused(
    client, proconnect, basic_agent, tamper
):
    proconnect.add_user("bob@exemple.fr")
    proconnect.tamper = tamper
    response = login_with_proconnect(client, proconnect, "bob@exemple.fr")
    assert_refused(client, response, 400, "La connexion avec ProConnect a échoué")
    basic_agent.refresh_from_db()
    assert basic_agent.proconnect_sub is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_provider_gives_a_french_page(client, proconnect, settings):
    settings.PROCONNECT_DISCOVERY_URL = (
        f"http://127.0.0.1:{_closed_port()}/.well-known/openid-configuration"
    )
    response = client.post(reverse("proconnect:login"))
    assert response.status_code == 502
    assert "ProConnect est momentanément indisponible" in html(response)


def test_a_provider_that_goes_down_during_the_login_gives_a_french_page(
    client, settings, basic_agent
):
    provider = Provider()
    settings.PROCONNECT_DISCOVERY_URL = provider.discovery_url
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = provider.client.client_secret
    provider.add_user("bob@exemple.fr")
    callback = provider.sign_in(start(client), "bob@exemple.fr")
    provider.stop()
    response = client.get(callback)
    assert_refused(client, response, 502, "ProConnect est momentanément indisponible")


# --- logout ----------------------------------------------------------------------------


def test_logout_also_ends_the_proconnect_session(client, proconnect, basic_agent):
    user = proconnect.add_user("bob@exemple.fr")
    login_with_proconnect(client, proconnect, "bob@exemple.fr")
    response = client.post(reverse("logout"))
    assert logged_in_agent(client) is None
    end_session = response["Location"]
    assert end_session.startswith(f"{proconnect.url}/session/end?")
    params = query(end_session)
    assert params["post_logout_redirect_uri"] == "http://testserver/proconnect/deconnexion/"
    assert params["id_token_hint"].count(".") == 2
    back = requests.get(end_session, timeout=5, allow_redirects=False)
    assert back.status_code == 302
    assert [claims["sub"] for claims in proconnect.ended_sessions] == [user["sub"]]
    response = client.get(back.headers["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Vous êtes déconnecté(e) de RDV Territoire et de ProConnect." in html(response)


def test_a_password_login_logs_out_as_before(client, proconnect, admin_client):
    response = admin_client.post(reverse("logout"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")


# --- invitations -------------------------------------------------------------------------


@pytest.fixture
def invitation(territory, organisation, service, admin_agent):
    return InvitationFactory(
        territory=territory,
        email="dora@exemple.fr",
        invited_by=admin_agent,
        organisations=[organisation],
        services=[service],
    )


def accept_with_proconnect(client, provider, invitation, email):
    response = client.post(reverse("proconnect:invitation", args=[invitation.token]))
    assert response.status_code == 302, html(response)
    return client.get(provider.sign_in(response["Location"], email))


def test_the_invitation_page_offers_proconnect(client, proconnect, invitation):
    page = html(client.get(f"/invitations/{invitation.token}/"))
    assert BUTTON in page
    assert reverse("proconnect:invitation", args=[invitation.token]) in page
    assert "Créer votre compte" in page  # the password way stays


def test_an_invited_person_joins_with_proconnect_instead_of_a_password(
    client, proconnect, invitation, organisation, territory
):
    user = proconnect.add_user("dora@exemple.fr", given_name="Dora Marie", usual_name="Durand")
    response = accept_with_proconnect(client, proconnect, invitation, "dora@exemple.fr")
    assert response["Location"] == reverse("agents:home", kwargs={"territory_pk": territory.pk})
    agent = Agent.objects.get(email="dora@exemple.fr")
    assert (agent.first_name, agent.last_name) == ("Dora Marie", "Durand")
    assert agent.proconnect_sub == user["sub"]
    assert not agent.has_usable_password()
    assert AgentRole.objects.filter(agent=agent, organisation=organisation).exists()
    assert logged_in_agent(client) == agent
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.agent == agent
    follow = client.get(response["Location"])
    assert f"Bienvenue dans l'espace {territory}" in html(follow)


def test_an_invitation_for_another_email_is_refused_with_an_explanation(
    client, proconnect, invitation
):
    proconnect.add_user("dora.perso@exemple.fr")
    response = accept_with_proconnect(client, proconnect, invitation, "dora.perso@exemple.fr")
    assert response.status_code == 403
    page = html(response)
    assert "Cette invitation est destinée à une autre adresse" in page
    assert "dora@exemple.fr" in page and "dora.perso@exemple.fr" in page
    assert not Agent.objects.filter(email__startswith="dora").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_existing_account_accepts_its_invitation_with_proconnect(
    client, proconnect, invitation, organisation
):
    dora = AgentFactory(email="dora@exemple.fr")
    proconnect.add_user("dora@exemple.fr")
    accept_with_proconnect(client, proconnect, invitation, "dora@exemple.fr")
    assert logged_in_agent(client) == dora
    assert AgentRole.objects.filter(agent=dora, organisation=organisation).exists()
    assert Agent.objects.filter(email="dora@exemple.fr").count() == 1


def test_an_expired_invitation_cannot_be_accepted_with_proconnect(client, proconnect, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at="2020-01-01T00:00:00Z")
    response = client.post(reverse("proconnect:invitation", args=[invitation.token]))
    assert response.status_code == 404
    assert "Invitation non valable" in html(response)


# --- nothing about the tokens reaches the logs -------------------------------------------


def test_no_token_reaches_the_logs(client, proconnect, basic_agent, caplog):
    caplog.set_level(logging.DEBUG)
    proconnect.add_user("bob@exemple.fr")
    seen = []
    for tamper in (None, "signature"):  # a login, then one that fails: both log
        proconnect.tamper = tamper
        authorize_url = start(client)
        params = query(authorize_url)
        state_data = client.session[f"_state_proconnect_{params['state']}"]["data"]
        seen += [params["state"], params["nonce"], state_data["code_verifier"]]
        with caplog.at_level(logging.WARNING):  # the browser's side, not our logs
            callback = proconnect.sign_in(authorize_url, "bob@exemple.fr")
        client.get(callback)
        if tamper is None:
            seen.append(client.session["proconnect_id_token"])
            client.post(reverse("logout"))
    seen += proconnect.issued  # codes and access tokens
    assert "ProConnect login failed" in caplog.text  # so the check below means something
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    assert [secret for secret in seen if secret in logged] == []


def test_support_staff_see_the_proconnect_link_in_the_django_admin(client, basic_agent):
    basic_agent.proconnect_sub = "sujet-relie"
    basic_agent.save()
    client.force_login(AgentFactory(is_staff=True, is_superuser=True))
    page = html(client.get(reverse("admin:agents_agent_change", args=[basic_agent.pk])))
    assert 'name="proconnect_sub"' in page and 'value="sujet-relie"' in page
