"""The partner API (/api/v1/): personal tokens made on the agent's page, every resource
listed and written through, French JSON errors, rate limit, call log."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from api.models import ApiToken
from availability.models import Absence
from config import ratelimits
from rdvs.models import Rdv
from territories.models import AuditEntry
from tests.factories import (
    AbsenceFactory,
    ApiTokenFactory,
    AvailabilityRangeFactory,
    OrganisationFactory,
    UserRecordFactory,
    rdv_with_agents,
)
from tests.rdv_setup import usable_motif, usager
from user_records.models import UserRecord
from webhooks.models import Endpoint

API = "/api/v1"


class Partner:
    """A partner tool: sends its token and JSON, reads JSON."""

    def __init__(self, client, raw_token: str) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"}

    def call(self, method: str, path: str, body=None, **params):
        kwargs = dict(self.headers)
        if body is not None:
            kwargs["data"] = json.dumps(body) if not isinstance(body, str | bytes) else body
            kwargs["content_type"] = "application/json"
        elif params:
            kwargs["data"] = params
        response = getattr(self.client, method)(API + path, **kwargs)
        if response.status_code != 204:  # never an HTML page
            assert response["Content-Type"].startswith("application/json")
        return response

    def get(self, path, **params):
        return self.call("get", path, **params)

    def post(self, path, body=None):
        return self.call("post", path, body if body is not None else {})

    def patch(self, path, body):
        return self.call("patch", path, body)

    def delete(self, path):
        return self.call("delete", path)


def create_token_on_page(client, territory, name="rdv-insertion") -> str:
    """What the agent does: their token page, the form, the token shown once."""
    url = reverse("api:token_list", kwargs={"territory_pk": territory.pk})
    page = client.post(url, {"name": name}, follow=True).content.decode()
    start = page.index('<code id="raw-token">') + len('<code id="raw-token">')
    return page[start : page.index("</code>", start)]


@pytest.fixture
def partner(admin_client, territory):
    return Partner(admin_client, create_token_on_page(admin_client, territory))


def test_the_agent_creates_a_token_on_their_page_shown_once_stored_hashed(
    admin_client, admin_agent, territory
):
    home = admin_client.get(reverse("agents:home", kwargs={"territory_pk": territory.pk}))
    assert reverse("api:token_list", kwargs={"territory_pk": territory.pk}) in home.content.decode()

    raw = create_token_on_page(admin_client, territory, name="rdv-insertion")
    assert raw.startswith("rdvt_") and len(raw) > 40
    with scope(territory=territory):
        token = ApiToken.objects.get()
        assert token.agent == admin_agent and token.name == "rdv-insertion"
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert AuditEntry.objects.filter(action="api_token.created", actor=admin_agent).exists()
    again = admin_client.get(reverse("api:token_list", kwargs={"territory_pk": territory.pk}))
    text = again.content.decode()
    assert raw not in text  # shown once
    assert "rdv-insertion" in text and f"…{raw[-4:]}" in text and "jamais" in text

    assert Partner(admin_client, raw).get("/organisations").status_code == 200
    with scope(territory=territory):
        assert ApiToken.objects.get().last_used_at is not None
    text = admin_client.get(
        reverse("api:token_list", kwargs={"territory_pk": territory.pk})
    ).content.decode()
    assert "jamais" not in text


def test_a_token_without_a_name_is_refused_in_french(admin_client, territory):
    url = reverse("api:token_list", kwargs={"territory_pk": territory.pk})
    page = admin_client.post(url, {"name": ""}).content.decode()
    assert "Donnez un nom à ce jeton." in page
    with scope(territory=territory):
        assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_the_token_stops_working(admin_client, admin_agent, territory):
    raw = create_token_on_page(admin_client, territory)
    partner = Partner(admin_client, raw)
    with scope(territory=territory):
        token = ApiToken.objects.get()
    url = reverse("api:token_revoke", kwargs={"territory_pk": territory.pk, "token_pk": token.pk})
    confirmation = admin_client.get(url)
    assert "Êtes-vous sûr de vouloir révoquer ce jeton" in confirmation.content.decode()
    assert partner.get("/organisations").status_code == 200  # asking changed nothing

    admin_client.post(url)
    refused = partner.get("/organisations")
    assert refused.status_code == 401
    assert refused.json() == {"error": "Jeton d'API inconnu ou révoqué."}
    with scope(territory=territory):
        assert AuditEntry.objects.filter(action="api_token.revoked", actor=admin_agent).exists()


def test_a_token_is_its_agents_own(client, basic_agent, admin_agent, territory):
    """Even a territory admin neither sees nor revokes another agent's token."""
    token = ApiTokenFactory(territory=territory, agent=basic_agent)
    client.force_login(admin_agent)
    page = client.get(reverse("api:token_list", kwargs={"territory_pk": territory.pk}))
    assert token.name not in page.content.decode()
    url = reverse("api:token_revoke", kwargs={"territory_pk": territory.pk, "token_pk": token.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize(
    "header, message",
    [
        (None, "Authentification requise"),
        ("Bearer", "En-tête Authorization invalide"),
        ("Bearer inconnu", "Jeton d'API inconnu ou révoqué."),
        ("Bearer a b", "En-tête Authorization invalide"),
    ],
)
def test_calls_without_a_valid_token_get_a_french_401(client, db, header, message):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(f"{API}/organisations", **headers)
    assert response.status_code == 401
    assert message in response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_junk_json_and_wrong_types_get_a_french_400(partner, organisation):
    junk = partner.call("post", "/users", "{pas du json")
    assert junk.status_code == 400
    assert junk.json() == {"error": "Le corps de la requête n'est pas du JSON valide."}
    not_an_object = partner.post("/users", ["liste"])
    assert not_an_object.status_code == 400
    assert not_an_object.json()["errors"]["non_field_errors"] == ["Un objet JSON est attendu."]
    bad_page = partner.get("/organisations", page="zéro")
    assert bad_page.status_code == 400
    assert "nombre entier" in bad_page.json()["errors"]["page"][0]
    bad_date = partner.get(f"/organisations/{organisation.pk}/rdvs", starts_after="demain")
    assert (
        bad_date.status_code == 400 and "ISO 8601" in bad_date.json()["errors"]["starts_after"][0]
    )
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        far = partner.get(f"/organisations/{organisation.pk}/rdvs", starts_before=edge)
        assert far.status_code == 400, edge
        rdv = partner.post(f"/organisations/{organisation.pk}/rdvs", {"starts_at": edge})
        assert rdv.status_code == 400 and "ISO 8601" in rdv.json()["errors"]["starts_at"][0]
        absence = partner.post("/absences", {"starts_at": edge, "ends_at": edge})
        assert absence.status_code == 400, edge
    bad_rdv = partner.post(f"/organisations/{organisation.pk}/rdvs", {"starts_at": 12})
    assert bad_rdv.status_code == 400 and "ISO 8601" in bad_rdv.json()["errors"]["starts_at"][0]


def test_unknown_paths_and_methods_answer_json_in_french(partner):
    missing = partner.get("/nimporte/quoi")
    assert missing.status_code == 404
    assert missing.json()["error"].startswith("Introuvable")
    wrong_method = partner.call("put", "/organisations", {})
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"error": "Méthode HTTP non acceptée ici."}


def test_calls_beyond_the_limit_get_a_429_per_token(partner, admin_agent, territory, monkeypatch):
    monkeypatch.setattr(ratelimits, "API_PER_TOKEN", ratelimits.Limit("api.token", "3/m"))
    assert [partner.get("/organisations").status_code for _ in range(3)] == [200] * 3
    refused = partner.get("/organisations")
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "Trop de requêtes avec ce jeton : réessayez dans une minute."
    }
    assert refused["Retry-After"] == "60"
    other = ApiTokenFactory(territory=territory, agent=admin_agent)
    assert Partner(partner.client, other.raw).get("/organisations").status_code == 200


