"""Issue 17's pages attacked as a malicious or clumsy user would: junk query strings and
forms, forged ids of other territories, organisations and agents, tampered links. Each
answer is a French page or a 403/404/410, never a 500, never someone else's data, and
nothing is saved on error."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from agents.invitations import link_token
from agents.models import Agent
from agents.services import resend_invitation, revoke_invitation
from exports.models import Export, ExportKind, ExportStatus
from exports.tasks import build_export
from motifs.models import MotifSlotAlert
from organisations.models import ServiceRequest
from territories.models import Organisation
from tests.export_files import downloaded_lines, export_url, request_export
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    InvitationFactory,
    MotifFactory,
    OrganisationFactory,
    TerritoryAdminFactory,
    UserRecordFactory,
)
from tests.test_statistics import (
    _figure,
    _page,
    world,  # noqa: F401 (a fixture, used by name)
)

BEYOND_BIGINT = "9" * 30


def _error_shown(response) -> bool:
    html = response.content.decode()
    return "fr-error-text" in html or "fr-message--error" in html


# --- statistics ---


@pytest.mark.usefixtures("world")
def test_statistics_junk_organisations_are_told_in_french_never_counted(
    admin_client, territory, other_territory
):
    foreign = OrganisationFactory(territory=other_territory, name="Privas")
    for junk in (
        str(foreign.pk),
        BEYOND_BIGINT,
        "-1",
        "1\x00",
        "x" * 10_000,
        "1 OR 1=1",
    ):
        response = _page(admin_client, territory, organisation=junk, periode="999")
        assert response.status_code == 200, junk[:20]
        html = unescape(response.content.decode())
        assert _error_shown(response), junk[:20]
        assert "Pris en ligne par les usagers" not in html  # no figures at all
        assert "Privas" not in html


@pytest.mark.usefixtures("world")
def test_statistics_of_many_organisations_searched_by_name_refuse_junk(admin_client, territory):
    """Past 50 organisations the filter is a text search: a NUL byte or 10,000 characters
    are told, not sent to PostgreSQL."""
    with scopes_disabled():
        for n in range(51):
            OrganisationFactory(territory=territory, name=f"Antenne {n:02}")
    for junk in ("Die\x00", "x" * 10_000):
        response = _page(admin_client, territory, organisation=junk)
        assert response.status_code == 200
        assert _error_shown(response)
        assert "Pris en ligne par les usagers" not in response.content.decode()
    found = _page(admin_client, territory, organisation="médico-social").content.decode()
    assert _figure(found, "RDV") == "2"


@pytest.mark.usefixtures("world")
def test_statistics_of_another_organisation_of_the_territory_by_name_are_refused(
    client, territory, organisation
):
    """An admin of 52 organisations (a text search then) searching another organisation's
    name sees no figure."""
    dora = AgentFactory(first_name="Dora", last_name="Admin")
    AgentRoleFactory(agent=dora, organisation=organisation, access_level="admin")
    with scopes_disabled():
        for n in range(51):
            antenne = OrganisationFactory(territory=territory, name=f"Antenne {n:02}")
            AgentRoleFactory(agent=dora, organisation=antenne, access_level="admin")
    client.force_login(dora)
    response = _page(client, territory, organisation="Die")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Aucune organisation dont vous voyez les statistiques ne porte ce nom." in html
    assert "Pris en ligne par les usagers" not in html


def test_statistics_of_a_territory_that_does_not_exist_are_not_found(admin_client):
    for pk in ("999999", BEYOND_BIGINT):
        assert admin_client.get(f"/territoires/{pk}/statistiques/").status_code == 404


@pytest.mark.usefixtures("world")
def test_an_organisation_admin_only_is_refused_in_other_territories(
    client, territory, other_territory, organisation
):
    """Admin of one organisation of the territory: their territory only, and the
    statistics of another territory's organisation are never offered."""
    dora = AgentFactory()
    AgentRoleFactory(agent=dora, organisation=organisation, access_level="admin")
    elsewhere = OrganisationFactory(territory=other_territory)
    AgentRoleFactory(agent=dora, organisation=elsewhere, access_level="basic")
    client.force_login(dora)
    assert _page(client, other_territory).status_code == 403
    refused = _page(client, territory, organisation=elsewhere.pk)
    assert _error_shown(refused)
    assert "Pris en ligne par les usagers" not in refused.content.decode()


