"""What the OpenAPI document (drf-spectacular) says beyond the views themselves: the
token scheme, and the envelope of lists (`{<root>: [...], meta: {...}}`)."""

from __future__ import annotations

from functools import cache

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "jetonAgent"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'API personnel, créé par l'agent dans « Mon espace ».",
        }


class MetaSerializer(serializers.Serializer):
    current_page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    prev_page = serializers.IntegerField(allow_null=True)
    total_pages = serializers.IntegerField()
    total_count = serializers.IntegerField(help_text="Compté jusqu'à 10 000.")
    total_count_capped = serializers.BooleanField(help_text="Plus de 10 000 éléments.")


@cache  # one component per name: drf-spectacular compares identities
def page_of(serializer_class, root: str):
    return inline_serializer(
        name=f"Page{serializer_class.__name__.removesuffix('Serializer')}",
        fields={root: serializer_class(many=True), "meta": MetaSerializer()},
    )


@cache
def one(serializer_class, root: str):
    return inline_serializer(
        name=f"Un{serializer_class.__name__.removesuffix('Serializer')}",
        fields={root: serializer_class()},
    )