def test_every_call_is_logged_with_agent_route_status_and_duration(partner, admin_agent, caplog):
    with caplog.at_level(logging.INFO, logger="api.calls"):
        partner.get("/organisations")
        partner.get("/rdvs/999999")
    ok, missing = [r for r in caplog.records if r.name == "api.calls"]
    assert (ok.api_agent_id, ok.api_method, ok.api_status) == (admin_agent.pk, "GET", 200)
    assert ok.api_route == "api/v1/organisations"
    assert missing.api_status == 404 and missing.api_route == "api/v1/rdvs/<int:rdv_pk>"
    assert ok.api_duration_ms >= 0 and ok.api_token_id is not None


def test_the_openapi_document_and_its_page_are_served_without_a_cdn(client, db):
    schema = client.get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/organisations/{organisation_pk}/rdvs" in paths
    assert "jetonAgent" in schema.json()["components"]["securitySchemes"]
    docs = client.get(f"{API}/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in html and "cdn" not in html.lower()


def test_a_partner_lists_and_creates_through_every_resource(
    partner, admin_agent, territory, organisation, service
):
    motif = usable_motif(territory, organisation, service, admin_agent, name="Accueil RSA")
    known = usager(territory, first_name="Lucie", last_name="Martin")
    AvailabilityRangeFactory(territory=territory, organisation=organisation, agent=admin_agent)

    organisations = partner.get("/organisations").json()
    assert [o["name"] for o in organisations["organisations"]] == [organisation.name]
    assert organisations["meta"] == {
        "current_page": 1,
        "next_page": None,
        "prev_page": None,
        "total_pages": 1,
        "total_count": 1,
        "total_count_capped": False,
    }
    shown = partner.get(f"/organisations/{organisation.pk}").json()
    assert shown["organisation"]["id"] == organisation.pk
    motifs = partner.get(f"/organisations/{organisation.pk}/motifs").json()["motifs"]
    assert [m["name"] for m in motifs] == ["Accueil RSA"]

    # Users: create, search, update, show.
    created = partner.post(
        "/users", {"first_name": "Jean", "last_name": "Dupont", "phone_number": "06 12 34 56 78"}
    )
    assert created.status_code == 201, created.json()
    user = created.json()["user"]
    assert user["phone_number"] == "+33612345678"
    assert user["organisation_ids"] == [organisation.pk]
    found = partner.get("/users", search_term="dupont").json()
    assert [u["id"] for u in found["users"]] == [user["id"]]
    updated = partner.patch(f"/users/{user['id']}", {"email": "jean.dupont@exemple.fr"})
    assert updated.status_code == 200, updated.json()
    assert updated.json()["user"]["email"] == "jean.dupont@exemple.fr"
    assert updated.json()["user"]["last_name"] == "Dupont"  # unsent fields kept
    assert partner.get(f"/users/{known.pk}").json()["user"]["first_name"] == "Lucie"
    invalid = partner.post("/users", {"first_name": "Sans nom"})
    assert invalid.status_code == 400
    assert invalid.json()["errors"]["last_name"] == ["Ce champ est obligatoire."]

    # RDVs: create for a user record, list with filters, show, cancel.
    starts_at = (timezone.localtime() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booked = partner.post(
        f"/organisations/{organisation.pk}/rdvs",
        {"motif_id": motif.pk, "user_ids": [user["id"]], "starts_at": starts_at.isoformat()},
    )
    assert booked.status_code == 201, booked.json()
    rdv = booked.json()["rdv"]
    assert rdv["duration_in_min"] == 30 and rdv["status"] == "unknown"
    assert [a["id"] for a in rdv["agents"]] == [admin_agent.pk]
    assert [u["id"] for u in rdv["users"]] == [user["id"]]
    listed = partner.get(
        f"/organisations/{organisation.pk}/rdvs",
        starts_after=(starts_at - timedelta(hours=1)).isoformat(),
        status="unknown",
    ).json()
    assert [r["id"] for r in listed["rdvs"]] == [rdv["id"]]
    later = partner.get(
        f"/organisations/{organisation.pk}/rdvs",
        starts_after=(starts_at + timedelta(hours=1)).isoformat(),
    ).json()
    assert later["rdvs"] == []
    assert partner.get(f"/rdvs/{rdv['id']}").json()["rdv"]["id"] == rdv["id"]
    taken = partner.post(
        f"/organisations/{organisation.pk}/rdvs",
        {"motif_id": motif.pk, "user_ids": [known.pk], "starts_at": starts_at.isoformat()},
    )
    assert taken.status_code == 409
    assert taken.json()["error"] == "Cet agent a déjà un RDV sur ce créneau."
    cancelled = partner.post(f"/rdvs/{rdv['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["rdv"]["status"] == "cancelled"
    with scope(territory=territory):
        assert Rdv.objects.get(pk=rdv["id"]).cancelled_at is not None
        assert AuditEntry.objects.filter(action="rdv.cancelled", actor=admin_agent).exists()

    # Absences: create, list, update, delete.
    absence = partner.post(
        "/absences",
        {
            "title": "Formation",
            "starts_at": (starts_at + timedelta(days=1)).isoformat(),
            "ends_at": (starts_at + timedelta(days=1, hours=3)).isoformat(),
        },
    )
    assert absence.status_code == 201, absence.json()
    absence_id = absence.json()["absence"]["id"]
    assert absence.json()["absence"]["agent"]["id"] == admin_agent.pk
    assert [a["id"] for a in partner.get("/absences").json()["absences"]] == [absence_id]
    renamed = partner.patch(f"/absences/{absence_id}", {"title": "Formation DSFR"})
    assert renamed.json()["absence"]["title"] == "Formation DSFR"
    backwards = partner.patch(
        f"/absences/{absence_id}", {"ends_at": (starts_at - timedelta(days=1)).isoformat()}
    )
    assert backwards.status_code == 400
    assert backwards.json()["errors"]["ends_at"] == [
        "La fin de l'absence doit être après son début."
    ]
    assert partner.delete(f"/absences/{absence_id}").status_code == 204
    with scope(territory=territory):
        assert not Absence.objects.exists()

    # Availability ranges.
    ranges = partner.get("/plage_ouvertures", organisation_id=organisation.pk).json()
    assert len(ranges["plage_ouvertures"]) == 1

    # Webhook endpoints of the organisation.
    made = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        {"target_url": "https://partenaire.exemple.fr/hooks", "subscriptions": ["rdv", "user"]},
    )
    assert made.status_code == 201, made.json()
    endpoint = made.json()["webhook_endpoint"]
    assert endpoint["subscriptions"] == ["rdv.*", "user_record.*"]
    assert endpoint["organisation_ids"] == [organisation.pk]
    assert endpoint["secret"].startswith("whsec_")
    listed = partner.get(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        target_url="https://partenaire.exemple.fr/hooks",
    ).json()
    assert [e["id"] for e in listed["webhook_endpoints"]] == [endpoint["id"]]
    other_url = partner.get(
        f"/organisations/{organisation.pk}/webhook_endpoints", target_url="https://autre.fr/"
    ).json()
    assert other_url["webhook_endpoints"] == []
    changed = partner.patch(
        f"/organisations/{organisation.pk}/webhook_endpoints/{endpoint['id']}",
        {"subscriptions": ["absence"]},
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["webhook_endpoint"]["subscriptions"] == ["absence.*"]
    assert "secret" not in changed.json()["webhook_endpoint"]
    bad_url = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints", {"target_url": "pas une adresse"}
    )
    assert bad_url.status_code == 400 and "target_url" in bad_url.json()["errors"]
    gone = partner.delete(f"/organisations/{organisation.pk}/webhook_endpoints/{endpoint['id']}")
    assert gone.status_code == 204
    with scope(territory=territory):
        assert not Endpoint.objects.exists()
        assert AuditEntry.objects.filter(action="webhook_endpoint.deleted").exists()


def test_a_partners_own_secret_is_kept_and_not_sent_back(partner, territory, organisation):
    made = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        {"target_url": "https://partenaire.exemple.fr/hooks", "secret": "un-secret-de-partenaire"},
    )
    assert made.status_code == 201
    assert "secret" not in made.json()["webhook_endpoint"]
    with scope(territory=territory):
        assert Endpoint.objects.get().secret == "un-secret-de-partenaire"
    short = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        {"target_url": "https://partenaire.exemple.fr/b", "secret": "court"},
    )
    assert short.status_code == 400
    assert short.json()["errors"]["secret"] == ["Le secret doit compter au moins 16 caractères."]


