"""Exports at target size: 1,000,000 RDVs over two years (each with a usager and an
agent), 500,000 user records. Builds the territory admin's export of every RDV, then of
every user record, as the worker does (exports.building), and prints rows per second,
the CSV's size and the process's peak memory: the goal is memory that does not grow
with the rows (one batch at a time).

    make bench BENCH=exports                        # BENCH_ARGS="--scale 0.1" to try it

Builds its data in a database of its own (bench_exports, created then dropped on the
same server): development data is never touched.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from bench import reminders

AGENTS = 100  # RDVs every ~63 s, 30 minutes long: 100 agents in turn never overlap


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_agents(territory):
    from agents.models import Agent
    from rdvs.models import Rdv, RdvAgent
    from territories.models import Organisation, TerritoryAdmin

    organisation = Organisation.objects.get(territory=territory)
    agents = Agent.objects.bulk_create(
        Agent(email=f"agent{n}@bench.rdv-territoire.fr", first_name="Agent", last_name=f"N{n}")
        for n in range(AGENTS)
    )
    admin = agents[0]
    TerritoryAdmin.objects.create(territory=territory, agent=admin)
    first_agent = agents[0].pk
    table = RdvAgent._meta.db_table
    rdv_table = Rdv._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (rdv_id, agent_id, starts_at, ends_at, holds_time) '  # noqa: S608
            f"SELECT id, {first_agent} + id %% {AGENTS}, starts_at, ends_at, true "
            f'FROM "{rdv_table}"',
            [],  # no parameter, but `%%` read as `%`
        )
        cursor.execute("ANALYZE")
    return admin, organisation


def run(export, label: str) -> None:
    from exports.building import build
    from exports.models import Export

    began, before = time.monotonic(), peak_mb()
    with scope(territory=export.territory):
        build(export)
    elapsed = time.monotonic() - began
    with scopes_disabled():
        export = Export.objects.get(pk=export.pk)
    size = export.file.stat().st_size / 1024 / 1024
    print(
        f"  {label:<16} {export.status} : {export.rows_done:>9,} lignes sources en "
        f"{elapsed:6.1f} s ({export.rows_done / elapsed:>7,.0f} /s), fichier {size:,.0f} Mo, "
        f"mémoire max du processus {before:,.0f} -> {peak_mb():,.0f} Mo"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=exports")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = "bench_exports"
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    settings.EXPORTS_DIR = tempfile.mkdtemp(prefix="bench-exports-")
    try:
        from exports import tables
        from exports.models import LIFETIME, Export, ExportKind
        from territories.models import Territory

        with scopes_disabled():
            reminders.build(args.scale)
            territory = Territory.objects.get(departement_number="99")
            admin, _ = add_agents(territory)
            today = timezone.localdate()
            period = {
                "du": (today - timedelta(days=366)).isoformat(),
                "au": (today + timedelta(days=366)).isoformat(),
            }
            expires = timezone.now() + LIFETIME
            rdvs = Export.objects.create(
                territory=territory,
                requested_by=admin,
                kind=ExportKind.RDVS,
                filters=period,
                expires_at=expires,
            )
            records = Export.objects.create(
                territory=territory,
                requested_by=admin,
                kind=ExportKind.USER_RECORDS,
                expires_at=expires,
            )
        print(f"\nExports (lots de {tables.BATCH} lignes) :")
        run(rdvs, "RDV")
        run(records, "fiches usagers")
    finally:
        creation.destroy_test_db(original_name, verbosity=0)
    return 0
