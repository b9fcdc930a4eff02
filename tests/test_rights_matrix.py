"""The access-rights matrix: every URL of a territory, requested by every kind of caller
(tests/rights_world.py), answers what the rights say — allowed, 403 (a configuration
page the member may not open) or 404 (an object the caller may not see: its existence
is not revealed; or a territory the caller is not a member of).

The URL list is walked like the isolation crawler does: a URL missing from EXPECTED
fails the test, so a new page cannot go unexamined. The objects in the URLs are the
work of the intervenant of Valence (an RDV in their agenda, their range and absence,
a usager known in Valence), or configuration objects of the territory.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import isolation
from tests.factories import (
    PASSWORD,
    ApiTokenFactory,
    DeliveryFactory,
    DuplicatePairFactory,
    EndpointFactory,
    ExportFactory,
    ServiceFactory,
)
from tests.rights_world import PEOPLE, can_log_in

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

OK = "autorisé"

# One outcome per caller, in the order of PEOPLE.
CONFIGURATION = (OK, 403, 403, 403, 403, 404, 404)
ORGANISATION_PAGE = (OK, OK, 403, 403, 403, 404, 404)  # the organisation of the URL: Valence
DAILY_SCREEN = (OK, OK, OK, OK, OK, 404, 404)
RDV = (OK, OK, OK, 404, 404, 404, 404)  # held by the intervenant (Service social) in Valence
AGENDA_ROW = (OK, OK, 404, 404, 404, 404, 404)  # the intervenant's range or absence
USER_RECORD = (OK, OK, OK, OK, 404, 404, 404)  # known in Valence
# Erasing a usager known in Valence: the admins only; those who do not see it, 404.
USER_RECORD_ERASURE = (OK, OK, 403, 403, 404, 404, 404)
OWN_TOKEN = (OK, 404, 404, 404, 404, 404, 404)  # the territory admin's API token: theirs only
OWN_EXPORT = OWN_TOKEN  # the territory admin's export: its requester's only
# The statistics: territory admins (all) and organisations' admins (theirs); basic agents 403.
ADMINISTRATORS = (OK, OK, 403, 403, 403, 404, 404)

EXPECTED: dict[str, tuple] = {
    "territories:dashboard": CONFIGURATION,
    # Agents
    "agents:section": CONFIGURATION,
    "agents:invite": CONFIGURATION,
    "agents:intervenant_create": CONFIGURATION,
    "agents:agent_detail": CONFIGURATION,
    "agents:remove": CONFIGURATION,
    "agents:invitation_detail": CONFIGURATION,
    "agents:invitation_resend": CONFIGURATION,
    "agents:invitation_revoke": CONFIGURATION,
    "agents:home": DAILY_SCREEN,
    # Webhooks
    "webhooks:section": CONFIGURATION,
    "webhooks:create": CONFIGURATION,
    "webhooks:endpoint_detail": CONFIGURATION,
    "webhooks:update": CONFIGURATION,
    "webhooks:disable": CONFIGURATION,
    "webhooks:enable": CONFIGURATION,
    "webhooks:delete": CONFIGURATION,
    "webhooks:rotate": CONFIGURATION,
    "webhooks:ping": CONFIGURATION,
    "webhooks:resend_failed": CONFIGURATION,
    "webhooks:delivery_detail": CONFIGURATION,
    "webhooks:delivery_resend": CONFIGURATION,
    # User records: the configuration stays territory-wide; the records follow organisations
    "user_records:section": CONFIGURATION,
    "user_records:preview": CONFIGURATION,
    "user_records:field_create": CONFIGURATION,
    "user_records:field_update": CONFIGURATION,
    "user_records:field_move": CONFIGURATION,
    "user_records:field_archive": CONFIGURATION,
    "user_records:field_restore": CONFIGURATION,
    "user_records:list": DAILY_SCREEN,
    "user_records:create": DAILY_SCREEN,
    "user_records:user_record_detail": USER_RECORD,
    "user_records:update": USER_RECORD,
    "user_records:delete": USER_RECORD_ERASURE,
    "user_records:retention": CONFIGURATION,
    "user_records:duplicate_list": DAILY_SCREEN,
    # Two usagers known in Valence.
    "user_records:duplicate_merge": USER_RECORD,
    "user_records:duplicate_dismiss": USER_RECORD,
    # RDV settings, motifs, services, organisations
    "rdv_settings:section": CONFIGURATION,
    "motifs:section": CONFIGURATION,
    "motifs:create": CONFIGURATION,
    "motifs:motif_detail": CONFIGURATION,
    "motifs:update": CONFIGURATION,
    "motifs:duplicate": CONFIGURATION,
    "motifs:archive": CONFIGURATION,
    "motifs:restore": CONFIGURATION,
    "motifs:delete": CONFIGURATION,
    "services:section": CONFIGURATION,
    "services:activate": CONFIGURATION,
    "services:deactivate": CONFIGURATION,
    "services:request": CONFIGURATION,
    "organisations:section": CONFIGURATION,
    "organisations:create": CONFIGURATION,
    "organisations:organisation_detail": ORGANISATION_PAGE,
    "organisations:update": ORGANISATION_PAGE,
    # RDVs
    "rdvs:agenda_day": DAILY_SCREEN,
    "rdvs:agenda_week": DAILY_SCREEN,
    "rdvs:rdv_create": DAILY_SCREEN,
    "rdvs:rdv_detail": RDV,
    "rdvs:rdv_update": RDV,
    "rdvs:rdv_status": RDV,
    "rdvs:rdv_cancel": RDV,
    "rdvs:rdv_arrival": RDV,
    # Availability ranges and absences
    "availability:availability_range_list": DAILY_SCREEN,
    "availability:availability_range_create": DAILY_SCREEN,
    "availability:availability_range_update": AGENDA_ROW,
    "availability:availability_range_delete": AGENDA_ROW,
    "availability:absence_list": DAILY_SCREEN,
    "availability:absence_create": DAILY_SCREEN,
    "availability:absence_update": AGENDA_ROW,
    "availability:absence_delete": AGENDA_ROW,
    # The agent's own API tokens
    "api:token_list": DAILY_SCREEN,
    "stats:statistics": ADMINISTRATORS,
    "api:token_revoke": OWN_TOKEN,
    # The agent's own exports
    "exports:export_list": DAILY_SCREEN,
    "exports:export_create": DAILY_SCREEN,
    "exports:export_detail": OWN_EXPORT,
    "exports:export_download": OWN_EXPORT,
}


def test_every_outcome_row_has_one_outcome_per_caller():
    assert all(len(outcomes) == len(PEOPLE) for outcomes in EXPECTED.values())


def _objects(world) -> dict:
    """One object per URL keyword: the intervenant's work, or configuration objects."""
    territory = world.territory
    endpoint = EndpointFactory(territory=territory)
    objects = {
        "endpoint_pk": endpoint.pk,
        "delivery_pk": DeliveryFactory(endpoint=endpoint).pk,  # of that endpoint
        "organisation_pk": world.valence.pk,
        "rdv_pk": world.rdv().pk,
        "availability_range_pk": world.range().pk,
        "absence_pk": world.absence().pk,
        "user_record_pk": world.record().pk,
        "duplicate_pair_pk": DuplicatePairFactory(
            territory=territory, first=world.record(), second=world.record()
        ).pk,
        "token_pk": ApiTokenFactory(territory=territory, agent=world.territory_admin).pk,
        "export_pk": ExportFactory(territory=territory, requested_by=world.territory_admin).pk,
    }
    for key, make in isolation.OBJECT_KWARGS.items():
        objects.setdefault(key, make(territory))
    return objects


