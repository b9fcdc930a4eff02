"""Outside development (DEBUG=False) the product refuses what is only safe on a
developer's machine: the secret key written in the code, the demo accounts, headers
any client can forge."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from agents.models import Agent

BASE_DIR = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("key", [None, "", django_settings.DEVELOPMENT_SECRET_KEY])
def test_without_a_real_secret_key_production_settings_refuse_to_load(key):
    env = {"DEBUG": "False", "ALLOWED_HOSTS": "rdv.exemple.fr"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "SECRET_KEY manquante" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_check_deploy_fails_on_the_development_key():
    result = manage("check", "--deploy")  # DEBUG unset: development defaults
    assert result.returncode != 0
    assert "rdv.E001" in result.stderr
    assert "clé de développement" in result.stderr


def test_seed_demo_refuses_to_run_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="qu'en développement"):
        call_command("seed_demo")
    assert not Agent.objects.exists()


PRODUCTION = {"DEBUG": "False", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "rdv.exemple.fr"}
SHOW_PROXY_SETTINGS = (
    "from django.conf import settings; "
    "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None), settings.BEHIND_REVERSE_PROXY)"
)


def test_forwarded_headers_are_believed_only_behind_the_reverse_proxy():
    direct = manage("shell", "-v", "0", "-c", SHOW_PROXY_SETTINGS, **PRODUCTION)
    assert direct.stdout.split() == ["None", "False"], direct.stderr
    proxied = manage(
        "shell", "-v", "0", "-c", SHOW_PROXY_SETTINGS, **PRODUCTION, BEHIND_REVERSE_PROXY="True"
    )
    assert proxied.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "True"]


def test_compose_publishes_only_the_proxy_and_gunicorn_trusts_it():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["image"].startswith("caddy:")
    assert "./config/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert "reverse_proxy web:8000" in (BASE_DIR / "config" / "Caddyfile").read_text()
    web = services["web"]
    assert web["environment"]["BEHIND_REVERSE_PROXY"] == "True"
    assert "gunicorn -c config/gunicorn.py" in web["command"]
    assert "BEHIND_REVERSE_PROXY" not in compose["x-app"]["environment"]  # worker, beat
