"""Rough edges a new admin found (issue 17 §5): one test per edge, each failing before its
fix. Browser-only edges (layout, script) are in tests/browser/test_rough_edges.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from agents.services import resend_invitation, revoke_invitation
from motifs.models import BOOKING_DELAY_CHOICES, DAY
from territories.errors import Conflict
from territories.french import de
from territories.models import AccessLevel, AgentRole, AgentService, TerritoryService
from tests.booking_helpers import paris, public_motif, receiving_agent, weekly_range
from tests.factories import (
    AgentFactory,
    AgentServiceFactory,
    AuditEntryFactory,
    CustomFieldFactory,
    InvitationFactory,
    MotifFactory,
    OrganisationFactory,
    UserRecordSettingsFactory,
    rdv_with_agents,
)
from user_records import services as user_record_services
from user_records.models import CustomField

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


def test_a_new_webhook_endpoint_has_every_event_type_ticked(admin_client, territory):
    html = admin_client.get(reverse("webhooks:create", args=[territory.pk])).content.decode()
    assert (
        '<input type="checkbox" name="event_types" value="*" id="id_event_types_0" checked>' in html
    )


def test_an_agent_whose_only_service_was_deactivated_can_still_be_given_rights(
    admin_client, territory, organisation, service, basic_agent
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    TerritoryService.objects.filter(territory=territory, service=service).update(is_active=False)
    url = reverse("agents:agent_detail", args=[territory.pk, basic_agent.pk])
    response = admin_client.post(url, {f"organisation_{organisation.pk}": AccessLevel.ADMIN})
    assert response.status_code == 302
    role = AgentRole.objects.get(agent=basic_agent, organisation=organisation)
    assert role.access_level == AccessLevel.ADMIN
    # The deactivated service stays assigned, as update_agent promises.
    assert AgentService.objects.filter(agent=basic_agent, service=service).exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Élodie", "d'Élodie"),
        ("Amina", "d'Amina"),
        ("Hélène", "d'Hélène"),
        ("Yves", "d'Yves"),
        ("Yasmine", "de Yasmine"),
        ("Bob", "de Bob"),
        ("", "de "),
    ],
)
def test_de_elides_before_a_vowel_or_a_mute_h(name, expected):
    assert de(name) == expected


def test_messages_and_titles_say_d_before_a_vowel(
    admin_client, territory, organisation, service, basic_agent
):
    basic_agent.first_name, basic_agent.last_name = "Élodie", "Martin"
    basic_agent.save()
    url = reverse("agents:agent_detail", args=[territory.pk, basic_agent.pk])
    data = {f"organisation_{organisation.pk}": AccessLevel.ADMIN, "services": [service.pk]}
    response = admin_client.post(url, data, follow=True)
    assert "Les réglages d&#x27;Élodie Martin sont enregistrés." in response.content.decode()

    response = admin_client.post(
        reverse("user_records:create", args=[territory.pk]),
        {"first_name": "Amina", "last_name": "Diallo"},
        follow=True,
    )
    html = response.content.decode()
    assert "La fiche d&#x27;Amina Diallo a été créée." in html
    assert "Fiche d&#x27;Amina Diallo" in html  # the detail page's title


def test_two_live_custom_fields_cannot_share_a_label(admin_client, territory, admin_agent):
    CustomFieldFactory(territory=territory, label="Situation élève")
    url = reverse("user_records:field_create", args=[territory.pk])
    response = admin_client.post(url, {"label": "SITUATION ELEVE", "field_type": "short_text"})
    assert response.status_code == 200
    assert "Un champ personnalisé actif porte déjà ce libellé" in response.content.decode()
    assert CustomField.objects.count() == 1
    # The database has the last word (two admins at once): a French refusal, no 500.
    with pytest.raises(Conflict):
        user_record_services.create_custom_field(
            territory,
            {"label": "situation eleve", "field_type": "short_text", "choices": []},
            acting_agent=admin_agent,
        )
    # Archived, the label is free again; restoring the old one is then refused clearly.
    old = CustomField.objects.get()
    user_record_services.archive_custom_field(old, acting_agent=admin_agent)
    user_record_services.create_custom_field(
        territory,
        {"label": "Situation élève", "field_type": "short_text", "choices": []},
        acting_agent=admin_agent,
    )
    with pytest.raises(Conflict, match="porte déjà le libellé « Situation élève »"):
        user_record_services.restore_custom_field(old, acting_agent=admin_agent)


# Words that read the same in French: a field may keep them as its label.
SAME_IN_FRENCH = {
    "action",
    "agent",
    "agents",
    "description",
    "format",
    "invitation",
    "motif",
    "motifs",
    "organisation",
    "permissions",
    "organisations",
    "position",
    "secret",
    "service",
    "services",
    "type",
}
# What the admin showed before (issue 17): none of it may remain on any admin page.
ENGLISH_LABELS = [
    "Territory",
    "Created at",
    "Updated at",
    "Starts at",
    "Ends at",
    "Holds time",
    "Par holds time",
    "Created by",
    "Token hash",
    "Masked secret",
    "Failing since",
    "Event types",
    "Webhook id",
    "Supprimer les journal",
]


def test_every_field_the_django_admin_shows_has_a_french_label():
    english = []
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if not field.concrete or field.auto_created:
                continue
            label = str(field.verbose_name)
            if label == field.name.replace("_", " ") and label not in SAME_IN_FRENCH:
                english.append(f"{model._meta.label}.{field.name}")
    assert english == []


def test_the_django_admin_pages_are_in_french_with_paris_times(
    client, territory, organisation, service, admin_agent
):
    client.force_login(AgentFactory(email="support@exemple.fr", is_staff=True, is_superuser=True))
    motif = MotifFactory(territory=territory, organisations=[organisation], service=service)
    # 08:50 UTC is 09:50 in Paris (winter).
    starts_at = datetime(2026, 11, 26, 8, 50, tzinfo=UTC)
    rdv = rdv_with_agents(
        admin_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )
    AuditEntryFactory(territory=territory, actor=admin_agent)
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        pages.append(base)
        first = model._base_manager.order_by("pk").first()
        if first is not None:
            pages.append(f"{base}{first.pk}/change/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for label in ENGLISH_LABELS:
            assert label not in html, (url, label)
    for url in ("/admin/rdvs/rdvagent/", "/admin/rdvs/rdv/", f"/admin/rdvs/rdv/{rdv.pk}/change/"):
        html = client.get(url).content.decode()
        assert "09:50" in html, url
        assert "08:50" not in html, url
    audit = client.get("/admin/territories/auditentry/").content.decode()
    assert "entrées du journal des modifications" in audit.lower()


def test_public_booking_lists_only_what_can_be_booked(client, territory, organisation, service):
    with time_machine.travel(paris(2026, 3, 2, 8, 0), tick=False):
        closed = OrganisationFactory(territory=territory, name="Mairie sans motif en ligne")
        agent = receiving_agent(territory, organisation, service)
        later = public_motif(
            territory, organisation, service, name="Ouvert en mars", max_booking_delay=30 * DAY
        )
        public_motif(territory, organisation, service, name="Sans plage")
        # Slots only from Monday 9 March: the first week shown is that one.
        weekly_range(agent, organisation, later, date(2026, 3, 9), [0, 1, 2, 3, 4])

        organisations = client.get(
            reverse("booking:organisation_list", args=[territory.pk])
        ).content.decode()
        assert organisation.name in organisations and closed.name not in organisations

        motifs = client.get(reverse("booking:motif_list", args=[organisation.pk])).content.decode()
        instructions = reverse("booking:instructions", args=[organisation.pk, later.pk])
        assert instructions in motifs
        empty = motifs.split("Sans plage")[1]
        assert "Aucun créneau disponible" in empty.split("</li>")[0]
        assert "Aucun créneau disponible" not in motifs.split("Sans plage")[0]

        client.post(instructions, {"acknowledged": "on"})
        slots_url = reverse("booking:slots", args=[organisation.pk, later.pk])
        first = client.get(slots_url).content.decode()
        assert "Lundi 9 mars 2026" in first
        assert "Semaine précédente" not in first
        second = client.get(slots_url, {"semaine": "2026-03-16"}).content.decode()
        assert "Semaine précédente" in second and "?semaine=2026-03-09" in second
