"""The invitation link shown to the admin on the invitation's page, to pass on when the
mail is blocked: the same link as the mail's, dead once the invitation is re-sent,
revoked, accepted or past its 48 hours."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from agents.invitations import link_token
from agents.services import invite_agent, resend_invitation, revoke_invitation
from agents.tasks import send_invitation_mail
from tests.factories import InvitationFactory

pytestmark = pytest.mark.usefixtures("in_territory")

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def detail_url(invitation):
    return reverse(
        "agents:invitation_detail",
        kwargs={"territory_pk": invitation.territory_id, "invitation_pk": invitation.pk},
    )


def shown_link(client, invitation) -> str | None:
    response = client.get(detail_url(invitation))
    if response.status_code == 404:
        return None
    html = unescape(response.content.decode())
    found = re.search(r'id="lien-invitation" value="([^"]+)"', html)
    return found.group(1) if found else None


def mailed_path(message) -> str:
    return re.search(r"/invitations/[^/\s]+/", message.body).group(0)


@pytest.fixture
def sent(territory, organisation, service, admin_agent):
    with time_machine.travel(NOW, tick=False):
        invitation = invite_agent(
            territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
        )
        send_invitation_mail(invitation.pk)
    invitation.refresh_from_db()
    return invitation


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_the_page_shows_the_mailed_link_which_accepts_the_invitation(admin_client, sent):
    link = shown_link(admin_client, sent)
    assert link is not None and link.endswith(mailed_path(mail.outbox[0]))
    html = admin_client.get(detail_url(sent)).content.decode()
    assert "Copier le lien" in html and "48 heures" in html
    path = link.split("testserver", 1)[1]
    client = Client()  # the invited person, not logged in
    response = client.post(
        path,
        {
            "first_name": "Dora",
            "last_name": "Durand",
            "password1": "un mot de passe solide 42",
            "password2": "un mot de passe solide 42",
        },
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.accepted_at is not None
    assert shown_link(admin_client, sent) is None  # accepted: the page is gone or linkless


def test_resending_replaces_the_shown_link(admin_client, sent, admin_agent):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        old = shown_link(admin_client, sent).split("testserver", 1)[1]
        resend_invitation(sent, acting_agent=admin_agent)
        assert shown_link(admin_client, sent) is None  # until the new mail leaves
        assert Client().get(old).status_code == 410  # "remplacée par une nouvelle invitation"
        send_invitation_mail(sent.pk)
        new = shown_link(admin_client, sent).split("testserver", 1)[1]
    assert new != old
    assert new == mailed_path(mail.outbox[1])
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert Client().get(new).status_code == 200
        assert Client().get(old).status_code == 410  # "remplacée par une nouvelle invitation"


def test_no_link_once_revoked_or_expired(admin_client, sent, admin_agent):
    with time_machine.travel(NOW + timedelta(hours=47), tick=False):
        path = shown_link(admin_client, sent).split("testserver", 1)[1]
    with time_machine.travel(NOW + timedelta(hours=48), tick=False):
        assert shown_link(admin_client, sent) is None
        assert Client().get(path).status_code == 410
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        revoke_invitation(sent, acting_agent=admin_agent)
        assert Client().get(path).status_code == 404
    # A revoked invitation's page still opens, without a link.
    assert admin_client.get(detail_url(sent)).status_code == 200
    assert shown_link(admin_client, sent) is None


def test_an_invitation_sent_before_the_link_existed_shows_none(admin_client, territory):
    invitation = InvitationFactory(territory=territory)  # token not derived from a nonce
    assert admin_client.get(detail_url(invitation)).status_code == 200
    assert shown_link(admin_client, invitation) is None


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_the_database_alone_gives_no_link(sent, settings):
    """The nonce is stored, not the token: another secret key derives another token."""
    token = link_token(sent)
    assert token and token not in (sent.token_nonce, sent.token_hash)
    settings.SECRET_KEY = "une autre clé secrète, assez longue pour Django, 0123456789"
    assert link_token(sent) is None
