"""Every response carries a Content-Security-Policy that refuses inline script (the
browser tests run under it) and a Permissions-Policy; no template holds an inline
script for it to block."""

import re
from pathlib import Path

from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_every_kind_of_page_refuses_inline_script(client, admin_agent, territory, admin_user):
    pages = [reverse("login"), "/prendre-rdv/", "/nexiste-pas/"]
    responses = [client.get(url) for url in pages]
    client.force_login(admin_agent)
    responses.append(client.get(reverse("territories:dashboard", args=[territory.pk])))
    client.force_login(admin_user)
    responses.append(client.get("/admin/"))
    for response in responses:
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], response.request["PATH_INFO"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["style-src"]
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_forms_may_lead_to_proconnect_only_when_it_is_configured(client, db, settings):
    assert directives(client.get(reverse("login")))["form-action"] == ["'self'"]
    settings.PROCONNECT_DISCOVERY_URL = (
        "https://auth.exemple.gouv.fr/api/v2/.well-known/openid-configuration"
    )
    # Its buttons post to us, then are redirected there: the browser checks form-action.
    form_action = directives(client.get(reverse("login")))["form-action"]
    assert form_action == ["'self'", "https://auth.exemple.gouv.fr"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_event_handler():
    templates = [
        path
        for path in BASE_DIR.rglob("templates/**/*.html")
        if ".venv" not in path.parts and "/mail/" not in str(path)
    ]
    assert len(templates) > 50
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in templates
        if INLINE_SCRIPT.search(path.read_text()) or EVENT_HANDLER.search(path.read_text())
    ]
    assert offenders == []
