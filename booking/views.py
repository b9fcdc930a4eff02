"""The public booking flow (no account) and the usager's own RDV page.

These URLs carry no territory_pk: each view resolves the organisation (or the RDV from
its token) with scopes disabled, then works inside `scope(territory=...)` like a tenant
page does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_scopes import scope, scopes_disabled

from availability.slots import PARIS, SlotFinder, booking_window, slot_at
from booking.forms import AcknowledgeForm, build_details_form, user_record_from_details
from booking.rules import can_move, public_motifs, public_organisations
from booking.services import (
    CANNOT_MOVE_ONLINE,
    SLOT_GONE,
    SlotUnavailable,
    book_online,
    cancel_online,
    move_online,
)
from booking.weeks import week_to_show
from config import ratelimits
from config.numbers import plain_int
from rdvs.models import Rdv
from rdvs.rules import can_cancel
from rdvs.services import CANNOT_CANCEL_ONLINE
from rdvs.tokens import rdv_pk_from_token, rdv_token
from territories.errors import ServiceError
from territories.models import Organisation, Territory

ACKNOWLEDGED = "booking_acknowledged_motifs"


def public_organisation(view):
    """Resolve the organisation (and the motif, among those open to usagers) and open
    the territory's scope for the rest of the view."""

    @wraps(view)
    def wrapped(request, organisation_pk: int, motif_pk: int | None = None):
        with scopes_disabled():
            organisation = get_object_or_404(
                Organisation.objects.select_related("territory"), pk=organisation_pk
            )
        with scope(territory=organisation.territory):
            if motif_pk is None:
                return view(request, organisation)
            motif = get_object_or_404(public_motifs(organisation), pk=motif_pk)
            return view(request, organisation, motif)

    return wrapped


def usager_rdv(view):
    """Resolve the RDV from the signed link of the mail or SMS."""

    @wraps(view)
    def wrapped(request, token: str):
        pk = rdv_pk_from_token(token)
        if pk is None:
            raise Http404
        with scopes_disabled():
            rdv = get_object_or_404(
                Rdv.objects.select_related("territory", "organisation", "motif"), pk=pk
            )
        with scope(territory=rdv.territory):
            return view(request, rdv, token)

    return wrapped


def territory_list(request):
    territories = Territory.objects.filter(organisations__isnull=False).distinct()
    return render(request, "booking/territory_list.html", {"territories": territories})


def organisation_list(request, public_territory_pk: int):
    territory = get_object_or_404(Territory, pk=public_territory_pk)
    with scope(territory=territory):
        organisations = list(public_organisations(territory))
    return render(
        request,
        "booking/organisation_list.html",
        {"public_territory": territory, "organisations": organisations},
    )


@public_organisation
def motif_list(request, organisation):
    motifs = list(public_motifs(organisation).select_related("service").order_by("name"))
    for motif in motifs:
        # Shown, not clickable, while nothing is free in its window (a few queries per
        # motif: the finder stops at the first day with a slot).
        finder, today, last_day = _finder(motif, organisation)
        motif.has_slot = finder.first_day(today, last_day) is not None
    return render(
        request, "booking/motif_list.html", {"organisation": organisation, "motifs": motifs}
    )


def _acknowledged(request, motif) -> bool:
    return not motif.instructions_before or motif.pk in request.session.get(ACKNOWLEDGED, [])


@public_organisation
@require_http_methods(["GET", "POST"])
def instructions(request, organisation, motif):
    """The "before" instruction, to acknowledge before any slot is shown."""
    slots_url = reverse("booking:slots", args=[organisation.pk, motif.pk])
    if not motif.instructions_before:
        return redirect(slots_url)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request.session[ACKNOWLEDGED] = [*request.session.get(ACKNOWLEDGED, []), motif.pk]
        return redirect(slots_url)
    return render(
        request,
        "booking/instructions.html",
        {"organisation": organisation, "motif": motif, "form": form},
    )


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_start(value: str | None) -> datetime | None:
    if (seconds := plain_int(value)) is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # a forged number beyond any calendar
        return None


def _finder(motif, organisation, **finder_options):
    """The public slot finder of the motif's window, with its first and last days."""
    _low, high = booking_window(motif)
    today = timezone.localdate()
    last_day = max(timezone.localtime(high, PARIS).date(), today)
    finder = SlotFinder(motif, organisation, today, last_day, public=True, **finder_options)
    return finder, today, last_day


def _public_week(request, motif, organisation, **finder_options) -> dict:
    """The week the page shows (`?semaine=`), computed alone (booking.weeks)."""
    finder, today, _last_day = _finder(motif, organisation, **finder_options)
    return week_to_show(finder, _parse_day(request.GET.get("semaine")), today).context()


