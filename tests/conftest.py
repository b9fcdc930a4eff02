"""Fixtures: three people as in healthchecks' tests — a territory admin, a basic agent
of the same territory, and an outsider who administers another territory."""

import os
from contextlib import contextmanager

import pytest
from django_scopes import scope

from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    OrganisationFactory,
    ServiceFactory,
    TerritoryAdminFactory,
    TerritoryFactory,
    TerritoryServiceFactory,
)

# The local OpenID Connect provider (playing ProConnect) and its fixtures; the people of
# the access-rights tests (`world`).
pytest_plugins = ["tests.oidc_provider", "tests.rights_world"]


@pytest.fixture(autouse=True)
def _isolated_outbox(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the shared Redis: every test starts without any."""
    from config.ratelimits import forget_all

    forget_all()


@pytest.fixture
def redis_down(settings):
    """The cache (Redis) unreachable, as during an outage: nothing listens there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }


@pytest.fixture
def in_territory(territory):
    """The test body runs inside the territory's scope, as a request or a task does:
    a query that strays into another territory finds nothing, an unscoped one fails."""
    with scope(territory=territory):
        yield territory


@pytest.fixture
def territory(db):
    return TerritoryFactory(name="Drôme", departement_number="26")


@pytest.fixture
def organisation(territory):
    return OrganisationFactory(territory=territory, name="Maison des solidarités de Valence")


@pytest.fixture
def service(territory):
    service = ServiceFactory(name="Service social", short_name="SSD")
    TerritoryServiceFactory(territory=territory, service=service)
    return service


@pytest.fixture
def admin_agent(territory, organisation):
    """Alice: Administratrice d'Espace of the territory, admin of its organisation."""
    agent = AgentFactory(email="alice@exemple.fr", first_name="Alice", last_name="Admin")
    TerritoryAdminFactory(agent=agent, territory=territory)
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="admin")
    return agent


@pytest.fixture
def basic_agent(territory, organisation):
    """Bob: a basic agent of the same organisation, not a territory admin."""
    agent = AgentFactory(email="bob@exemple.fr", first_name="Bob", last_name="Agent")
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="basic")
    return agent


@pytest.fixture
def other_territory(db):
    return TerritoryFactory(name="Ardèche", departement_number="07")


@pytest.fixture
def outsider(other_territory):
    """Charlie: administers another territory only."""
    agent = AgentFactory(email="charlie@exemple.fr", first_name="Charlie", last_name="Ailleurs")
    TerritoryAdminFactory(agent=agent, territory=other_territory)
    AgentRoleFactory(agent=agent, organisation=OrganisationFactory(territory=other_territory))
    return agent


@pytest.fixture
def admin_client(client, admin_agent):
    client.force_login(admin_agent)
    return client


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming the real Redis broker."""
    with worker_running() as worker:
        yield worker


@contextmanager
def worker_running(purge: bool = True):
    """A real Celery worker for the duration of the block (for a test that starts it
    part-way, e.g. to see a task's work waiting first)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from config.celery import app

    def close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    if purge:
        app.control.purge()
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=["celery", "webhooks"],
        shutdown_timeout=10,
    ) as worker:
        yield worker
    task_postrun.disconnect(close_connections)


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread; Django would
    # otherwise refuse ORM calls there. The live server runs in its own thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Hundreds of agents are made and logged in: the real hasher's deliberate slowness
    # (a third of a second per password) would be most of the suite's time.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
