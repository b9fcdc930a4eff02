"""Every refusal of the API as JSON, in French: `{"error": "<sentence>"}`, plus
`"errors": {"<field>": ["<sentence>", …]}` for invalid input. Never an HTML page."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from territories.errors import Conflict, ServiceError

logger = logging.getLogger(__name__)

NOT_FOUND = "Introuvable : cet objet n'existe pas ou vous n'y avez pas accès."
FORBIDDEN = "Vous n'avez pas le droit de faire cela."
UNAUTHENTICATED = (
    "Authentification requise : envoyez votre jeton d'API dans l'en-tête "
    "« Authorization: Bearer <jeton> »."
)
INVALID = "Les données envoyées ne sont pas valides."
JUNK = "Le corps de la requête n'est pas du JSON valide."
METHOD = "Méthode HTTP non acceptée ici."
MEDIA = "Envoyez du JSON (en-tête « Content-Type: application/json »)."
INTERNAL = "Erreur interne : elle est enregistrée, réessayez plus tard."
THROTTLED = "Trop de requêtes avec ce jeton : réessayez dans une minute."

# DRF's own sentences, replaced by ours (its French translations are not all French).
_SENTENCES = {
    exceptions.NotAuthenticated: UNAUTHENTICATED,
    exceptions.ParseError: JUNK,
    exceptions.MethodNotAllowed: METHOD,
    exceptions.UnsupportedMediaType: MEDIA,
    exceptions.NotAcceptable: "Cette API ne répond qu'en JSON.",
    exceptions.NotFound: NOT_FOUND,
    Http404: NOT_FOUND,
}


def handle_exception(exc, context):
    if isinstance(exc, ServiceError):
        code = (
            status.HTTP_409_CONFLICT if isinstance(exc, Conflict) else status.HTTP_400_BAD_REQUEST
        )
        body = {"error": exc.message}
        if exc.field:
            body["errors"] = {exc.field: exc.messages}
        return Response(body, status=code)
    response = exception_handler(exc, context)
    if response is None:
        # A bug: logged with its traceback, and the partner still reads JSON.
        logger.error("API: unexpected error", exc_info=exc)
        return Response({"error": INTERNAL}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"error": INVALID, "errors": detail}
        return response
    sentence = next((text for kind, text in _SENTENCES.items() if isinstance(exc, kind)), None)
    if sentence is None:
        detail = getattr(exc, "detail", None)
        if isinstance(exc, exceptions.PermissionDenied | PermissionDenied):
            sentence = (
                str(detail)
                if detail and str(detail) != str(exceptions.PermissionDenied.default_detail)
                else FORBIDDEN
            )
        elif isinstance(exc, exceptions.Throttled):
            sentence = THROTTLED
        else:
            sentence = str(detail) if detail else INVALID
    response.data = {"error": sentence}
    return response


def form_errors(form, names: dict[str, str] | None = None) -> exceptions.ValidationError:
    """A Django form's French errors as the API's 400, under the API's field names
    (`names`: form field -> API field)."""
    names = {"__all__": "non_field_errors", **(names or {})}
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        errors.setdefault(names.get(field, field), []).extend(messages)
    return exceptions.ValidationError(errors)