@public_organisation
def slots(request, organisation, motif):
    if not _acknowledged(request, motif):
        return redirect("booking:instructions", organisation.pk, motif.pk)
    context = _public_week(request, motif, organisation)
    context.update(
        organisation=organisation,
        motif=motif,
        choose_url=reverse("booking:details", args=[organisation.pk, motif.pk]),
        week_url=request.path,
    )
    return render(request, "booking/slots.html", context)


@public_organisation
@require_http_methods(["GET", "POST"])
def details(request, organisation, motif):
    slots_url = reverse("booking:slots", args=[organisation.pk, motif.pk])
    if not _acknowledged(request, motif):
        return redirect("booking:instructions", organisation.pk, motif.pk)
    starts_at = _parse_start(request.GET.get("debut"))
    slot = starts_at and slot_at(motif, organisation, starts_at, public=True)
    if not slot:
        messages.error(request, SLOT_GONE)
        return redirect(slots_url)
    form = build_details_form(
        organisation.territory, request.POST if request.method == "POST" else None
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        record = user_record_from_details(form)
        refusal = ratelimits.booking_refusal(
            request, motif_id=motif.pk, phone=record.phone, email=record.email
        )
        if refusal is None:
            try:
                rdv = book_online(
                    organisation, motif=motif, starts_at=slot.starts_at, user_record=record
                )
            except SlotUnavailable as error:
                messages.error(request, error.message)
                return redirect(slots_url)
            messages.success(request, "Votre rendez-vous est confirmé.")
            return redirect("booking:rdv_detail", rdv_token(rdv))
        form.add_error(None, refusal)
        status = 429
    return render(
        request,
        "booking/details.html",
        {"organisation": organisation, "motif": motif, "slot": slot, "form": form},
        status=status,
    )


@usager_rdv
def rdv_detail(request, rdv, token):
    return render(
        request,
        "booking/rdv_detail.html",
        {"rdv": rdv, "token": token, "can_cancel": can_cancel(rdv), "can_move": can_move(rdv)},
    )


@usager_rdv
@require_http_methods(["GET", "POST"])
def rdv_cancel(request, rdv, token):
    if not can_cancel(rdv):
        messages.error(request, CANNOT_CANCEL_ONLINE)
        return redirect("booking:rdv_detail", token)
    if request.method == "POST":
        try:
            cancel_online(rdv)
        except ServiceError as error:  # cancelled or moved meanwhile, e.g. from another tab
            messages.error(request, error.message)
        else:
            messages.success(request, "Votre rendez-vous est annulé.")
        return redirect("booking:rdv_detail", token)
    return render(request, "booking/rdv_cancel.html", {"rdv": rdv, "token": token})


@usager_rdv
def rdv_move(request, rdv, token):
    if not can_move(rdv):
        messages.error(request, CANNOT_MOVE_ONLINE)
        return redirect("booking:rdv_detail", token)
    context = _public_week(
        request, rdv.motif, rdv.organisation, ignore_rdv_id=rdv.pk, skip_start=rdv.starts_at
    )
    context.update(
        organisation=rdv.organisation,
        motif=rdv.motif,
        rdv=rdv,
        choose_url=reverse("booking:rdv_move_confirm", args=[token]),
        week_url=request.path,
    )
    return render(request, "booking/slots.html", context)


@usager_rdv
@require_http_methods(["GET", "POST"])
def rdv_move_confirm(request, rdv, token):
    move_url = reverse("booking:rdv_move", args=[token])
    if not can_move(rdv):
        messages.error(request, CANNOT_MOVE_ONLINE)
        return redirect("booking:rdv_detail", token)
    starts_at = _parse_start(request.GET.get("debut"))
    slot = starts_at and slot_at(
        rdv.motif, rdv.organisation, starts_at, public=True, ignore_rdv_id=rdv.pk
    )
    if not slot:
        messages.error(request, SLOT_GONE)
        return redirect(move_url)
    if request.method == "POST":
        # A move sends the mail and SMS again: it counts as a booking (not for the motif).
        for record in rdv.user_records.all():
            refusal = ratelimits.booking_refusal(
                request, motif_id=None, phone=record.phone, email=record.email
            )
            if refusal:
                messages.error(request, refusal)
                return redirect("booking:rdv_detail", token)
        try:
            move_online(rdv, slot.starts_at)
        except SlotUnavailable as error:
            messages.error(request, error.message)
            return redirect(move_url)
        except ServiceError as error:  # cancelled meanwhile, e.g. from another tab
            messages.error(request, error.message)
            return redirect("booking:rdv_detail", token)
        messages.success(request, "Votre rendez-vous a été déplacé.")
        return redirect("booking:rdv_detail", token)
    return render(
        request, "booking/rdv_move_confirm.html", {"rdv": rdv, "token": token, "slot": slot}
    )
