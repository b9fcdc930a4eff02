"""The Webhooks section: endpoints, secret, test event, deliveries and replays."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from territories.models import AuditEntry
from tests.factories import DeliveryFactory, EndpointFactory, OrganisationFactory
from tests.queries import assert_flat_query_count, count_queries
from tests.webhook_receiver import Reply, receiver  # noqa: F401
from webhooks import sending
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from webhooks.queries import MAX_ENDPOINTS, capped_count, shown_count

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def url(name, territory, **kwargs):
    return reverse(f"webhooks:{name}", kwargs={"territory_pk": territory.pk, **kwargs})


def endpoint_url(name, endpoint, **kwargs):
    return url(name, endpoint.territory, endpoint_pk=endpoint.pk, **kwargs)


def form_data(**overrides):
    data = {
        "url": "https://logiciel.exemple.fr/webhooks",
        "description": "Logiciel de suivi",
        "event_types": ["motif.*", "rdv.*"],
        "organisations": [],
    }
    return {**data, **overrides}


def test_section_lists_the_territorys_endpoints_only(admin_client, territory):
    EndpointFactory(territory=territory, url="https://a.exemple.fr/hook", description="Suivi")
    EndpointFactory(url="https://ailleurs.exemple.fr/hook")
    page = admin_client.get(url("section", territory)).content.decode()
    assert "<h1>Webhooks</h1>" in page
    assert "https://a.exemple.fr/hook" in page and "Suivi" in page
    assert "ailleurs" not in page


def test_a_basic_agent_gets_403(client, basic_agent, territory):
    client.force_login(basic_agent)
    endpoint = EndpointFactory(territory=territory)
    assert client.get(url("section", territory)).status_code == 403
    assert client.post(endpoint_url("ping", endpoint)).status_code == 403
    assert client.post(endpoint_url("delete", endpoint)).status_code == 403
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_create_shows_the_secret_once_and_audits_without_it(
    admin_client, territory, organisation, admin_agent
):
    response = admin_client.post(
        url("create", territory), form_data(organisations=[organisation.pk])
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response.url == endpoint_url("endpoint_detail", endpoint)
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 50
    assert endpoint.event_types == ["motif.*", "rdv.*"]
    assert list(endpoint.organisations.all()) == [organisation]

    first = admin_client.get(response.url).content.decode()
    assert endpoint.secret in first
    second = admin_client.get(response.url).content.decode()
    assert endpoint.secret not in second
    assert endpoint.masked_secret in second

    entry = AuditEntry.objects.get(action="webhook_endpoint.created")
    assert entry.actor == admin_agent
    assert endpoint.secret not in str(entry.after)


def test_all_events_replaces_the_individual_choices(admin_client, territory):
    admin_client.post(url("create", territory), form_data(event_types=["*", "motif.*"]))
    assert Endpoint.objects.get().event_types == ["*"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://logiciel.exemple.fr/hook", "https://"),
        ("https://moi:motdepasse@logiciel.exemple.fr/hook", "identifiant"),
        ("https://203.0.113.5/hook", "adresse IP"),
        ("https://[::1]/hook", "adresse IP"),
        ("https://localhost/hook", "machine locale"),
        ("https://api.interne.internal/hook", "machine locale"),
        ("https://intranet/hook", "adresse web valide"),
    ],
)
def test_unsafe_urls_are_refused_in_french(admin_client, territory, settings, target, message):
    settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
    response = admin_client.post(url("create", territory), form_data(url=target))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_local_targets_are_accepted_when_the_setting_allows_them(admin_client, territory):
    admin_client.post(url("create", territory), form_data(url="http://127.0.0.1:9000/hook"))
    assert Endpoint.objects.get().url == "http://127.0.0.1:9000/hook"


def test_a_foreign_organisation_is_refused(admin_client, territory):
    foreign = OrganisationFactory()
    response = admin_client.post(url("create", territory), form_data(organisations=[foreign.pk]))
    assert response.status_code == 200
    assert not Endpoint.objects.exists()


def test_at_most_20_endpoints_per_territory(admin_client, territory):
    EndpointFactory.create_batch(MAX_ENDPOINTS, territory=territory)
    listing = admin_client.get(url("section", territory)).content.decode()
    assert "limite de 20" in listing
    response = admin_client.post(url("create", territory), form_data())
    assert "au plus 20 points de réception" in response.content.decode()
    assert Endpoint.objects.filter(territory=territory).count() == MAX_ENDPOINTS


def test_edit_changes_the_endpoint_and_keeps_its_secret(admin_client, territory, organisation):
    endpoint = EndpointFactory(territory=territory)
    secret = endpoint.secret
    form = admin_client.get(endpoint_url("update", endpoint)).content.decode()
    assert endpoint.url in form
    response = admin_client.post(
        endpoint_url("update", endpoint),
        form_data(url="https://nouveau.exemple.fr/hook", legacy_signature="on"),
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://nouveau.exemple.fr/hook"
    assert endpoint.legacy_signature and endpoint.secret == secret
    entry = AuditEntry.objects.get(action="webhook_endpoint.updated")
    assert entry.before["url"] != entry.after["url"]


def test_disable_keeps_pending_deliveries_and_enable_makes_them_due(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    later = timezone.now() + timedelta(hours=10)
    pending = DeliveryFactory(endpoint=endpoint, next_attempt_at=later, schedule_step=6)

    admin_client.post(endpoint_url("disable", endpoint), {"reason": "Maintenance du logiciel"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Maintenance du logiciel"
    page = admin_client.get(endpoint_url("endpoint_detail", endpoint)).content.decode()
    assert "Point de réception désactivé" in page and "Maintenance du logiciel" in page
    assert Delivery.objects.get(pk=pending.pk).status == DeliveryStatus.PENDING

    admin_client.post(endpoint_url("enable", endpoint))
    endpoint.refresh_from_db()
    pending.refresh_from_db()
    assert endpoint.enabled and endpoint.disabled_reason == ""
    assert pending.next_attempt_at <= timezone.now() and pending.schedule_step == 0


def test_delete_asks_for_confirmation(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    DeliveryFactory(endpoint=endpoint)
    page = admin_client.get(endpoint_url("delete", endpoint)).content.decode()
    assert "Êtes-vous sûr" in page
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
    response = admin_client.post(endpoint_url("delete", endpoint))
    assert response.url == url("section", territory)
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEntry.objects.filter(action="webhook_endpoint.deleted").exists()


def test_rotate_shows_the_new_secret_once_and_keeps_the_old_for_the_overlap(
    admin_client, territory
):
    endpoint = EndpointFactory(territory=territory)
    old = endpoint.secret
    form = admin_client.get(endpoint_url("rotate", endpoint)).content.decode()
    assert 'value="24"' in form
    response = admin_client.post(endpoint_url("rotate", endpoint), {"overlap_hours": "24"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_expires_at > timezone.now() + timedelta(hours=23)
    page = admin_client.get(response.url).content.decode()
    assert endpoint.secret in page and old not in page
    assert "ancien secret signe aussi" in page

    admin_client.post(endpoint_url("rotate", endpoint), {"overlap_hours": "0"})
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == ""


def test_rotate_refuses_a_negative_overlap(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    response = admin_client.post(endpoint_url("rotate", endpoint), {"overlap_hours": "-1"})
    assert "ne peut pas être négative" in response.content.decode()


def test_test_event_shows_the_result_at_once(admin_client, territory, receiver):  # noqa: F811
    endpoint = EndpointFactory(territory=territory, url=receiver.url(), event_types=["rdv.*"])
    response = admin_client.post(endpoint_url("ping", endpoint), follow=True)
    assert "Événement de test reçu : réponse HTTP 200" in response.content.decode()
    (received,) = receiver.received()
    assert b'"type": "ping"' in received.body

    receiver.replies["/hook"] = Reply(500, body=b"erreur interne")
    response = admin_client.post(endpoint_url("ping", endpoint), follow=True)
    assert "Échec de l&#x27;événement de test (réponse HTTP 500)" in response.content.decode()
    ping = Delivery.objects.filter(event__type="ping").order_by("pk").last()
    assert ping.status == DeliveryStatus.PENDING and ping.schedule_step == 1


def test_test_event_to_an_unreachable_address_says_why(admin_client, territory, settings):
    settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
    endpoint = EndpointFactory(territory=territory, url="https://169.254.169.254/hook")
    response = admin_client.post(endpoint_url("ping", endpoint), follow=True)
    assert "adresse privée, locale ou réservée" in response.content.decode()


def test_deliveries_are_listed_filtered_and_paginated(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    failed = DeliveryFactory(
        endpoint=endpoint, status=DeliveryStatus.FAILED, event__type="rdv.created"
    )
    ok = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.SUCCEEDED)
    DeliveryFactory(endpoint=EndpointFactory(territory=territory))  # another endpoint

    page = admin_client.get(endpoint_url("endpoint_detail", endpoint)).content.decode()
    assert failed.webhook_id in page and ok.webhook_id in page
    filtered = admin_client.get(endpoint_url("endpoint_detail", endpoint), {"status": "failed"})
    assert failed.webhook_id in filtered.content.decode()
    assert ok.webhook_id not in filtered.content.decode()
    by_type = admin_client.get(
        endpoint_url("endpoint_detail", endpoint), {"type": "rdv"}
    ).content.decode()
    assert failed.webhook_id in by_type and ok.webhook_id not in by_type

    DeliveryFactory.create_batch(30, endpoint=endpoint)
    first = admin_client.get(endpoint_url("endpoint_detail", endpoint))
    assert "32 envois" in first.content.decode()
    older = first.context["deliveries"].older
    second = admin_client.get(endpoint_url("endpoint_detail", endpoint), {"avant": older})
    assert len(second.context["deliveries"].rows) == 7 and "Plus récents" in second.content.decode()


WEBHOOK_PAGES_QUERY_BUDGET = 12


def test_the_deliveries_are_walked_by_keyset_both_ways(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    deliveries = DeliveryFactory.create_batch(60, endpoint=endpoint)
    # Many share one created_at (a burst): the id breaks the tie, nothing is lost or repeated.
    moment = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries[10:50]]).update(created_at=moment)
    detail = endpoint_url("endpoint_detail", endpoint)

    seen, pages, query = [], [], {}
    while True:
        page = admin_client.get(detail, query).context["deliveries"]
        pages.append(page)
        seen += [d.pk for d in page.rows]
        if not page.older:
            break
        query = {"avant": page.older}
    expected = Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
    assert seen == list(expected.values_list("pk", flat=True))
    assert [len(page.rows) for page in pages] == [25, 25, 10]

    back = admin_client.get(detail, {"apres": pages[2].newer}).context["deliveries"]
    assert [d.pk for d in back.rows] == [d.pk for d in pages[1].rows]
    first = admin_client.get(detail, {"apres": back.newer}).context["deliveries"]
    assert [d.pk for d in first.rows] == [d.pk for d in pages[0].rows] and first.newer is None
    for forged in ("abc", "1e400_1", "99999999999999_x", "\x00"):
        assert admin_client.get(detail, {"avant": forged, "apres": forged}).status_code == 200


def test_counts_stop_at_a_cap(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    DeliveryFactory.create_batch(5, endpoint=endpoint, status=DeliveryStatus.FAILED)
    failed = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.FAILED)
    assert capped_count(failed, cap=3) == 4  # stopped past the cap: "more than 3"
    assert shown_count(4, cap=3) == "plus de 3" and shown_count(3, cap=3) == "3"
    assert shown_count(10_001) == "plus de 10\u202f000"
    listed = admin_client.get(url("section", territory)).context["rows"]
    assert [(pending, failed) for _, _, pending, failed in listed] == [("0", "5")]


def test_webhook_pages_have_an_absolute_query_budget(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    EndpointFactory.create_batch(4, territory=territory)
    DeliveryFactory.create_batch(40, endpoint=endpoint, status=DeliveryStatus.FAILED)
    detail = endpoint_url("endpoint_detail", endpoint)
    older = admin_client.get(detail).context["deliveries"].older
    for page in (
        lambda: admin_client.get(url("section", territory)),
        lambda: admin_client.get(detail),
        lambda: admin_client.get(detail, {"avant": older, "status": "failed", "type": "rdv"}),
    ):
        assert count_queries(page) <= WEBHOOK_PAGES_QUERY_BUDGET


def test_delivery_list_query_count_is_flat(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    DeliveryFactory.create_batch(5, endpoint=endpoint)
    assert_flat_query_count(
        lambda: admin_client.get(endpoint_url("endpoint_detail", endpoint)),
        lambda: DeliveryFactory.create_batch(40, endpoint=endpoint),
    )
    assert_flat_query_count(
        lambda: admin_client.get(url("section", territory)),
        lambda: EndpointFactory.create_batch(10, territory=territory),
    )


def test_delivery_detail_shows_attempts_and_resend_keeps_the_webhook_id(
    admin_client,
    territory,
    receiver,  # noqa: F811
):
    receiver.replies["/hook"] = Reply(503, body=b"indisponible")
    endpoint = EndpointFactory(territory=territory, url=receiver.url())
    delivery = DeliveryFactory(endpoint=endpoint)
    sending.attempt_delivery(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

    page = admin_client.get(endpoint_url("delivery_detail", endpoint, delivery_pk=delivery.pk))
    content = page.content.decode()
    assert "503" in content and "indisponible" in content and delivery.webhook_id in content

    admin_client.post(endpoint_url("delivery_resend", endpoint, delivery_pk=delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.schedule_step == 0
    receiver.replies["/hook"] = Reply(200)
    sending.attempt_delivery(delivery.pk)
    assert {r.headers["webhook-id"] for r in receiver.received()} == {delivery.webhook_id}
    assert Attempt.objects.filter(delivery=delivery).count() == 2


def test_resend_all_failures_since_a_date(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    recent = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    old = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    succeeded = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.SUCCEEDED)

    form = admin_client.get(endpoint_url("resend_failed", endpoint)).content.decode()
    assert "Renvoyer les envois en échec depuis le" in form
    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = admin_client.post(endpoint_url("resend_failed", endpoint), {"since": since})
    assert response.status_code == 302
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses[recent.pk] == DeliveryStatus.PENDING
    assert statuses[old.pk] == DeliveryStatus.FAILED
    assert statuses[succeeded.pk] == DeliveryStatus.SUCCEEDED

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = admin_client.post(endpoint_url("resend_failed", endpoint), {"since": future})
    assert "ne peut pas être dans le futur" in response.content.decode()


def test_another_endpoints_delivery_is_404(admin_client, territory):
    endpoint = EndpointFactory(territory=territory)
    other = DeliveryFactory(endpoint=EndpointFactory(territory=territory))
    assert (
        admin_client.get(
            endpoint_url("delivery_detail", endpoint, delivery_pk=other.pk)
        ).status_code
        == 404
    )
    assert (
        admin_client.post(
            endpoint_url("delivery_resend", endpoint, delivery_pk=other.pk)
        ).status_code
        == 404
    )


def test_resends_and_the_test_event_are_in_the_audit_log(
    admin_client,
    territory,
    admin_agent,
    receiver,  # noqa: F811
):
    endpoint = EndpointFactory(territory=territory, url=receiver.url())
    delivery = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    admin_client.post(endpoint_url("delivery_resend", endpoint, delivery_pk=delivery.pk))
    resent = AuditEntry.objects.get(action="webhook_delivery.resent")
    assert resent.actor == admin_agent and resent.object_id == str(delivery.pk)
    assert (resent.before["status"], resent.after["status"]) == ("failed", "pending")

    DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    admin_client.post(endpoint_url("resend_failed", endpoint), {"since": since})
    entry = AuditEntry.objects.get(action="webhook_endpoint.failed_deliveries_resent")
    assert entry.actor == admin_agent and entry.after["resent"] == 1

    admin_client.post(endpoint_url("ping", endpoint))
    pinged = AuditEntry.objects.get(action="webhook_endpoint.pinged")
    assert pinged.actor == admin_agent and pinged.object_id == str(endpoint.pk)