def _query(world, name: str) -> str:
    """What a page needs in its query string to show itself (not a refusal)."""
    if name == "services:activate":
        return f"?service={ServiceFactory(name='Mairie').pk}"  # in the catalogue, not active
    if name == "services:deactivate":
        return f"?service={world.pmi.pk}"
    return ""


def _outcome(client, url: str):
    """GET the page; a POST-only action (GET answers 405) is posted, empty."""
    status = client.get(url).status_code
    if status == 405:
        status = client.post(url).status_code
    if status in (403, 404) or status >= 500:
        return status
    return OK if status in (200, 302) else status


def test_every_url_answers_each_caller_as_the_rights_say(client, world):
    territory = world.territory
    objects = _objects(world)
    routes = [route for route in isolation.iter_routes() if "territory_pk" in route.kwargs]
    unlisted = sorted({route.name for route in routes} - set(EXPECTED))
    assert unlisted == [], f"add these URLs to EXPECTED with who may open them: {unlisted}"
    assert not set(EXPECTED) - {route.name for route in routes}, "EXPECTED lists a gone URL"

    # Callers refused first, the territory admin last: the POST-only actions they may
    # take (resend, disable, delete…) then change nothing the others still need.
    order = sorted(range(len(PEOPLE)), key=lambda i: PEOPLE[i] == "territory_admin")
    failures = []
    for index in order:
        person = PEOPLE[index]
        client.force_login(getattr(world, person))
        for route in routes:
            unknown = set(route.kwargs) - {"territory_pk"} - set(objects)
            assert not unknown, f"{route.name}: add {unknown} to isolation.OBJECT_KWARGS"
            url = route.url({**objects, "territory_pk": territory.pk}) + _query(world, route.name)
            expected = EXPECTED[route.name][index]
            got = _outcome(client, url)
            if got != expected:
                failures.append(f"{person} {route.name} {url}: {got}, expected {expected}")
        client.logout()
    assert failures == []