# --- exports ---


@pytest.mark.usefixtures("in_territory")
def test_an_export_of_another_territory_is_not_found_even_for_its_requester(
    client, territory, other_territory, admin_agent
):
    """Alice also administers Ardèche: her Ardèche export is not reachable through the
    Drôme's URLs (nor a Drôme colleague's export)."""
    TerritoryAdminFactory(agent=admin_agent, territory=other_territory)
    with scopes_disabled():
        theirs = Export.objects.create(
            territory=other_territory,
            requested_by=admin_agent,
            kind=ExportKind.USER_RECORDS,
            expires_at=timezone.now() + timedelta(hours=1),
        )
    colleague = AgentRoleFactory(organisation=OrganisationFactory(territory=territory)).agent
    colleagues = Export.objects.create(
        territory=territory,
        requested_by=colleague,
        kind=ExportKind.USER_RECORDS,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    client.force_login(admin_agent)
    for export in (theirs, colleagues):
        for name in ("export_detail", "export_download"):
            assert client.get(export_url(name, territory, export.pk)).status_code == 404
    for pk in (BEYOND_BIGINT, "0"):
        assert client.get(f"/territoires/{territory.pk}/exports/{pk}/").status_code == 404


@pytest.mark.usefixtures("in_territory")
def test_an_export_past_its_time_but_not_yet_swept_is_not_downloaded(admin_client, territory):
    UserRecordFactory(territory=territory, last_name="Martin")
    export_pk = request_export(admin_client, territory, type="fiches")
    build_export(export_pk)
    Export.objects.filter(pk=export_pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = admin_client.get(export_url("export_download", territory, export_pk))
    assert response.status_code == 410
    assert "Cet export a expiré" in response.content.decode()
    assert "Martin" not in response.content.decode()


@pytest.mark.usefixtures("in_territory")
def test_junk_export_requests_are_told_in_french_and_save_nothing(
    admin_client, territory, other_territory
):
    foreign = OrganisationFactory(territory=other_territory)
    page = export_url("export_create", territory)
    december = {"type": "rdv", "du": "2026-12-01", "au": "2026-12-31"}
    answers = [
        admin_client.post(page, {**december, "organisation": foreign.pk}),
        admin_client.post(page, {**december, "organisation": BEYOND_BIGINT}),
        admin_client.post(page, {**december, "organisation": "1\x00"}),
        admin_client.post(page, {"type": "rdv", "du": "x" * 10_000, "au": "\x00"}),
        admin_client.post(page, {"type": "rdv", "du": "2026-02-30", "au": "2026-13-01"}),
    ]
    texts = [unescape(answer.content.decode()) for answer in answers]
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    for text in texts[:2]:
        assert "Choisissez une de vos organisations." in text
    assert "Le caractère nul n’est pas autorisé." in texts[2]
    for text in texts[3:]:
        assert "Date invalide." in text and "Erreur : " in text
    assert not Export.objects.exists()


@pytest.mark.usefixtures("in_territory")
def test_a_year_typed_wrong_is_told_instead_of_a_failed_export(admin_client, territory):
    """31/12/9999 used to be accepted, then the worker failed ("Une erreur est
    survenue… écrivez au support"): the last day has no next day."""
    page = export_url("export_create", territory)
    for period in (
        {"du": "9999-12-30", "au": "9999-12-31"},
        {"du": "0226-12-01", "au": "0226-12-31"},
    ):
        answer = admin_client.post(page, {"type": "rdv", **period})
        assert answer.status_code == 200
        assert "Indiquez une date entre 2000 et 2100." in answer.content.decode()
    assert not Export.objects.exists()


@pytest.mark.usefixtures("in_territory")
def test_a_basic_agent_exports_only_the_user_records_they_see(
    client, territory, organisation, basic_agent
):
    followed = UserRecordFactory(
        territory=territory, organisations=[organisation], last_name="Suivie"
    )
    UserRecordFactory(
        territory=territory,
        organisations=[OrganisationFactory(territory=territory)],
        last_name="Ailleurs",
    )
    client.force_login(basic_agent)
    lines = downloaded_lines(
        client, territory, _built(request_export(client, territory, type="fiches"))
    )
    assert len(lines) == 2 and followed.last_name in lines[1]
    assert "Ailleurs" not in "".join(lines)


@pytest.mark.usefixtures("in_territory")
def test_a_user_record_export_of_a_monstrous_search_is_built(admin_client, territory):
    UserRecordFactory(territory=territory, last_name="Martin")
    for query in ("martin " * 2000 + "\x00", "%_*'\"\\;--"):
        export_pk = _built(request_export(admin_client, territory, type="fiches", q=query))
        lines = downloaded_lines(admin_client, territory, export_pk)
        assert lines[0].startswith("Prénom;Nom")


def _built(export_pk: int) -> int:
    build_export(export_pk)
    assert Export.objects.get(pk=export_pk).status == ExportStatus.DONE
    return export_pk


@pytest.mark.usefixtures("in_territory")
def test_formula_cells_behind_a_sign_a_tab_or_a_carriage_return_are_neutralised(
    admin_client, territory, organisation
):
    UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="-1+1",
        last_name="\t=1+1",
        notes="\r=cmd",
    )
    cells = downloaded_lines(
        admin_client, territory, _built(request_export(admin_client, territory, type="fiches"))
    )[1].split(";")
    assert cells[0] == "'-1+1"
    assert not any(cell.lstrip('"').startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


# --- the service request ---


def _request_url(territory):
    return reverse("services:request", kwargs={"territory_pk": territory.pk})


def test_service_request_junk_is_told_in_french_and_nothing_is_saved(
    admin_client, territory, organisation
):
    url = _request_url(territory)
    answers = {
        "long": admin_client.post(url, {"service_name": "x" * 201, "reason": "y" * 2001}),
        "nul": admin_client.post(url, {"service_name": "Médiation\x00", "reason": "a\x00b"}),
        "ids": admin_client.post(
            url, {"service_name": "Médiation", "reason": "x", "organisations": ["abc"]}
        ),
        "huge": admin_client.post(
            url, {"service_name": "Médiation", "reason": "x", "organisations": [BEYOND_BIGINT]}
        ),
    }
    texts = {key: unescape(answer.content.decode()) for key, answer in answers.items()}
    assert {key: answer.status_code for key, answer in answers.items()} == dict.fromkeys(
        answers, 200
    )
    assert "au plus 200 caractères" in texts["long"] and "au plus 2000" in texts["long"]
    assert "Le caractère nul n’est pas autorisé." in texts["nul"]
    assert "abc" in texts["ids"] and "n’est pas une valeur correcte." in texts["ids"]
    assert "Sélectionnez un choix valide" in texts["huge"]
    for text in texts.values():
        assert text.count("Erreur : ") >= 1  # the page title says so
    assert not ServiceRequest.objects.exists()
    assert not mail.outbox


def test_service_requests_of_basic_agents_and_outsiders_are_refused(
    client, territory, organisation, basic_agent, outsider
):
    data = {"service_name": "Médiation", "reason": "x", "organisations": [organisation.pk]}
    client.force_login(basic_agent)
    assert client.get(_request_url(territory)).status_code == 403
    assert client.post(_request_url(territory), data).status_code == 403
    client.force_login(outsider)
    assert client.post(_request_url(territory), data).status_code == 404
    assert not ServiceRequest.objects.exists()


# --- the invitation link ---


@pytest.mark.usefixtures("in_territory")
def test_tampered_invitation_links_give_a_french_page(client, territory):
    invitation = InvitationFactory(territory=territory)
    for token in (
        invitation.token + "x",
        invitation.token.upper(),
        "a" * 5000,
        "%00",
        "%C3%A9t%C3%A9",
    ):
        response = client.get(f"/invitations/{token}/")
        # Five wrong tokens stay under the limit of wrong tokens per address (20).
        assert response.status_code == 404, token[:20]
        html = unescape(response.content.decode())
        assert "Lien d'invitation non valable" in html, token[:20]
        assert "Drôme" not in html


@pytest.mark.usefixtures("in_territory")
def test_a_replaced_then_revoked_invitations_old_link_says_nothing_more(
    client, territory, admin_agent
):
    invitation = InvitationFactory(territory=territory)
    old = invitation.token
    resend_invitation(invitation, acting_agent=admin_agent)
    assert client.get(f"/invitations/{old}/").status_code == 410
    invitation.refresh_from_db()
    revoke_invitation(invitation, acting_agent=admin_agent)
    response = client.get(f"/invitations/{old}/")
    assert response.status_code == 404
    assert "Drôme" not in unescape(response.content.decode())
    invitation.refresh_from_db()
    assert link_token(invitation) is None


@pytest.mark.usefixtures("in_territory")
def test_a_link_accepted_once_cannot_join_a_second_time(client, territory, organisation):
    invitation = InvitationFactory(territory=territory, email="eve@exemple.fr")
    form = {
        "first_name": "Ève",
        "last_name": "Durand",
        "password1": "un mot de passe solide 42",
        "password2": "un mot de passe solide 42",
    }
    path = f"/invitations/{invitation.token}/"
    assert client.post(path, form).status_code == 302
    second = Client().post(path, {**form, "first_name": "Mallory"})
    assert second.status_code == 404
    assert "Invitation déjà acceptée" in unescape(second.content.decode())
    with scopes_disabled():
        assert Agent.objects.filter(email__iexact="eve@exemple.fr").get().first_name == "Ève"
        assert not Agent.objects.filter(first_name="Mallory").exists()


def test_another_territorys_invitation_page_is_not_found(admin_client, territory, other_territory):
    with scopes_disabled():
        foreign = InvitationFactory(territory=other_territory)
    url = reverse(
        "agents:invitation_detail",
        kwargs={"territory_pk": territory.pk, "invitation_pk": foreign.pk},
    )
    response = admin_client.get(url)
    assert response.status_code == 404
    assert foreign.email not in response.content.decode()


# --- motif slot alerts ---


def test_another_territorys_slot_alerts_are_never_shown(
    admin_client, territory, other_territory, organisation, service
):
    with scopes_disabled():
        ours = MotifFactory(territory=territory, service=service, name="Accueil")
        ours.organisations.add(organisation)
        theirs = MotifFactory(territory=other_territory, service=service, name="Accueil Privas")
        elsewhere = OrganisationFactory(territory=other_territory, name="Privas")
        now = timezone.now()
        MotifSlotAlert.objects.create(
            territory=other_territory,
            motif=theirs,
            organisation=elsewhere,
            since=now,
            checked_at=now,
        )
    listing = admin_client.get(reverse("motifs:section", args=[territory.pk]))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Aucun créneau en ligne" not in html and "Privas" not in html
    detail = admin_client.get(reverse("motifs:motif_detail", args=[territory.pk, theirs.pk]))
    assert detail.status_code == 404


@pytest.mark.usefixtures("in_territory")
def test_junk_typed_when_accepting_an_invitation_is_told_and_creates_no_account(client, territory):
    invitation = InvitationFactory(territory=territory, email="eve@exemple.fr")
    path = f"/invitations/{invitation.token}/"
    for junk in (
        {"first_name": "Ève\x00", "last_name": "D" * 10_000, "password1": "a", "password2": "b"},
        {"first_name": "", "last_name": "", "password1": "x" * 5000, "password2": "x" * 5000},
    ):
        response = client.post(path, junk)
        assert response.status_code == 200
        assert "Erreur : " in unescape(response.content.decode())
    with scopes_disabled():
        assert not Agent.objects.filter(email__iexact="eve@exemple.fr").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert client.get(path).status_code == 200  # the link still works


@pytest.mark.usefixtures("world")
def test_an_organisation_named_like_a_script_is_shown_as_text_in_the_statistics(
    admin_client, territory
):
    with scopes_disabled():
        Organisation.objects.filter(name="Centre médico-social de Die").update(
            name='<script>alert("die")</script>'
        )
    html = _page(admin_client, territory, periode="3").content.decode()
    assert '<script>alert("die")</script>' not in html
    assert "&lt;script&gt;" in html