def test_a_token_acts_with_its_agents_rights_only(
    client, basic_agent, admin_agent, territory, organisation, other_territory
):
    """Bob (basic) sees his organisation's records but not another agent's RDV outside
    his services, nor the webhooks (configuration: 403); another territory's ids: 404."""
    bob = Partner(client, ApiTokenFactory(territory=territory, agent=basic_agent).raw)
    elsewhere = OrganisationFactory(territory=territory, name="CCAS de Romans")
    foreign_organisation = OrganisationFactory(territory=other_territory)
    foreign_record = UserRecordFactory(territory=other_territory)
    hidden_record = UserRecordFactory(territory=territory, organisations=[elsewhere])
    with scopes_disabled():  # set-up across territories
        admins_rdv = rdv_with_agents(admin_agent, territory=territory, organisation=organisation)
        foreign_rdv = rdv_with_agents(territory=other_territory)
    foreign_absence = AbsenceFactory(territory=other_territory)
    admins_absence = AbsenceFactory(territory=territory, agent=admin_agent)

    assert [o["id"] for o in bob.get("/organisations").json()["organisations"]] == [organisation.pk]
    for path in (
        f"/organisations/{elsewhere.pk}",
        f"/organisations/{foreign_organisation.pk}",
        f"/organisations/{foreign_organisation.pk}/rdvs",
        f"/users/{foreign_record.pk}",
        f"/users/{hidden_record.pk}",
        f"/rdvs/{admins_rdv.pk}",
        f"/rdvs/{foreign_rdv.pk}",
        f"/absences/{foreign_absence.pk}",
        f"/absences/{admins_absence.pk}",
    ):
        response = bob.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"].startswith("Introuvable"), path
    assert bob.post(f"/rdvs/{admins_rdv.pk}/cancel").status_code == 404
    webhooks = bob.get(f"/organisations/{organisation.pk}/webhook_endpoints")
    assert webhooks.status_code == 403
    assert webhooks.json() == {"error": "Cette page est réservée aux administrateurs d'espace."}
    # An absence for someone else: Bob manages only his own agenda.
    refused = bob.post(
        "/absences",
        {
            "agent_id": admin_agent.pk,
            "starts_at": "2030-01-02T09:00:00+01:00",
            "ends_at": "2030-01-02T12:00:00+01:00",
        },
    )
    assert refused.status_code == 403
    assert refused.json() == {"error": "Vous n'avez pas le droit de faire cela."}
    with scopes_disabled():
        assert not UserRecord.objects.filter(pk=foreign_record.pk, territory=territory).exists()


