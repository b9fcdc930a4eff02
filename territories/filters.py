"""The organisation filter of list pages. A département's territory has hundreds of
organisations: past `SELECT_LIMIT` the drop-down becomes a search on the organisation's
name, so a page no longer carries every organisation on every load."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from territories.models import Organisation, Territory
from territories.search import search_q

SELECT_LIMIT = 50


def add_organisation_filter(
    form: forms.Form,
    territory: Territory,
    *,
    empty_label: str,
    organisations: QuerySet | None = None,
) -> None:
    """Sets `form.fields["organisation"]`: a select while the territory is small, else a
    text field (an organisation's name, or part of it). `organisations`: those the caller
    may choose, when not every organisation of the territory."""
    if organisations is None:
        organisations = Organisation.objects.filter(territory=territory)
    organisations = organisations.order_by("name")
    if organisations[: SELECT_LIMIT + 1].count() <= SELECT_LIMIT:
        form.fields["organisation"] = forms.ModelChoiceField(
            label="Organisation", queryset=organisations, required=False, empty_label=empty_label
        )
    else:
        form.fields["organisation"] = forms.CharField(
            label="Organisation",
            help_text="Tout ou partie de son nom",
            required=False,
            max_length=100,
        )


def matching_organisations(
    territory: Territory, chosen: Organisation | str, organisations: QuerySet | None = None
) -> QuerySet:
    """The organisations a filter value designates: the one chosen, or those named so
    (among `organisations`, when not every organisation of the territory)."""
    if organisations is None:
        organisations = Organisation.objects.filter(territory=territory)
    if isinstance(chosen, Organisation):
        return organisations.filter(pk=chosen.pk)
    return organisations.filter(search_q(chosen, "name"))
