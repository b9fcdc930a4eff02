"""Inviting an agent, the invitation mail, and the invitation link (accept, expiry, resend)."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from agents.invitations import find_by_token
from agents.models import Agent, Invitation
from agents.services import (
    accept_invitation,
    invite_agent,
    resend_invitation,
    revoke_invitation,
)
from agents.tasks import INVITATION_MAIL_RETRIES, prune_stale_invitations, send_invitation_mail
from territories.errors import ServiceError
from territories.models import AgentRole, AgentService, AuditEntry
from tests.factories import (
    AgentFactory,
    InvitationFactory,
    OrganisationFactory,
    ServiceFactory,
    TerritoryServiceFactory,
)
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """Failed look-ups are counted in Redis per client address; each test counts its own."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"


def invite_url(territory):
    return reverse("agents:invite", kwargs={"territory_pk": territory.pk})


def accept_path(mail_message) -> str:
    return re.search(r"/invitations/[^/\s]+/", mail_message.body).group(0)


def post_invitation(client, territory, email, services, organisations):
    return client.post(
        invite_url(territory),
        {
            "email": email,
            "services": [s.pk for s in services],
            "organisations": [o.pk for o in organisations],
        },
    )


def invite_and_send(territory, admin_agent, organisation, service, email="dora@exemple.fr"):
    invitation = invite_agent(territory, email, [service], [organisation], acting_agent=admin_agent)
    send_invitation_mail(invitation.pk)
    return invitation


@pytest.mark.parametrize(
    "emails",
    [
        "dora@exemple.fr, eve@exemple.fr",
        "dora@exemple.fr; eve@exemple.fr",
        "dora@exemple.fr eve@exemple.fr",
        "dora@exemple.fr\neve@exemple.fr",
    ],
)
def test_a_list_of_addresses_is_refused_and_nothing_is_sent(
    admin_client, territory, organisation, service, emails
):
    response = post_invitation(admin_client, territory, emails, [service], [organisation])
    assert response.status_code == 200
    assert "Vous devez inviter les agents un par un" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not Event.objects.exists()


def test_the_invite_page_warns_about_one_address_and_48_hours(admin_client, territory):
    html = admin_client.get(invite_url(territory)).content.decode()
    assert "Vous devez inviter les agents individuellement" in html
    assert "48 heures" in html


