"""What every resource of the API shares: the territory of the token opened as the
request's scope (as TerritoryMiddleware does for the agents' pages), the rate limit per
token, one log line per call, and objects looked up through narrowed querysets.

Each call leaves one structured log record (logger `api.calls`: agent, token,
territory, method, route, status, duration): no database write per call; the token's
`last_used_at` is the only row written, at most once a minute (api.authentication).
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_scopes import scope
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.views import APIView

from config import ratelimits

call_log = logging.getLogger("api.calls")


class ApiView(APIView):
    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        with ExitStack() as self._scopes:
            response = super().dispatch(request, *args, **kwargs)
        _log_call(self.request, response, started)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and TerritoryMember
        token = request.auth
        if ratelimits.count(request._request, ratelimits.API_PER_TOKEN, f"token:{token.pk}"):
            raise Throttled(wait=60)
        request.territory = token.territory
        self._scopes.enter_context(scope(territory=token.territory))

    @property
    def agent(self):
        return self.request.user

    @property
    def territory(self):
        return self.request.auth.territory


def visible(rows: QuerySet, pk):
    """The object `pk` among the rows the caller may see, else 404 (its existence is
    not revealed)."""
    return get_object_or_404(rows, pk=pk)


def _log_call(request, response, started: float) -> None:
    token = getattr(request, "_auth", None)
    match = getattr(request, "resolver_match", None)
    call_log.info(
        "API %s %s -> %s",
        request.method,
        match.route if match else "?",
        response.status_code,
        extra={
            "api_agent_id": getattr(token, "agent_id", None),
            "api_token_id": getattr(token, "pk", None),
            "api_territory_id": getattr(token, "territory_id", None),
            "api_method": request.method,
            "api_route": match.route if match else None,
            "api_status": response.status_code,
            "api_duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )


class UnknownRoute(ApiView):
    """Any other address under /api/v1/: a JSON 404, not the site's HTML page."""

    permission_classes = []
    authentication_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound()


def bound(form_factory, overrides: dict, *, unbound=None):
    """A Django form bound to `overrides` over the values the form would show (its
    initial values: the object's, for an edit): the API takes only what changes, the
    forms validate whole objects. `form_factory(data)` builds the form; `unbound` is the
    same form unbound, when already built."""
    shown = unbound if unbound is not None else form_factory(None)
    data = {}
    for name, field in shown.fields.items():
        if name in overrides:
            value = overrides[name]
        else:  # what the page would show: the object's value, else the field's default
            value = shown.get_initial_for_field(field, name)
            if value is None:
                value = field.initial() if callable(field.initial) else field.initial
        if isinstance(value, list | tuple | set):
            value = [getattr(item, "pk", item) for item in value]
        elif hasattr(value, "all") and hasattr(value, "model"):  # a queryset or manager
            value = [item.pk for item in value.all()]
        else:
            value = getattr(value, "pk", value)
        if value is not None:
            data[name] = value
    return form_factory(data)
