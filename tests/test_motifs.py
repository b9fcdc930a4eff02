"""The Motifs section: shared motifs, the three-tab form, duplication, archive rules."""

import pytest
from django.urls import reverse
from django_scopes import scope

from motifs.eligibility import agents_for, motifs_for
from motifs.forms import MotifForm
from motifs.models import DAY, HOUR, MINUTE, MONTH, WEEK, LocationType, Motif
from motifs.text import plain_text_to_html
from territories.models import AuditEntry, Organisation, TerritoryService
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    MotifFactory,
    OrganisationFactory,
    RdvFactory,
    ServiceFactory,
    TerritoryServiceFactory,
)
from tests.queries import assert_flat_query_count
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def url(territory, name="section", motif=None):
    kwargs = {"territory_pk": territory.pk}
    if motif is not None:
        kwargs["motif_pk"] = motif.pk
    return reverse(f"motifs:{name}", kwargs=kwargs)


@pytest.fixture
def second_organisation(territory):
    return OrganisationFactory(territory=territory, name="Mairie de Die")


@pytest.fixture
def data(organisation, second_organisation, service):
    return {
        "name": "Accompagnement RSA",
        "organisations": [organisation.pk, second_organisation.pk],
        "default_duration": 45,
        "location_type": LocationType.PUBLIC_OFFICE,
        "service": service.pk,
        "color": "#000091",
        "bookable_by_public": "on",
        "min_booking_delay": 2 * HOUR,
        "max_booking_delay": 2 * WEEK,
        "public_can_move": "on",
        "instructions_before": "Apportez votre avis d'imposition.",
        "instructions_after": "Plus d'infos : https://www.caf.fr",
    }


def test_one_motif_is_shared_by_the_ticked_organisations(
    admin_client, territory, data, organisation, second_organisation, admin_agent
):
    response = admin_client.post(url(territory, "create"), data)
    motif = Motif.objects.get()
    assert response.url == url(territory, "motif_detail", motif)
    assert set(motif.organisations.all()) == {organisation, second_organisation}
    assert (motif.territory, motif.default_duration, motif.created_by) == (
        territory,
        45,
        admin_agent,
    )
    assert (motif.min_booking_delay, motif.max_booking_delay) == (2 * HOUR, 2 * WEEK)
    event = Event.objects.get(type="motif.created")
    assert event.payload["organisation_ids"] == sorted([organisation.pk, second_organisation.pk])
    assert event.organisation_ids == event.payload["organisation_ids"]
    assert AuditEntry.objects.get(action="motif.created").actor == admin_agent


def test_removing_an_organisation_edits_the_same_motif(
    admin_client, territory, data, organisation, second_organisation
):
    admin_client.post(url(territory, "create"), data)
    motif = Motif.objects.get()
    response = admin_client.post(
        url(territory, "update", motif), {**data, "organisations": [organisation.pk]}
    )
    assert response.status_code == 302
    assert Motif.objects.count() == 1
    assert list(motif.organisations.all()) == [organisation]
    event = Event.objects.get(type="motif.updated")
    assert event.payload["organisation_ids"] == [organisation.pk]
    # The organisation the motif left hears about it too.
    assert event.organisation_ids == sorted([organisation.pk, second_organisation.pk])
    entry = AuditEntry.objects.get(action="motif.updated")
    assert set(entry.before) == {"organisation_ids"}