def test_a_token_of_an_agent_who_left_the_territory_is_refused(
    client, basic_agent, territory, organisation
):
    token = ApiTokenFactory(territory=territory, agent=basic_agent)
    with scopes_disabled():
        basic_agent.roles.all().delete()
    response = Partner(client, token.raw).get("/organisations")
    assert response.status_code == 403
    assert response.json() == {"error": "L'agent de ce jeton n'a plus accès à cet espace."}


def test_last_used_date_is_written_at_most_once_a_minute(client, admin_agent, territory):
    token = ApiTokenFactory(territory=territory, agent=admin_agent)
    partner = Partner(client, token.raw)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        partner.get("/organisations")
        first = ApiToken.objects.with_scopes_disabled().get(pk=token.pk).last_used_at
        traveller.shift(timedelta(seconds=30))
        partner.get("/organisations")
        assert ApiToken.objects.with_scopes_disabled().get(pk=token.pk).last_used_at == first
        traveller.shift(timedelta(seconds=31))
        partner.get("/organisations")
        assert ApiToken.objects.with_scopes_disabled().get(pk=token.pk).last_used_at > first


def test_lists_are_paged_by_100_with_the_reference_meta(partner, territory, organisation):
    UserRecordFactory.create_batch(205, territory=territory, organisations=[organisation])
    first = partner.get("/users").json()
    assert len(first["users"]) == 100
    assert first["meta"] == {
        "current_page": 1,
        "next_page": 2,
        "prev_page": None,
        "total_pages": 3,
        "total_count": 205,
        "total_count_capped": False,
    }
    last = partner.get("/users", page=3).json()
    assert len(last["users"]) == 5
    assert (last["meta"]["next_page"], last["meta"]["prev_page"]) == (None, 2)
    ids = {u["id"] for page in (1, 2, 3) for u in partner.get("/users", page=page).json()["users"]}
    assert len(ids) == 205
    too_deep = partner.get("/users", page=101)
    assert too_deep.status_code == 400 and "page" in too_deep.json()["errors"]