# The partner API: the token's agent, with the same rights (tests/rights_world.py). The
# intervenant's token (from an earlier level) enters nothing: 403; the outsider's token
# is of the Ardèche: the Drôme's objects are not found, its lists are the Ardèche's.
LIST = (OK, OK, OK, OK, OK, 403, OK)
API_ORGANISATION = (OK, OK, OK, OK, 404, 403, 404)  # Valence
API_WEBHOOKS = (OK, 403, 403, 403, 404, 403, 404)  # Valence's; configuration
API_RDV = (OK, OK, OK, 404, 404, 403, 404)
API_AGENDA_ROW = (OK, OK, 404, 404, 404, 403, 404)
API_USER_RECORD = (OK, OK, OK, OK, 404, 403, 404)

# route name -> (method, outcomes)
API_EXPECTED: dict[str, tuple[str, tuple]] = {
    "api_v1:organisation_list": ("get", LIST),
    "api_v1:organisation_detail": ("get", API_ORGANISATION),
    "api_v1:motif_list": ("get", API_ORGANISATION),
    "api_v1:rdv_list": ("get", API_ORGANISATION),
    "api_v1:endpoint_list": ("get", API_WEBHOOKS),
    "api_v1:endpoint_detail": ("patch", API_WEBHOOKS),
    "api_v1:rdv_detail": ("get", API_RDV),
    "api_v1:rdv_cancel": ("post", API_RDV),
    "api_v1:user_list": ("get", LIST),
    "api_v1:user_detail": ("get", API_USER_RECORD),
    "api_v1:absence_list": ("get", LIST),
    "api_v1:absence_detail": ("get", API_AGENDA_ROW),
    "api_v1:plage_ouverture_list": ("get", LIST),
}


def test_every_api_route_answers_each_token_as_the_rights_say(client, world):
    objects = _objects(world)
    endpoint = EndpointFactory(territory=world.territory)
    endpoint.organisations.set([world.valence])
    objects["endpoint_pk"] = endpoint.pk
    routes = [
        route
        for route in isolation.iter_routes()
        if route.route.startswith(isolation.API_PREFIX)
        and route.name not in isolation.API_PUBLIC_URLS
    ]
    unlisted = sorted({route.name for route in routes} - set(API_EXPECTED))
    assert unlisted == [], f"add these API routes to API_EXPECTED: {unlisted}"
    assert not set(API_EXPECTED) - {route.name for route in routes}, "a gone API route"

    order = sorted(range(len(PEOPLE)), key=lambda i: PEOPLE[i] == "territory_admin")
    failures = []
    for index in order:
        person = PEOPLE[index]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.api_token(person)}"}
        for route in routes:
            method, outcomes = API_EXPECTED[route.name]
            url = route.url(objects)
            response = client.generic(
                method.upper(), url, data="{}", content_type="application/json", **headers
            )
            status = response.status_code
            got = status if status in (403, 404) or status >= 500 else OK
            if status not in (200, 201, 204, 403, 404):
                got = status
            if got != outcomes[index]:
                failures.append(
                    f"{person} {method} {route.name} {url}: {got}, expected {outcomes[index]}"
                )
    assert failures == []


def test_the_intervenant_cannot_log_in_at_all(client, world):
    """Their credentials are refused (even a password left from an earlier level), and a
    session opened before they became intervenant enters no territory (the matrix)."""
    assert not can_log_in(client, world.intervenant)
    for person in PEOPLE:
        if person != "intervenant":
            assert can_log_in(client, getattr(world, person)), person
            client.logout()
    page = client.post(
        reverse("login"),
        {"username": world.intervenant.email, "password": PASSWORD},
    ).content.decode()
    assert "Adresse e-mail ou mot de passe incorrect." in page  # as for a wrong password
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url_name", ["agents:home", "rdvs:agenda_day"])
def test_a_member_of_no_working_organisation_is_an_outsider(client, world, url_name):
    """An intervenant's session lands nowhere: 404, like a stranger."""
    client.force_login(world.intervenant)
    response = client.get(reverse(url_name, kwargs={"territory_pk": world.territory.pk}))
    assert response.status_code == 404
    assert "Drôme" not in client.get(reverse("territories:list")).content.decode()