def test_the_form_offers_only_this_territorys_choices(
    territory, other_territory, organisation, service
):
    OrganisationFactory(territory=other_territory)
    foreign_service = ServiceFactory(name="Service d'ailleurs")
    TerritoryServiceFactory(territory=other_territory, service=foreign_service)
    form = MotifForm(territory=territory)
    assert list(form.fields["organisations"].queryset) == [organisation]
    assert list(form.fields["service"].queryset) == [service]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"default_duration": 4}, "default_duration", "au moins 5 minutes"),
        ({"default_duration": 481}, "default_duration", "ne peut pas dépasser 480 minutes"),
        ({"organisations": []}, "organisations", "Cochez au moins une organisation."),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        ({"color": "bleu"}, "color", "Choisissez une couleur au format #RRGGBB."),
        (
            {"max_booking_delay": 2 * HOUR},
            "max_booking_delay",
            "Le délai maximum de réservation doit être supérieur au délai minimum.",
        ),
        (
            {"min_booking_delay": MONTH, "max_booking_delay": 3 * WEEK},
            "max_booking_delay",
            "Le délai maximum de réservation doit être supérieur au délai minimum.",
        ),
        ({"min_booking_delay": 17}, "min_booking_delay", "Sélectionnez un choix valide"),
    ],
)
def test_each_validation_has_its_french_message(
    admin_client, territory, data, change, field, message
):
    response = admin_client.post(url(territory, "create"), {**data, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.text
    assert not Motif.objects.exists()
    assert not Event.objects.exists()


def test_an_error_in_a_hidden_tab_selects_that_tab_and_says_so(admin_client, territory, data):
    response = admin_client.post(url(territory, "create"), {**data, "max_booking_delay": HOUR})
    tabs = {tab.key: tab for tab in response.context["form"].tabs()}
    assert tabs["reservation-en-ligne"].selected and tabs["reservation-en-ligne"].has_errors
    assert not tabs["informations"].selected
    html = response.text
    assert 'id="onglet-reservation-en-ligne" class="fr-tabs__tab' in html
    selected_tab = html.split('aria-selected="true"')[0].rsplit("<button", 1)[1]
    assert 'id="onglet-reservation-en-ligne"' in selected_tab
    panel_tag = html.split('id="onglet-reservation-en-ligne-panel"')[1].split(">")[0]
    assert "fr-tabs__panel--selected" in panel_tag
    assert "Le formulaire contient des erreurs" in html
    assert "Onglet « Réservation en ligne »" in html
    # What was typed in the other tabs is kept.
    assert "Apportez votre avis d&#x27;imposition." in html


def test_without_errors_the_first_tab_is_selected(territory):
    tabs = MotifForm(territory=territory).tabs()
    assert [tab.selected for tab in tabs] == [True, False, False]


def test_closed_to_usagers_the_booking_options_are_ignored(admin_client, territory, data):
    closed = {**data, "bookable_by_public": "", "min_booking_delay": DAY}
    closed["max_booking_delay"] = HOUR  # would be refused if the motif were open
    response = admin_client.post(url(territory, "create"), closed)
    assert response.status_code == 302
    motif = Motif.objects.get()
    assert not motif.bookable_by_public
    assert (motif.min_booking_delay, motif.max_booking_delay) == (30 * MINUTE, 3 * MONTH)
    assert motif.public_can_move is False


@pytest.mark.parametrize(
    "emptied",
    [["min_booking_delay"], ["max_booking_delay"], ["min_booking_delay", "max_booking_delay"]],
)
def test_open_to_usagers_with_an_empty_delay_is_a_form_error(
    admin_client, territory, data, emptied
):
    response = admin_client.post(url(territory, "create"), {**data, **dict.fromkeys(emptied, "")})
    assert response.status_code == 200
    for name in emptied:
        assert response.context["form"].errors[name] == ["Choisissez un délai."]
    assert not Motif.objects.exists()


def test_the_online_options_are_hidden_by_the_page_script(admin_client, territory):
    html = admin_client.get(url(territory, "create")).text
    assert (
        'data-rdv-toggles="id_min_booking_delay-group id_max_booking_delay-group '
        'id_public_can_move-group"' in html
    )
    assert "motifs/motif_form.js" in html


def test_name_service_and_type_are_unique_among_live_motifs(
    admin_client, territory, data, organisation, service
):
    existing = MotifFactory(
        territory=territory,
        service=service,
        name="Accompagnement rsa",
        organisations=[organisation],
    )
    response = admin_client.post(url(territory, "create"), data)
    assert "Un motif actif porte déjà ce nom, pour ce service et ce type" in response.text
    # Another type is another motif (the help page's way to offer phone RDVs).
    response = admin_client.post(
        url(territory, "create"), {**data, "location_type": LocationType.PHONE}
    )
    assert response.status_code == 302
    # An archived motif does not block its name.
    existing.archived_at = "2026-01-01T00:00Z"
    existing.save()
    assert admin_client.post(url(territory, "create"), data).status_code == 302


def test_a_deactivated_service_cannot_be_chosen(admin_client, territory, data, service):
    TerritoryService.objects.filter(service=service).update(is_active=False)
    response = admin_client.post(url(territory, "create"), data)
    assert "Sélectionnez un choix valide" in response.text
    assert not Motif.objects.exists()


def test_a_foreign_organisation_is_refused(admin_client, territory, other_territory, data):
    foreign = OrganisationFactory(territory=other_territory)
    response = admin_client.post(url(territory, "create"), {**data, "organisations": [foreign.pk]})
    assert "Sélectionnez un choix valide" in response.text
    assert not Motif.objects.exists()


def test_duplicate_prefills_the_form_with_a_free_name(
    admin_client, territory, data, organisation, second_organisation
):
    admin_client.post(url(territory, "create"), data)
    motif = Motif.objects.get()
    page = admin_client.get(url(territory, "duplicate", motif))
    form = page.context["form"]
    assert form.initial["name"] == "Accompagnement RSA (copie)"
    assert form.initial["default_duration"] == 45
    assert set(form.initial["organisations"]) == {organisation.pk, second_organisation.pk}
    assert "Dupliquer le motif « Accompagnement RSA »" in page.text

    copy = {**data, "name": "Accompagnement RSA (copie)", "location_type": LocationType.PHONE}
    admin_client.post(url(territory, "duplicate", motif), copy)
    assert Motif.objects.count() == 2
    again = admin_client.get(url(territory, "duplicate", motif)).context["form"]
    assert again.initial["name"] == "Accompagnement RSA (copie 2)"
    assert motif.name == Motif.objects.get(pk=motif.pk).name


def test_a_motif_used_by_an_rdv_is_archived_not_deleted(
    admin_client, territory, organisation, service, admin_agent
):
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    rdv = RdvFactory(territory=territory, organisation=organisation, motif=motif)
    assert motif.is_referenced()
    detail = admin_client.get(url(territory, "motif_detail", motif)).text
    assert "Archiver" in detail and "Supprimer" not in detail

    response = admin_client.post(url(territory, "delete", motif))
    assert response.url == url(territory, "archive", motif)
    assert Motif.objects.filter(pk=motif.pk).exists()

    assert "Êtes-vous sûr" in admin_client.get(url(territory, "archive", motif)).text
    admin_client.post(url(territory, "archive", motif))
    motif.refresh_from_db()
    assert motif.archived_at is not None
    rdv.refresh_from_db()
    assert rdv.motif == motif
    assert Event.objects.get(type="motif.archived").payload["archived_at"]
    assert AuditEntry.objects.get(action="motif.archived").actor == admin_agent

    assert motif not in admin_client.get(url(territory)).context["page_obj"]
    archived = admin_client.get(url(territory), {"status": "archives"}).context["page_obj"]
    assert list(archived) == [motif]


def test_an_unused_motif_can_be_deleted(admin_client, territory, organisation, service):
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    assert not motif.is_referenced()
    assert "Supprimer" in admin_client.get(url(territory, "motif_detail", motif)).text
    assert "Êtes-vous sûr" in admin_client.get(url(territory, "delete", motif)).text
    admin_client.post(url(territory, "delete", motif))
    assert not Motif.objects.exists()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    event = Event.objects.get(type="motif.deleted")
    assert event.payload["id"] == motif.pk and event.organisation_ids == [organisation.pk]


def test_the_list_shows_badges_and_filters(
    admin_client, territory, organisation, second_organisation, service
):
    other_service = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=other_service)
    online = MotifFactory(
        territory=territory,
        service=service,
        name="Premier rendez-vous",
        bookable_by_public=True,
        organisations=[organisation],
    )
    phone = MotifFactory(
        territory=territory,
        service=other_service,
        name="Suivi téléphonique",
        location_type=LocationType.PHONE,
        organisations=[second_organisation],
    )

    def listed(**params):
        return list(admin_client.get(url(territory), params).context["page_obj"])

    assert listed() == [online, phone]
    assert listed(online="oui") == [online]
    assert listed(online="non") == [phone]
    assert listed(organisation=second_organisation.pk) == [phone]
    assert listed(service=service.pk) == [online]
    assert listed(location_type=LocationType.PHONE) == [phone]
    assert listed(q="telephonique") == [phone]
    html = admin_client.get(url(territory)).text
    row = html.split(f'id="motif-{online.pk}"')[1].split("</tr>")[0]
    assert "En ligne" in row and "Sur place" in row and organisation.name in row
    row = html.split(f'id="motif-{phone.pk}"')[1].split("</tr>")[0]
    assert "En ligne" not in row and "Par téléphone" in row and "PMI" in row


def test_the_list_paginates_and_a_stale_page_number_shows_the_last_page(
    admin_client, territory, organisation, service
):
    MotifFactory.create_batch(
        30, territory=territory, service=service, organisations=[organisation]
    )
    first = admin_client.get(url(territory)).context["page_obj"]
    assert (len(first), first.paginator.num_pages) == (25, 2)
    for page in ("2", "99", "deux"):
        response = admin_client.get(url(territory), {"page": page, "service": service.pk})
        assert response.status_code == 200
        expected = 1 if page == "deux" else 2
        assert response.context["page_obj"].number == expected


def test_the_list_query_count_is_flat(admin_client, territory, organisation, service):
    def grow():
        motifs = Motif.objects.bulk_create(
            Motif(territory=territory, service=service, name=f"Motif en nombre {n:03d}")
            for n in range(495)
        )
        Motif.organisations.through.objects.bulk_create(
            Motif.organisations.through(motif=motif, organisation=organisation) for motif in motifs
        )

    MotifFactory.create_batch(5, territory=territory, service=service, organisations=[organisation])
    assert_flat_query_count(lambda: admin_client.get(url(territory)), grow)


def test_instructions_are_plain_text_with_clickable_links(
    admin_client, territory, organisation, service
):
    motif = MotifFactory(
        territory=territory,
        service=service,
        organisations=[organisation],
        instructions_after="Venez avec <b>vos papiers</b>\nInfos : https://www.caf.fr",
    )
    html = admin_client.get(url(territory, "motif_detail", motif)).text
    assert "&lt;b&gt;vos papiers&lt;/b&gt;<br>" in html
    assert '<a href="https://www.caf.fr" rel="nofollow">https://www.caf.fr</a>' in html
    assert plain_text_to_html('<script>alert("x")</script>') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )


def test_motifs_are_for_territory_admins(client, basic_agent, territory, organisation, data):
    motif = MotifFactory(territory=territory, organisations=[organisation])
    client.force_login(basic_agent)
    assert client.get(url(territory)).status_code == 403
    assert client.post(url(territory, "create"), data).status_code == 403
    assert client.post(url(territory, "archive", motif)).status_code == 403
    motif.refresh_from_db()
    assert motif.archived_at is None and Motif.objects.count() == 1


def test_a_motif_of_another_territory_is_not_found(admin_client, territory, other_territory):
    foreign = MotifFactory(territory=other_territory)
    assert admin_client.get(url(territory, "duplicate", foreign)).status_code == 404
    assert admin_client.post(url(territory, "delete", foreign)).status_code == 404
    with scope(territory=other_territory):
        assert Motif.objects.filter(pk=foreign.pk).exists()


@pytest.fixture
def agent_of_service(territory, organisation, service, basic_agent):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    return basic_agent


def test_agents_use_the_motifs_of_their_services_in_their_organisations(
    territory, organisation, second_organisation, service, agent_of_service
):
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    other_service = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=other_service)
    MotifFactory(territory=territory, service=other_service, organisations=[organisation])
    elsewhere = MotifFactory(
        territory=territory, service=service, organisations=[second_organisation]
    )
    MotifFactory(
        territory=territory,
        service=service,
        organisations=[organisation],
        archived_at="2026-01-01T00:00Z",
    )
    assert list(motifs_for(agent_of_service, organisation)) == [motif]
    # Not a member of the other organisation: nothing there, even for its service.
    assert list(motifs_for(agent_of_service, second_organisation)) == []
    AgentRoleFactory(agent=agent_of_service, organisation=second_organisation)
    assert list(motifs_for(agent_of_service, second_organisation)) == [elsewhere]