def test_inviting_records_the_invitation_its_event_and_audit_and_queues_the_mail(
    admin_client, territory, organisation, service, admin_agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_invitation(
            admin_client, territory, " Dora@Exemple.fr ", [service], [organisation]
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "dora@exemple.fr"
    assert invitation.invited_by == admin_agent
    assert list(invitation.services.all()) == [service]
    assert list(invitation.organisations.all()) == [organisation]
    assert invitation.sent_at is None and invitation.token_hash is None
    assert len(callbacks) == 1  # the mail task, sent after commit
    event = Event.objects.get(type="agent.invited")
    assert event.payload["email"] == "dora@exemple.fr"
    assert event.organisation_ids == [organisation.pk]
    assert AuditEntry.objects.filter(action="agent.invited", actor=admin_agent).exists()


def test_only_active_services_and_own_organisations_can_be_chosen(
    admin_client, territory, organisation, service, other_territory
):
    retired = ServiceFactory(name="Service retiré")
    TerritoryServiceFactory(territory=territory, service=retired, is_active=False)
    html = admin_client.get(invite_url(territory)).content.decode()
    assert "Service social" in html and "Service retiré" not in html

    foreign = OrganisationFactory(territory=other_territory)
    response = post_invitation(admin_client, territory, "dora@exemple.fr", [retired], [foreign])
    assert response.status_code == 200
    assert response.content.decode().count("Sélectionnez un choix valide") == 2
    assert not Invitation.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_mail_has_the_link_the_expiry_in_paris_time_and_replies_to_the_inviter(
    territory, organisation, service, admin_agent
):
    invitation = invite_and_send(territory, admin_agent, organisation, service)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dora@exemple.fr"]
    assert message.reply_to == ["alice@exemple.fr"]
    assert "Drôme (26)" in message.subject
    html = message.alternatives[0][0]
    link = re.search(r"http://\S+/invitations/[^/\s]+/", message.body).group(0)
    assert link in html
    assert "samedi 28 novembre 2026 à 10:00" in message.body  # 48 h later, Paris time
    assert "samedi 28 novembre 2026 à 10:00" in html
    assert "Alice Admin" in message.body and "Service social" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at == NOW
    assert invitation.expires_at == NOW + timedelta(hours=48)
    # Only the digest of the token is kept.
    token = accept_path(message).split("/")[2]
    assert len(token) >= 43  # 32 random bytes
    assert token not in invitation.token_hash
    assert find_by_token(token) == invitation


def test_a_new_agent_accepts_sets_a_password_and_lands_on_their_space(
    client, territory, organisation, service, admin_agent
):
    invite_and_send(territory, admin_agent, organisation, service)
    path = accept_path(mail.outbox[0])
    html = client.get(path).content.decode()
    assert "Rejoindre l'espace Drôme (26)" in html
    assert "Alice Admin" in html

    weak = client.post(
        path,
        {"first_name": "Dora", "last_name": "Nouvelle", "password1": "123", "password2": "123"},
    )
    assert weak.status_code == 200
    assert "Ce mot de passe est trop court" in weak.content.decode()

    response = client.post(
        path,
        {
            "first_name": "Dora",
            "last_name": "Nouvelle",
            "password1": "un-secret-bien-long-2026",
            "password2": "un-secret-bien-long-2026",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "agents:home", kwargs={"territory_pk": territory.pk}
    )
    assert "Bienvenue dans l'espace Drôme (26)" in unescape(response.content.decode())
    assert response.context["user"].email == "dora@exemple.fr"
    role = AgentRole.objects.get(agent__email="dora@exemple.fr")
    assert (role.organisation, role.access_level) == (organisation, "basic")
    assert AgentService.objects.get(agent__email="dora@exemple.fr").service == service
    assert Invitation.objects.get().accepted_at is not None
    joined = Event.objects.get(type="agent.joined")
    assert joined.payload["organisations"][0]["access_level"] == "basic"
    assert AuditEntry.objects.filter(action="agent.joined").exists()
    # The link is used up: submitted again (a double click), it creates nothing and
    # brings Dora to her space; opened by anyone else, it only says it was accepted.
    again = client.post(path, {"first_name": "Autre", "password1": "x"}, follow=True)
    assert again.redirect_chain[-1][0] == reverse(
        "agents:home", kwargs={"territory_pk": territory.pk}
    )
    assert "Vous avez déjà rejoint l'espace Drôme (26)" in unescape(again.content.decode())
    assert Agent.objects.get(email="dora@exemple.fr").first_name == "Dora"
    assert Event.objects.filter(type="agent.joined").count() == 1
    client.logout()
    response = client.get(path)
    assert response.status_code == 404
    assert "Invitation déjà acceptée" in unescape(response.content.decode())


def test_an_agent_of_another_territory_joins_with_the_account_they_have(
    client, territory, organisation, service, admin_agent, outsider, other_territory
):
    invite_and_send(territory, admin_agent, organisation, service, email="charlie@exemple.fr")
    path = accept_path(mail.outbox[0])
    html = client.get(path).content.decode()
    assert "Un compte RDV Territoire existe déjà" in html
    assert "Se connecter pour accepter" in html

    client.force_login(outsider)
    response = client.post(path)
    assert response.status_code == 302
    assert AgentRole.objects.filter(agent=outsider, organisation=organisation).exists()
    assert AgentRole.objects.filter(agent=outsider).count() == 1
    with scope(territory=other_territory):  # kept the other territory
        assert AgentRole.objects.filter(agent=outsider).count() == 1
    assert Agent.objects.filter(email__iexact="charlie@exemple.fr").count() == 1


def test_someone_logged_in_with_another_account_cannot_accept(
    client, territory, organisation, service, admin_agent, outsider
):
    invite_and_send(territory, admin_agent, organisation, service, email="charlie@exemple.fr")
    client.force_login(admin_agent)
    response = client.post(accept_path(mail.outbox[0]))
    assert "Cette invitation est destinée à charlie@exemple.fr" in response.content.decode()
    assert not AgentRole.objects.filter(agent=outsider, organisation=organisation).exists()


def test_a_new_person_invited_while_someone_is_logged_in_is_asked_before_switching(
    client, territory, organisation, service, admin_agent, basic_agent
):
    invite_and_send(territory, admin_agent, organisation, service, email="dora@exemple.fr")
    path = accept_path(mail.outbox[0])
    client.force_login(basic_agent)
    page = unescape(client.get(path).content.decode())
    assert "Vous êtes connecté(e) avec le compte bob@exemple.fr" in page
    assert "Me déconnecter et continuer" in page
    assert 'name="password1"' not in page
    new_account = {
        "first_name": "Dora",
        "last_name": "Nouvelle",
        "password1": "un-secret-bien-long-2026",
        "password2": "un-secret-bien-long-2026",
    }
    # A submission that skipped the question (another tab, a replay) switches nothing.
    response = client.post(path, new_account)
    assert response.status_code == 200
    assert "Me déconnecter et continuer" in unescape(response.content.decode())
    assert not Agent.objects.filter(email="dora@exemple.fr").exists()
    assert client.get(reverse("territories:list")).context["user"] == basic_agent

    response = client.post(path, {"changer_de_compte": "oui"}, follow=True)
    assert response.redirect_chain[-1][0] == path
    assert not response.context["user"].is_authenticated
    assert "Vous avez été déconnecté(e) du compte bob@exemple.fr" in unescape(response.text)
    assert 'name="password1"' in response.text
    response = client.post(path, new_account, follow=True)
    assert response.context["user"].email == "dora@exemple.fr"


def test_the_link_expires_48_hours_after_it_was_sent(client, territory, admin_agent):
    with time_machine.travel(NOW, tick=False):
        invitation = InvitationFactory(territory=territory, invited_by=admin_agent)
    with time_machine.travel(NOW + timedelta(hours=47, minutes=59)):
        assert client.get(f"/invitations/{invitation.token}/").status_code == 200
    with time_machine.travel(NOW + timedelta(hours=48)):
        response = client.get(f"/invitations/{invitation.token}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "Invitation expirée" in html and "48 heures" in html
    assert "alice@exemple.fr" in html  # whom to ask for a new invitation


def test_resending_issues_a_new_token_and_kills_the_old_link_at_once(
    client, territory, organisation, service, admin_agent
):
    invitation = invite_and_send(territory, admin_agent, organisation, service)
    old_path = accept_path(mail.outbox[0])

    resend_invitation(invitation, acting_agent=admin_agent)
    # Dead before the new mail even left; it says it was replaced (test_rough_edges).
    assert client.get(old_path).status_code == 410

    send_invitation_mail(invitation.pk)
    new_path = accept_path(mail.outbox[1])
    assert new_path != old_path
    assert client.get(new_path).status_code == 200
    assert Event.objects.filter(type="invitation.resent").exists()


def test_inviting_again_after_expiry_renews_the_same_invitation(
    territory, organisation, service, admin_agent
):
    with time_machine.travel(NOW, tick=False):
        invitation = InvitationFactory(territory=territory, email="dora@exemple.fr")
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        renewed = invite_agent(
            territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
        )
        assert renewed.pk == invitation.pk
        send_invitation_mail(renewed.pk)
        renewed.refresh_from_db()
        assert renewed.expires_at == NOW + timedelta(days=3, hours=48)
    assert find_by_token(invitation.token) is None  # the expired link stays dead


def test_revoked_used_and_unknown_links_say_nothing_more(client, territory, admin_agent):
    revoked = InvitationFactory(territory=territory)
    revoke_invitation(revoked, acting_agent=admin_agent)
    used = InvitationFactory(territory=territory, email="charlie@exemple.fr")
    accept_invitation(used, acting_agent=AgentFactory(email="charlie@exemple.fr"))
    for path, title in (
        (f"/invitations/{revoked.token}/", "Lien d'invitation non valable"),
        (f"/invitations/{used.token}/", "Invitation déjà acceptée"),
    ):
        response = client.get(path)
        assert response.status_code == 404
        html = unescape(response.content.decode())
        assert title in html
        assert "Drôme" not in html and "exemple.fr" not in html
    unknown = client.get("/invitations/nimporte-quoi/")
    assert unknown.status_code == 404
    assert "Lien d'invitation non valable" in unescape(unknown.content.decode())


def test_wrong_tokens_are_rate_limited_per_address_but_a_valid_one_always_works(client, territory):
    invitation = InvitationFactory(territory=territory)
    for attempt in range(20):
        assert client.get(f"/invitations/essai-{attempt}/").status_code == 404
    response = client.get("/invitations/essai-de-trop/")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    # Guessing from the same address (a shared proxy, an office) blocks no real link.
    assert client.get(f"/invitations/{invitation.token}/").status_code == 200
    other_address = Client(REMOTE_ADDR="10.0.0.2")
    assert other_address.get("/invitations/essai-0/").status_code == 404


def test_behind_the_proxy_wrong_tokens_are_counted_per_client_not_per_proxy(
    client, territory, settings
):
    settings.BEHIND_REVERSE_PROXY = True
    for attempt in range(21):
        # What a client puts first in the header is ignored: the proxy's entry counts.
        forwarded = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{attempt}, 203.0.113.7"}
        client.get(f"/invitations/essai-{attempt}/", **forwarded)
    assert client.get("/invitations/x/", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert client.get("/invitations/x/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 404


def test_with_redis_down_the_invitation_page_still_works(client, territory, redis_down):
    invitation = InvitationFactory(territory=territory)
    assert client.get(f"/invitations/{invitation.token}/").status_code == 200
    assert client.get("/invitations/inconnu/").status_code == 404


def test_an_address_already_invited_is_offered_a_resend_not_a_duplicate(
    admin_client, territory, organisation, service
):
    invitation = InvitationFactory(territory=territory, email="dora@exemple.fr")
    response = post_invitation(
        admin_client, territory, "DORA@exemple.fr", [service], [organisation]
    )
    html = response.content.decode()
    assert "Une invitation est déjà en cours pour cette adresse" in html
    assert "Renvoyer l'invitation" in html
    resend = reverse(
        "agents:invitation_resend",
        kwargs={"territory_pk": territory.pk, "invitation_pk": invitation.pk},
    )
    assert f'action="{resend}"' in html
    assert Invitation.objects.count() == 1


def test_an_address_of_an_agent_of_this_territory_is_refused(
    admin_client, territory, organisation, service, basic_agent
):
    response = post_invitation(admin_client, territory, "bob@exemple.fr", [service], [organisation])
    assert "Cette adresse appartient déjà à un agent de cet espace." in response.content.decode()
    assert not Invitation.objects.exists()


class FlakyBackend(EmailBackend):
    """The mail provider fails `failures` times, then delivers (to locmem's outbox)."""

    failures = 0
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.attempts <= FlakyBackend.failures:
            raise OSError("fournisseur injoignable")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_invitations.FlakyBackend"
    FlakyBackend.attempts = 0
    return FlakyBackend


def test_a_transient_mail_error_is_retried_then_the_invitation_is_sent(
    territory, organisation, service, admin_agent, flaky_mail
):
    flaky_mail.failures = 2
    invitation = invite_agent(
        territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
    )
    send_invitation_mail.apply(args=[invitation.pk])
    assert flaky_mail.attempts == 3
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and not invitation.send_failed
    # The delivered mail carries the link that works (each attempt issued its own).
    assert find_by_token(accept_path(mail.outbox[0]).split("/")[2]) == invitation


def test_a_mail_that_keeps_failing_is_marked_failed_and_shown_to_the_admin(
    admin_client, territory, organisation, service, admin_agent, flaky_mail
):
    flaky_mail.failures = 100
    invitation = invite_agent(
        territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
    )
    result = send_invitation_mail.apply(args=[invitation.pk])
    assert isinstance(result.result, OSError)
    assert flaky_mail.attempts == INVITATION_MAIL_RETRIES + 1
    invitation.refresh_from_db()
    assert invitation.send_failed and invitation.sent_at is None
    html = admin_client.get(reverse("agents:section", args=[territory.pk])).content.decode()
    assert "Échec de l'envoi" in unescape(html)


def test_no_mail_for_a_revoked_invitation(territory):
    invitation = InvitationFactory(territory=territory, revoked_at=NOW, sent_at=None)
    send_invitation_mail(invitation.pk)
    assert mail.outbox == []


def test_stale_invitations_are_pruned_but_accepted_ones_are_kept(territory):
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        stale = InvitationFactory(territory=territory)
        accepted = InvitationFactory(territory=territory, accepted_at=NOW - timedelta(days=39))
    with time_machine.travel(NOW, tick=False):
        recent = InvitationFactory(territory=territory)
        assert prune_stale_invitations() == 1
    assert set(Invitation.objects.values_list("pk", flat=True)) == {accepted.pk, recent.pk}
    assert not Invitation.objects.filter(pk=stale.pk).exists()


def test_invitation_page_explains_why_settings_wait_and_offers_resend_and_revoke(
    admin_client, territory, organisation
):
    invitation = InvitationFactory(territory=territory, organisations=[organisation])
    url = reverse(
        "agents:invitation_detail",
        kwargs={"territory_pk": territory.pk, "invitation_pk": invitation.pk},
    )
    html = admin_client.get(url).content.decode()
    assert "L'agent doit valider cette invitation avant que vous puissiez gérer ses paramètres" in (
        html
    )
    assert "Renvoyer l'invitation" in html and "Révoquer l'invitation" in html


def test_revoking_asks_for_confirmation_then_kills_the_link(
    admin_client, client, territory, admin_agent
):
    invitation = InvitationFactory(territory=territory)
    url = reverse(
        "agents:invitation_revoke",
        kwargs={"territory_pk": territory.pk, "invitation_pk": invitation.pk},
    )
    assert "Êtes-vous sûr" in admin_client.get(url).content.decode()
    assert client.get(f"/invitations/{invitation.token}/").status_code == 200
    assert admin_client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client.get(f"/invitations/{invitation.token}/").status_code == 404
    assert Event.objects.filter(type="invitation.revoked").exists()
    assert AuditEntry.objects.filter(action="invitation.revoked", actor=admin_agent).exists()


def test_basic_agents_cannot_invite(client, basic_agent, territory):
    client.force_login(basic_agent)
    assert client.get(invite_url(territory)).status_code == 403


def test_a_new_agents_services_skip_those_deactivated_since_the_invitation(
    client, territory, organisation, service, admin_agent
):
    second = ServiceFactory(name="PMI")
    link = TerritoryServiceFactory(territory=territory, service=second)
    invitation = invite_agent(
        territory, "dora@exemple.fr", [service, second], [organisation], acting_agent=admin_agent
    )
    send_invitation_mail(invitation.pk)
    link.is_active = False
    link.save()
    client.post(
        accept_path(mail.outbox[0]),
        {
            "first_name": "Dora",
            "last_name": "Nouvelle",
            "password1": "un-secret-bien-long-2026",
            "password2": "un-secret-bien-long-2026",
        },
    )
    assert list(
        AgentService.objects.filter(agent__email="dora@exemple.fr").values_list(
            "service__name", flat=True
        )
    ) == ["Service social"]


def test_the_service_itself_refuses_members_and_duplicates(
    territory, organisation, service, admin_agent, basic_agent
):
    with pytest.raises(ServiceError):
        invite_agent(
            territory, "BOB@exemple.fr", [service], [organisation], acting_agent=admin_agent
        )
    invite_agent(territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent)
    with pytest.raises(ServiceError):
        invite_agent(
            territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
        )
    assert Invitation.objects.count() == 1
