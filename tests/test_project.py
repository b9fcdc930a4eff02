"""Project-level promises: demo data, production settings, the support admin."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent
from availability.slots import find_slots
from motifs.models import Motif
from territories.models import Organisation, Territory, TerritoryAdmin

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

BASE_DIR = Path(__file__).resolve().parent.parent


def test_seed_demo_is_idempotent(db, settings):
    settings.DEBUG = True  # development only (see test_production_safety)
    call_command("seed_demo")
    counts = (Territory.objects.count(), Organisation.objects.count(), Agent.objects.count())
    call_command("seed_demo")
    assert (
        Territory.objects.count(),
        Organisation.objects.count(),
        Agent.objects.count(),
    ) == counts
    drome = Territory.objects.get(name="Drôme")
    assert drome.organisations.count() == 3
    online = Motif.objects.get(territory=drome, bookable_by_public=True)
    today = timezone.localdate()
    organisation = online.organisations.get()
    assert find_slots(online, organisation, today, today + timedelta(days=14))
    assert TerritoryAdmin.objects.filter(
        territory=drome, agent__email="admin@demo.rdv-territoire.fr"
    ).exists()


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "False",
        "SECRET_KEY": "a" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "rdv-territoire.exemple.fr",
        "EMAIL_BACKEND": "anymail.backends.brevo.EmailBackend",
        "BREVO_API_KEY": "xkeysib-test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_uses_sqlite():
    assert django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in BASE_DIR.rglob("*.py")
        if ".venv" not in path.parts
        and ".local" not in path.parts
        and path.name != "test_project.py"
        and "sqlite" in path.read_text(encoding="utf-8").lower()
    ]
    assert offenders == []


PROJECT_APPS = [
    "agents",
    "territories",
    "motifs",
    "user_records",
    "rdv_settings",
    "rdvs",
    "availability",
    "webhooks",
]


@pytest.mark.parametrize(
    "model",
    [m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()],
    ids=lambda m: m._meta.label,
)
def test_support_staff_find_every_model_in_the_admin(client, admin_user, model, territory):
    from django.contrib import admin

    assert model in admin.site._registry, f"{model._meta.label} is not in the Django admin"
    model_admin = admin.site._registry[model]
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "drome"}).status_code == 200
    has_territory = any(
        f.name == "territory" for f in model._meta.get_fields()
    ) or model._meta.model_name in {"agentrole", "agent"}
    if has_territory:
        filters = " ".join(str(f) for f in model_admin.list_filter)
        assert "territory" in filters, f"{model._meta.label} has no territory filter"
    if model_admin.search_fields == ():
        pytest.fail(f"{model._meta.label} has no search")