def test_a_deactivated_service_makes_its_motifs_unusable(
    territory, organisation, service, agent_of_service
):
    MotifFactory(territory=territory, service=service, organisations=[organisation])
    TerritoryService.objects.filter(territory=territory, service=service).update(is_active=False)
    assert not motifs_for(agent_of_service, organisation).exists()


def test_an_agent_without_the_service_uses_no_motif(territory, organisation, service, basic_agent):
    MotifFactory(territory=territory, service=service, organisations=[organisation])
    assert not motifs_for(basic_agent, organisation).exists()


def test_a_service_assignment_in_another_territory_does_not_count(
    territory, other_territory, organisation, service, basic_agent
):
    MotifFactory(territory=territory, service=service, organisations=[organisation])
    AgentServiceFactory(agent=basic_agent, territory=other_territory, service=service)
    assert not motifs_for(basic_agent, organisation).exists()


def test_an_archived_motif_can_be_restored_unless_its_place_is_taken(
    admin_client, territory, organisation, service
):
    motif = MotifFactory(
        territory=territory,
        service=service,
        name="Accueil",
        organisations=[organisation],
        archived_at="2026-01-01T00:00Z",
    )
    assert "Restaurer le motif" in admin_client.get(url(territory, "motif_detail", motif)).text
    newer = MotifFactory(territory=territory, service=service, name="accueil")
    page = admin_client.post(url(territory, "restore", motif), follow=True)
    assert "Un motif actif porte déjà le nom « Accueil »" in page.text
    motif.refresh_from_db()
    assert motif.archived_at is not None

    newer.delete()
    admin_client.post(url(territory, "restore", motif))
    motif.refresh_from_db()
    assert motif.archived_at is None
    assert Event.objects.get(type="motif.updated").payload["archived_at"] is None
    # One name for the change: consumers have always received "motif.updated".
    restored = AuditEntry.objects.get(action="motif.updated")
    assert restored.before["archived_at"] is not None and restored.after["archived_at"] is None


