"""The isolation crawler: every URL of the project, requested by an admin of another
territory with this territory's objects, must answer 404 (405 for a method the view
does not take). New URLs are covered as soon as they exist.

A tenant URL carries `territory_pk`; every other keyword must be known to
OBJECT_KWARGS (how to make an object of the target territory for it), so a new
kind of object cannot slip through unexamined. URLs without `territory_pk` must be
listed in PUBLIC_URLS with the reason they are not tenant-scoped.

The partner API (API_PREFIX) carries no territory in its URLs: the token names it.
`crawl_api` calls every API route with this territory's objects and a token of another
territory, with every method: each must answer 404 (405 for a method the route does
not take), never touch the object. Its few public routes are in API_PUBLIC_URLS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories

# keyword -> builds an object of the given territory and returns the URL value
OBJECT_KWARGS: dict[str, Callable] = {
    "organisation_pk": lambda territory: factories.OrganisationFactory(territory=territory).pk,
    "service_pk": lambda territory: (
        factories.TerritoryServiceFactory(territory=territory).service_id
    ),
    "motif_pk": lambda territory: (
        factories.MotifFactory(
            territory=territory,
            organisations=[factories.OrganisationFactory(territory=territory)],
        ).pk
    ),
    "agent_pk": lambda territory: (
        factories.AgentRoleFactory(
            organisation=factories.OrganisationFactory(territory=territory)
        ).agent_id
    ),
    "user_record_pk": lambda territory: factories.UserRecordFactory(territory=territory).pk,
    "field_pk": lambda territory: factories.CustomFieldFactory(territory=territory).pk,
    "duplicate_pair_pk": lambda territory: factories.DuplicatePairFactory(territory=territory).pk,
    "rdv_pk": lambda territory: factories.RdvFactory(territory=territory).pk,
    "availability_range_pk": lambda territory: (
        factories.AvailabilityRangeFactory(territory=territory).pk
    ),
    "absence_pk": lambda territory: factories.AbsenceFactory(territory=territory).pk,
    "invitation_pk": lambda territory: factories.InvitationFactory(territory=territory).pk,
    "endpoint_pk": lambda territory: factories.EndpointFactory(territory=territory).pk,
    "delivery_pk": lambda territory: (
        factories.DeliveryFactory(endpoint=factories.EndpointFactory(territory=territory)).pk
    ),
    "token_pk": lambda territory: factories.ApiTokenFactory(territory=territory).pk,
    "export_pk": lambda territory: factories.ExportFactory(territory=territory).pk,
}

API_PREFIX = "api/v1/"
# API routes that are not tenant-scoped, and why.
API_PUBLIC_URLS: dict[str, str] = {
    "api_v1:schema": "the OpenAPI document: describes the API, holds no data",
    "api_v1:docs": "Swagger UI page reading the OpenAPI document",
    "api_v1:unknown": "any other path under /api/v1/: a JSON 404",
}

# URL names (namespace:name) that are not tenant-scoped, and why.
PUBLIC_URLS: dict[str, str] = {
    "home": "redirects to the caller's own territories",
    "login": "authentication",
    "logout": "authentication",
    "password_reset": "authentication",
    "password_reset_done": "authentication",
    "password_reset_confirm": "authentication (signed token)",
    "password_reset_complete": "authentication",
    "territories:list": "lists only the caller's own territories",
    "invitation_accept": "invitation link: the random token (hashed) selects the territory",
    "proconnect:login": "authentication (ProConnect)",
    "proconnect:callback": "authentication (ProConnect): the session's state selects the person",
    "proconnect:logged_out": "authentication (ProConnect): back from the provider's logout",
    "proconnect:invitation": "invitation link accepted with ProConnect: the token selects it",
    "dev_outbox": "DEBUG-only development page",
    "anymail_brevo_tracking": "the mail provider's delivery reports (basic auth); the "
    "provider's message id finds the message, whatever its territory",
    "dev_outbox_detail": "DEBUG-only development page",
    "booking:territory_list": "public booking: lists territories, no account",
    "booking:organisation_list": "public booking: a territory's organisations, no account",
    "booking:motif_list": "public booking: an organisation's motifs open to usagers only",
    "booking:instructions": "public booking: motif open to usagers, resolved in its territory",
    "booking:slots": "public booking: free slots of a motif open to usagers",
    "booking:details": "public booking: the usager's details for a free slot",
    "booking:rdv_detail": "usager's own RDV page, reached by its signed link",
    "booking:rdv_cancel": "usager's own RDV, signed link",
    "booking:rdv_move": "usager's own RDV, signed link",
    "booking:rdv_move_confirm": "usager's own RDV, signed link",
}

_KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass
class Route:
    name: str
    route: str

    @property
    def kwargs(self) -> list[str]:
        return [m.group("name") for m in _KWARG.finditer(self.route)]

    def url(self, values: dict) -> str:
        return "/" + _KWARG.sub(lambda m: str(values[m.group("name")]), self.route)


def iter_routes(urlconf: str | None = None) -> Iterator[Route]:
    def walk(patterns, prefix: str, namespace: str | None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue  # support staff see every territory by design
                ns = entry.namespace or namespace
                if entry.namespace and namespace:
                    ns = f"{namespace}:{entry.namespace}"
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
                yield Route(name=name, route=prefix + str(entry.pattern))

    yield from walk(get_resolver(urlconf).url_patterns, "", None)


def crawl(client, target_territory, own_territory) -> list[str]:
    """Return the failures: URLs that answered something other than 404/405."""
    failures: list[str] = []
    objects: dict[str, object] = {}
    for route in iter_routes():
        kwargs = route.kwargs
        if route.route.startswith(API_PREFIX):
            continue  # crawl_api
        if "territory_pk" not in kwargs:
            if route.name not in PUBLIC_URLS:
                failures.append(
                    f"{route.route} ({route.name}): no territory_pk and not in PUBLIC_URLS"
                )
            continue
        unknown = [k for k in kwargs if k != "territory_pk" and k not in OBJECT_KWARGS]
        if unknown:
            failures.append(
                f"{route.route}: unknown URL keywords {unknown}, add them to OBJECT_KWARGS"
            )
            continue
        for key in kwargs:
            if key != "territory_pk" and key not in objects:
                objects[key] = OBJECT_KWARGS[key](target_territory)
        values = {key: objects.get(key) for key in kwargs}
        attempts = [{**values, "territory_pk": target_territory.pk}]
        if len(kwargs) > 1:
            attempts.append({**values, "territory_pk": own_territory.pk})
        for attempt in attempts:
            url = route.url(attempt)
            statuses = []
            for method in ("get", "post"):
                try:
                    status = getattr(client, method)(url).status_code
                except Exception as exc:  # noqa: BLE001  a crash is a finding, not a test error
                    status = f"exception {type(exc).__name__}: {exc}"
                statuses.append(status)
            if any(s not in (404, 405) for s in statuses) or 404 not in statuses:
                failures.append(f"{url} ({route.name}): GET/POST answered {statuses}")
    return failures


API_METHODS = ("get", "post", "patch", "delete")


def crawl_api(client, raw_token: str, target_territory) -> list[str]:
    """Return the failures: API routes that answered a token of another territory with
    something other than 404/405 for an object of `target_territory`. Routes without an
    object (the lists) answer with the token's own territory, never 5xx."""
    failures: list[str] = []
    objects: dict[str, object] = {}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"}
    for route in iter_routes():
        if not route.route.startswith(API_PREFIX) or route.name in API_PUBLIC_URLS:
            continue
        unknown = [k for k in route.kwargs if k not in OBJECT_KWARGS]
        if unknown:
            failures.append(f"{route.route}: unknown URL keywords {unknown}, add to OBJECT_KWARGS")
            continue
        for key in route.kwargs:
            if key not in objects:
                objects[key] = OBJECT_KWARGS[key](target_territory)
        url = route.url(objects)
        statuses = []
        for method in API_METHODS:
            try:
                response = client.generic(
                    method.upper(), url, data="{}", content_type="application/json", **headers
                )
                status = response.status_code
                if not response["Content-Type"].startswith("application/json") and status != 204:
                    status = f"{status} (not JSON)"
            except Exception as exc:  # noqa: BLE001  a crash is a finding, not a test error
                status = f"exception {type(exc).__name__}: {exc}"
            statuses.append(status)
        if route.kwargs:
            leaked = any(s not in (404, 405) for s in statuses) or 404 not in statuses
        else:
            leaked = any(not isinstance(s, int) or s >= 500 for s in statuses)
        if leaked:
            failures.append(f"{url} ({route.name}): {'/'.join(API_METHODS)} answered {statuses}")
    return failures
