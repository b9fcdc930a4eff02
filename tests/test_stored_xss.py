"""Stored and reflected XSS: a payload planted in every text a person can enter (by an
admin, an agent, a usager, support staff or a webhook receiver's answer) is shown as
text everywhere it is rendered — every page of the demo territory for its admin and
agent, the public booking flow, the usager's RDV page, the Django admin, the
development outbox, every mail and SMS — and webhook bodies carry it as JSON."""

from __future__ import annotations

import io
import json
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.test import override_settings
from django.utils import timezone

from agents.models import Agent
from agents.tasks import send_invitation_mail, send_password_reset_mail
from booking.tasks import notify_agents, send_rdv_mail, send_rdv_sms
from booking.views import ACKNOWLEDGED
from config.outbox import OutboxEmailBackend
from config.sms import outbox as sms_outbox
from rdvs.models import Rdv
from rdvs.tasks import send_arrival_mail
from rdvs.tokens import rdv_token
from territories.models import Organisation, Territory
from tests import factories
from tests.test_project import PROJECT_APPS
from webhooks import signing
from webhooks.models import Attempt, Event
from webhooks.sending import mail_admins_of

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# Closes an attribute first, so that text rendered inside one is caught too.
PAYLOAD = f'"><{IMG[1:]}{SCRIPT}'
# Fields a person never types: secrets and the identifiers the code routes on.
NOT_ENTERED = {"password", "secret", "previous_secret", "webhook_id", "type", "action"}
MAX_PAGES = 600


def raw_markers(text: str) -> list[str]:
    return [marker for marker in (SCRIPT, IMG) if marker in text]


def _plain_validators(field) -> bool:
    """Fields whose validation would refuse the payload (phone, colour…) are skipped:
    no form lets it in."""
    allowed = (MaxLengthValidator, ProhibitNullCharactersValidator)
    return all(isinstance(v, allowed) for v in field.validators)


def _planted_json(value, pk: int):
    if isinstance(value, str):
        return f"{PAYLOAD}{pk}"
    if isinstance(value, list):
        return [_planted_json(item, pk * 100 + i) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _planted_json(item, pk) for key, item in value.items()}
    return value


def plant_everywhere() -> int:
    """Overwrite every free-text field of every project row with the payload."""
    planted = 0
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        texts = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not isinstance(f, models.EmailField | models.URLField | models.SlugField)
            and f.editable
            and not f.choices
            and f.name not in NOT_ENTERED
            and (f.max_length or 1000) >= len(PAYLOAD) + 6
            and _plain_validators(f)
        ]
        jsons = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        if not texts and not jsons:
            continue
        for row in model._base_manager.all():
            for f in texts:
                setattr(row, f.name, f"{PAYLOAD}{row.pk}")
            for f in jsons:
                setattr(row, f.name, _planted_json(getattr(row, f.name), row.pk))
            row.save(update_fields=[f.name for f in texts + jsons])
            planted += 1
    return planted