def test_a_clash_created_while_the_form_was_checked_is_refused_clearly(
    admin_client, territory, data, organisation, service, monkeypatch
):
    # As if another admin saved the same motif between validation and saving.
    monkeypatch.setattr(MotifForm, "_check_unique", lambda form, cleaned: None)
    MotifFactory(territory=territory, service=service, name="Accompagnement RSA")
    response = admin_client.post(url(territory, "create"), data)
    assert response.status_code == 200
    assert "Un motif actif porte déjà ce nom" in response.text
    assert Motif.objects.count() == 1


def test_agents_for_a_motif_match_the_motifs_usable_by_each_agent(
    territory, organisation, service, other_territory
):
    """The slot search asks "which agents may take this motif"; the forms ask "which
    motifs may this agent use": both directions of `eligibility` give the same pairs,
    whatever makes a pair ineligible."""
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    archived = MotifFactory(
        territory=territory,
        service=service,
        organisations=[organisation],
        archived_at="2026-01-01T00:00Z",
    )
    not_shared = MotifFactory(
        territory=territory,
        service=service,
        organisations=[OrganisationFactory(territory=territory)],
    )
    assigned = AgentFactory()
    AgentRoleFactory(agent=assigned, organisation=organisation)
    AgentServiceFactory(agent=assigned, territory=territory, service=service)
    not_assigned = AgentFactory()
    AgentRoleFactory(agent=not_assigned, organisation=organisation)
    elsewhere = AgentFactory()
    AgentServiceFactory(agent=elsewhere, territory=territory, service=service)
    assigned_in_another_territory = AgentFactory()
    AgentRoleFactory(agent=assigned_in_another_territory, organisation=organisation)
    AgentServiceFactory(
        agent=assigned_in_another_territory, territory=other_territory, service=service
    )
    inactive = AgentFactory(is_active=False)
    AgentRoleFactory(agent=inactive, organisation=organisation)
    AgentServiceFactory(agent=inactive, territory=territory, service=service)
    agents = (assigned, not_assigned, elsewhere, assigned_in_another_territory, inactive)
    for agent in agents:
        for candidate in (motif, archived, not_shared):
            usable = motifs_for(agent, organisation).filter(pk=candidate.pk).exists()
            assert usable == agents_for(candidate, organisation).filter(pk=agent.pk).exists()
    assert list(agents_for(motif, organisation)) == [assigned]
    assert list(motifs_for(assigned, organisation)) == [motif]
    assert not agents_for(archived, organisation).exists()
    assert not agents_for(not_shared, organisation).exists()
