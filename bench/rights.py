"""User records seen through the access rights, at a département's size.

    make bench BENCH=rights                                  # build (once) and measure
    make bench BENCH=rights BENCH_ARGS="--scale 0.05 --rebuild"  # a small try

Builds, in a database of its own (`bench_rights`, kept between runs; `--rebuild` starts
again), a territory of 500 organisations and 500,000 user records, each followed by one
organisation, one record in ten also by the busiest one (50,000 records there):
550,000 links. Then requests the agents' user-record list (first page, and a search)
as three callers: a basic agent of the busiest organisation, an agent of a brand-new
organisation (which follows no record) and the territory admin (the CSV export is built
by a worker now, see tests/test_exports.py). Prints the median and worst time of each, with
the number of queries; then the plan PostgreSQL chose for the agent's count, whose filter
is territories.permissions.visible_user_records: an EXISTS on the link table, read
through its indexes, never a list of record ids.
"""

from __future__ import annotations

import argparse
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.pages import ensure_database, insert_series, migrate, sql_array

DB_NAME = "bench_rights"
ORGANISATIONS = 500
RECORDS = 500_000
RUNS = 7
NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Lefèvre"]


def build(scale: float) -> None:
    from agents.models import Agent
    from territories.models import AccessLevel, AgentRole, Organisation, Territory, TerritoryAdmin
    from user_records.models import UserRecord

    organisations, records = max(int(ORGANISATIONS * scale), 10), max(int(RECORDS * scale), 100)
    print(f"Construction : {organisations:,} organisations, {records:,} fiches usagers")
    territory = Territory.objects.create(name="Département de test", departement_number="98")
    insert_series(
        Organisation,
        organisations,
        {"territory_id": str(territory.pk), "name": "'Organisation ' || g"},
        step="organisations",
    )
    first_org = Organisation.objects.filter(territory=territory).order_by("pk")[0].pk
    insert_series(
        UserRecord,
        records,
        {
            "territory_id": str(territory.pk),
            "first_name": "'Usager ' || g",
            "last_name": f"({sql_array(NAMES)})[1 + g % {len(NAMES)}] || ' ' || g",
            "custom_values": "'{}'::jsonb",
        },
        step="fiches usagers",
    )
    first_record = UserRecord.objects.filter(territory=territory).order_by("pk")[0].pk
    link = UserRecord.organisations.through._meta
    with connection.cursor() as cursor:
        began = time.monotonic()
        # Each record is followed by one organisation; one in ten by the first one too.
        # By runs of 8 records (g / 8), which hold every name: chosen by g itself, an
        # organisation would follow only the names of its g's parity, and its records would
        # skip whole letters of the alphabet.
        cursor.execute(
            f'INSERT INTO "{link.db_table}" (userrecord_id, organisation_id) '  # noqa: S608
            f"SELECT {first_record} + g - 1, {first_org} + (g / 8) %% {organisations} "
            "FROM generate_series(1, %s) g "
            f"UNION SELECT {first_record} + g - 1, {first_org} "
            "FROM generate_series(1, %s) g WHERE (g / 8) %% 10 = 0 "
            "ON CONFLICT DO NOTHING",
            [records, records],
        )
        cursor.execute(f'ANALYZE "{link.db_table}", "{UserRecord._meta.db_table}"')
        print(f"  liens organisation–fiche : {time.monotonic() - began:.0f} s")
    busy = Agent.objects.create(email="basique@bench.rdv-territoire.fr", last_name="Basique")
    AgentRole.objects.create(agent=busy, organisation_id=first_org, access_level=AccessLevel.BASIC)
    newcomer = Agent.objects.create(email="nouveau@bench.rdv-territoire.fr", last_name="Nouveau")
    brand_new = Organisation.objects.create(territory=territory, name="Organisation nouvelle")
    AgentRole.objects.create(agent=newcomer, organisation=brand_new)
    admin = Agent.objects.create(email="admin@bench.rdv-territoire.fr", last_name="Admin")
    TerritoryAdmin.objects.create(agent=admin, territory=territory)


def measure(client: Client, url: str, query: dict | None = None) -> tuple[float, float, int]:
    """Median and worst milliseconds over RUNS (after one warm-up), and the queries."""
    timings = []
    queries = 0
    for run in range(RUNS + 1):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url, query or {})
            if response.streaming:
                for _ in response.streaming_content:
                    pass
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        if run:
            timings.append(elapsed)
            queries = len(captured)
    return statistics.median(timings), max(timings), queries


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=rights")
    parser.add_argument("--scale", type=float, default=1.0, help="taille (1 = cible)")
    parser.add_argument("--rebuild", action="store_true", help="reconstruire la base")
    options = parser.parse_args(argv)

    from django_scopes import scope, scopes_disabled

    from agents.models import Agent
    from territories import permissions
    from territories.models import Territory
    from user_records.models import UserRecord

    original = connection.settings_dict["NAME"]
    ensure_database(options.rebuild, name=DB_NAME)
    connection.close()
    connection.settings_dict["NAME"] = DB_NAME
    try:
        migrate()
        with scopes_disabled():
            territory = Territory.objects.filter(departement_number="98").first()
            if territory is None:
                build(options.scale)
                territory = Territory.objects.get(departement_number="98")
            callers = {
                "agent de l'organisation la plus suivie": "basique@bench.rdv-territoire.fr",
                "agent d'une organisation nouvelle": "nouveau@bench.rdv-territoire.fr",
                "administrateur d'espace": "admin@bench.rdv-territoire.fr",
            }
            agents = {label: Agent.objects.get(email=email) for label, email in callers.items()}
        kwargs = {"territory_pk": territory.pk}
        pages = [
            ("liste", reverse("user_records:list", kwargs=kwargs), None),
            ("recherche « martin »", reverse("user_records:list", kwargs=kwargs), {"q": "martin"}),
        ]
        print(f"\n{'appelant':<40} {'page':<22} {'médiane':>9} {'pire':>9} {'requêtes':>9}")
        for label, agent in agents.items():
            client = Client(HTTP_HOST="localhost")
            client.force_login(agent)
            for page, url, query in pages:
                median, worst, queries = measure(client, url, query)
                print(f"{label:<40} {page:<22} {median:>7.0f} ms {worst:>6.0f} ms {queries:>9}")
        agent = agents["agent de l'organisation la plus suivie"]
        with scope(territory=territory):
            seen = permissions.visible_user_records(agent, territory, UserRecord.objects.all())
            sql, params = seen.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            explain = f"EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM ({sql}) seen"  # noqa: S608
            cursor.execute(explain, params)  # Django's own SQL and parameters
            print("\nPlan du compte des fiches de l'agent :")
            for (line,) in cursor.fetchall():
                print(f"  {line}")
        return 0
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
