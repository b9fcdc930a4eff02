"""Public booking cannot be used to pump SMS and mails: bookings (and usagers' moves)
are limited per client address, phone number, e-mail address and motif, counted in
Redis (shared by every web process), with French messages."""

from html import unescape

import pytest
from django.test import Client

from config import ratelimits
from rdvs.models import Rdv
from rdvs.tokens import rdv_token
from tests.booking_helpers import paris
from tests.test_booking import (  # noqa: F401  fixtures
    DETAILS,
    agent,
    book,
    booked_rdv,
    frozen,
    motif,
    open_range,
    slot_param,
    url,
)

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

# Tuesday's six half-hour slots, then Wednesday's first.
SLOTS = [paris(2026, 3, 3, hour, minute) for hour in (9, 10, 11) for minute in (0, 30)]
SLOTS.append(paris(2026, 3, 4, 9, 0))


def numbered(number: int) -> dict:
    return {
        "last_name": f"Durand {number}",
        "email": f"usager{number}@exemple.fr",
        "phone": f"06 12 34 56 {number:02d}",
    }


def test_one_address_books_ten_rdvs_an_hour_at_most(
    client,
    frozen,  # noqa: F811
    organisation,
    motif,  # noqa: F811
    open_range,  # noqa: F811
):
    days = [paris(2026, 3, day, 9, minute) for day in (3, 4, 5, 6, 9, 10) for minute in (0, 30)]
    for number, when in enumerate(days[:10]):
        assert book(client, organisation, motif, when, **numbered(number)).status_code == 302
    refused = book(client, organisation, motif, days[10], **numbered(10))
    assert refused.status_code == 429
    assert "Trop de rendez-vous ont été pris depuis votre connexion" in unescape(refused.text)
    assert Rdv.objects.count() == 10
    # Someone else, elsewhere, still books.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert book(other, organisation, motif, days[10], **numbered(11)).status_code == 302


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("phone", "avec ce numéro de téléphone"),
        ("email", "avec cette adresse e-mail"),
    ],
)
def test_one_phone_number_or_email_gets_few_rdvs_a_day(
    frozen,  # noqa: F811
    organisation,
    motif,  # noqa: F811
    open_range,  # noqa: F811
    field,
    message,
):
    allowed = {"phone": 4, "email": 6}[field]
    for number, when in enumerate(SLOTS[: allowed + 1]):
        # From a new address each time, as a spread-out attack would.
        client = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        details = {**numbered(number), field: DETAILS[field]}
        response = book(client, organisation, motif, when, **details)
        if number < allowed:
            assert response.status_code == 302
    assert response.status_code == 429
    assert message in unescape(response.text)
    assert Rdv.objects.count() == allowed


def test_a_motif_takes_sixty_online_bookings_an_hour_at_most(
    frozen,  # noqa: F811
    organisation,
    motif,  # noqa: F811
    open_range,  # noqa: F811
    settings,
):
    request = Client().get("/").wsgi_request
    for number in range(60):
        request.META["REMOTE_ADDR"] = f"10.1.{number // 200}.{number % 200}"
        reason = ratelimits.booking_refusal(
            request, motif_id=motif.pk, phone=f"06000000{number:02d}", email=""
        )
        assert reason is None
    client = Client(REMOTE_ADDR="198.51.100.99")
    refused = book(client, organisation, motif, SLOTS[0], **numbered(1))
    assert refused.status_code == 429
    assert "Ce motif reçoit exceptionnellement beaucoup de demandes" in unescape(refused.text)


def test_an_address_already_refused_does_not_use_up_the_motifs_allowance(
    frozen,  # noqa: F811
    motif,  # noqa: F811
):
    request = Client().get("/").wsgi_request
    for _ in range(30):
        ratelimits.booking_refusal(request, motif_id=motif.pk, phone="", email="")
    assert not ratelimits.is_exhausted(request, ratelimits.BOOKINGS_PER_MOTIF, str(motif.pk))
    request.META["REMOTE_ADDR"] = "198.51.100.3"
    assert ratelimits.booking_refusal(request, motif_id=motif.pk, phone="", email="") is None


def test_moves_count_against_the_same_phone_number(
    client,
    frozen,  # noqa: F811
    organisation,
    motif,  # noqa: F811
    agent,  # noqa: F811
    open_range,  # noqa: F811
):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    token = rdv_token(rdv)
    moves = [paris(2026, 3, 4, 9, 0), paris(2026, 3, 4, 9, 30), paris(2026, 3, 4, 10, 0)]
    moves += [paris(2026, 3, 4, 10, 30), paris(2026, 3, 4, 11, 0)]
    for number, when in enumerate(moves):
        client = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        response = client.post(
            url("rdv_move_confirm", token) + f"?debut={slot_param(when)}", follow=True
        )
    assert "avec ce numéro de téléphone" in unescape(response.text)
    rdv.refresh_from_db()
    assert rdv.starts_at == moves[3]


def test_with_redis_down_booking_still_works(
    client,
    frozen,  # noqa: F811
    organisation,
    motif,  # noqa: F811
    open_range,  # noqa: F811
    redis_down,
):
    assert book(client, organisation, motif, SLOTS[0]).status_code == 302