class PageParser(HTMLParser):
    """Links (href, and htmx's hx-get) and POST forms with their fields."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "hx-get"):
            if attrs.get(name) and tag in ("a", "div", "button", "section", "ul"):
                self.links.append(attrs[name])
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": [], "texts": 0}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select"):
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            self._form["fields"].append((kind, attrs.get("name"), attrs.get("value") or ""))
            if kind in ("text", "textarea", "email", "search", "tel", "url"):
                self._form["texts"] += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _shape(url: str) -> str:
    """One visit per kind of page: ids and parameter values do not make a new page."""
    path, _, query = url.partition("?")
    names = sorted({part.split("=")[0] for part in query.split("&") if part})
    return re.sub(r"\d+", "N", path) + "?" + "&".join(names)


def crawl(client, starts: list[str], skipped: tuple[str, ...]) -> tuple[list[str], list]:
    """Walk the pages reachable from `starts`; return the findings and the POST forms."""
    seen = {_shape(url) for url in starts}
    queue = deque(starts)
    findings, forms = [], []
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        visited += 1
        try:
            response = client.get(url)
        except Exception as exc:  # noqa: BLE001  a crash is a finding
            findings.append(f"GET {url} -> {type(exc).__name__}: {exc}")
            continue
        if response.status_code >= 500:
            findings.append(f"GET {url} -> {response.status_code}")
        if "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        findings += [f"GET {url}: {marker} unescaped" for marker in raw_markers(html)]
        parser = PageParser()
        parser.feed(html)
        forms += [(url, form) for form in parser.forms if form["texts"]]
        for link in parser.links:
            link = urldefrag(urljoin(url, link))[0]
            parsed = urlparse(link)
            if parsed.scheme or parsed.netloc or link.startswith(skipped):
                continue
            if _shape(link) not in seen:
                seen.add(_shape(link))
                queue.append(link)
    assert visited < MAX_PAGES, "crawl cut short: raise MAX_PAGES"
    return findings, forms


def post_payload_into(client, forms) -> list[str]:
    """Reflected XSS: every form with free text, filled with the payload and posted."""
    findings = []
    done = set()
    for page, form in forms:
        action = urljoin(page, form["action"]) or page
        if _shape(action) in done:
            continue
        done.add(_shape(action))
        data: dict[str, list[str]] = {}
        for kind, name, value in form["fields"]:
            if not name or kind in ("checkbox", "radio", "submit", "file"):
                continue
            filled = PAYLOAD if kind in ("text", "textarea", "email", "search", "tel") else value
            data.setdefault(name, []).append(filled)
        try:
            response = client.post(action, data, follow=True)
        except Exception as exc:  # noqa: BLE001  a crash is a finding
            findings.append(f"POST {action} -> {type(exc).__name__}: {exc}")
            continue
        if response.status_code >= 500:
            findings.append(f"POST {action} -> {response.status_code}")
        if "html" in response.get("Content-Type", ""):
            html = response.content.decode()
            findings += [f"POST {action}: {m} unescaped" for m in raw_markers(html)]
    return findings


@pytest.fixture
def planted(db, settings):
    with override_settings(DEBUG=True):  # seed_demo runs in development only
        call_command("seed_demo", stdout=io.StringIO())
    territory = Territory.objects.get(name="Drôme")
    organisation = Organisation.objects.get(name="Maison des solidarités de Valence")
    admin = Agent.objects.get(email="admin@demo.rdv-territoire.fr")
    agent = Agent.objects.get(email="agent@demo.rdv-territoire.fr")
    online = territory.motifs.get(bookable_by_public=True)
    for field_type in ("short_text", "single_choice", "multiple_choice"):
        factories.CustomFieldFactory(
            territory=territory,
            field_type=field_type,
            asked_in_booking=True,
            choices=["un", "deux"] if "choice" in field_type else [],
        )
    factories.RdvSettingsFactory(territory=territory)
    record = factories.UserRecordFactory(
        territory=territory, phone="06 12 34 56 78", custom_values={"champ": "x"}
    )
    record.organisations.add(organisation)
    rdv = factories.rdv_with_agents(
        agent,
        territory=territory,
        organisation=organisation,
        motif=online,
        user_records=[record],
        context="contexte",
    )
    factories.AvailabilityRangeFactory(
        territory=territory, organisation=organisation, agent=agent, title="plage"
    )
    factories.AbsenceFactory(territory=territory, agent=agent, title="absence")
    invitation = factories.InvitationFactory(
        territory=territory, invited_by=admin, organisations=[organisation]
    )
    delivery = factories.DeliveryFactory(
        endpoint=factories.EndpointFactory(territory=territory, description="point"),
        event=factories.EventFactory(territory=territory, payload={"name": "x"}),
    )
    Attempt.objects.create(
        delivery=delivery, attempted_at=rdv.created_at, status_code=500, response_excerpt="r"
    )
    factories.AuditEntryFactory(territory=territory, actor=admin, after={"name": "x"})
    assert plant_everywhere() > 20
    return {
        "territory": territory,
        "rdv": rdv,
        "invitation": invitation,
        "admin": admin,
        "agent": agent,
        "delivery": delivery,
        "online": online,
    }


def test_every_page_shows_planted_text_as_text(client, planted):
    findings = []
    # django-dsfr's own settings model holds no project text.
    skipped = ("/static/", "/deconnexion/", "/admin/logout/", "/admin/dsfr/", "/dev/")
    for email in ("admin@demo.rdv-territoire.fr", "agent@demo.rdv-territoire.fr"):
        client.force_login(Agent.objects.get(email=email))
        found, forms = crawl(client, ["/territoires/"], skipped + ("/admin/",))
        findings += found + post_payload_into(client, forms)
    client.force_login(Agent.objects.get(email="support@demo.rdv-territoire.fr"))
    found, forms = crawl(client, ["/admin/"], skipped)
    findings += found + post_payload_into(client, forms)

    client.logout()
    session = client.session
    online = planted["online"]
    session[ACKNOWLEDGED] = [online.pk]
    session.save()
    starts = [
        "/prendre-rdv/",
        f"/prendre-rdv/organisations/{online.organisations.first().pk}/motifs/{online.pk}/creneaux/",
        f"/prendre-rdv/rdv/{rdv_token(planted['rdv'])}/",
        f"/invitations/{planted['invitation'].token}/",
    ]
    found, forms = crawl(client, starts, skipped + ("/admin/", "/territoires/"))
    findings += found + post_payload_into(client, forms)
    assert findings == [], "\n".join(findings)


def test_mails_sms_and_webhook_bodies_carry_planted_text_safely(
    planted, settings, client, mailoutbox, django_capture_on_commit_callbacks
):
    rdv, agent = planted["rdv"], planted["agent"]
    Rdv.objects.filter(pk=rdv.pk).update(arrived_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        for change in ("created", "moved"):
            send_rdv_mail(rdv.pk, change)
            send_rdv_sms(rdv.pk, change)
        for change in ("cancelled", "moved"):
            notify_agents(rdv.pk, change)
        send_arrival_mail(rdv.pk, agent.pk)
        send_password_reset_mail(agent.pk)
        send_invitation_mail(planted["invitation"].pk)
        endpoint = planted["delivery"].endpoint
        for template in ("webhooks/mail/endpoint_failing", "webhooks/mail/endpoint_disabled"):
            mail_admins_of(endpoint, template)

    assert len(mailoutbox) >= 9
    for message in mailoutbox:
        html = message.alternatives[0][0]
        assert raw_markers(html) == [], (message.subject, html)
        # Text parts and subjects are not HTML: shown as typed, never entity-escaped.
        for plain in (message.body, message.subject):
            assert "&lt;" not in plain and "&quot;" not in plain, plain
    assert any(PAYLOAD in message.body for message in mailoutbox)

    texts = [sms.text for sms in sms_outbox()]
    assert len(texts) == 2 and all(PAYLOAD in text for text in texts)

    # The development outbox renders each mail in a sandboxed frame, as text.
    settings.DEBUG = True
    client.force_login(planted["admin"])
    OutboxEmailBackend().send_messages(mailoutbox)
    for path in Path(settings.OUTBOX_DIR).glob("*.eml"):
        assert raw_markers(client.get(f"/dev/outbox/{path.stem}/").content.decode()) == []
    assert raw_markers(client.get("/dev/outbox/").content.decode()) == []

    for event in Event.objects.filter(territory=planted["territory"]):
        body = signing.body(event, "msg_test")
        assert b"&lt;" not in body and b"&quot;" not in body
        assert PAYLOAD in json.dumps(json.loads(body), ensure_ascii=False)


def test_the_crawler_would_catch_an_unescaped_text():
    parser = PageParser()
    parser.feed(f'<a href="/x">{PAYLOAD}</a><form method="post"><input name="a"></form>')
    assert raw_markers(f"<p>{PAYLOAD}</p>") == [SCRIPT, IMG]
    assert raw_markers("<p>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</p>") == []
    assert parser.links == ["/x"] and parser.forms[0]["texts"] == 1
