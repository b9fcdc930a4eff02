"""Rough edges a new admin found (issue 17 §5): one test per edge, each failing before its
fix. Browser-only edges (layout, script) are in tests/browser/test_rough_edges.py."""

import pytest
from django.urls import reverse

from agents.services import resend_invitation, revoke_invitation
from motifs.models import BOOKING_DELAY_CHOICES
from tests.factories import InvitationFactory, UserRecordSettingsFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_the_booking_delays_are_offered_shortest_first():
    delays = [seconds for seconds, _ in BOOKING_DELAY_CHOICES]
    assert delays == sorted(delays)
    labels = [label for _, label in BOOKING_DELAY_CHOICES]
    assert labels.index("1 mois") < labels.index("6 semaines")


def test_the_records_search_hint_names_only_the_fields_shown(admin_client, territory):
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone", "case_number"])
    page = admin_client.get(reverse("user_records:list", args=[territory.pk])).content.decode()
    assert "Rechercher un usager (nom, e-mail…)" in page
    assert "téléphone" not in page


def test_a_link_replaced_by_renvoyer_says_so_not_expired(client, territory, admin_agent):
    invitation = InvitationFactory(territory=territory, invited_by=admin_agent)
    old_token = invitation.token
    resend_invitation(invitation, acting_agent=admin_agent)
    response = client.get(f"/invitations/{old_token}/")
    html = response.content.decode()
    assert response.status_code == 410
    assert "a été remplacé par une nouvelle invitation" in html
    assert "expiré" not in html
    # Once revoked, the old link is just not valid any more.
    revoke_invitation(invitation, acting_agent=admin_agent)
    assert client.get(f"/invitations/{old_token}/").status_code == 404
