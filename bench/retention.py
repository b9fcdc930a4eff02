"""The retention clean-up and the duplicates at a département's size.

    make bench BENCH=retention                             (500,000 user records)
    make bench BENCH=retention BENCH_ARGS="--records 50000"  (to try the bench)

Builds, in a throw-away database (`bench_retention`, dropped and created each run), one
territory of N user records — a fifth past a 2-year retention period, one in ten of
those with an RDV (kept anonymised), namesakes sharing birth dates so that probable
duplicates exist — then prints:

- the time of the migration's statement that flags the duplicates already there;
- the time of flagging one new record's duplicates, and of the first page of the
  duplicates screen (the indexed reads an agent waits for);
- the dry run's counts and time (what the admin's page computes);
- the clean-up: records deleted, batches, seconds, seconds per batch (p50/max),
  queries per batch, and the process's peak memory before and after (bounded memory
  means the peak does not grow with the number of batches).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import timedelta
from importlib import import_module

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.pages import ensure_database, insert_series, migrate, sql_array

DB_NAME = "bench_retention"
# One record in a thousand is typed again: same names and birth date as the one before.
SAME = "(g - (g % 1000 = 0)::int)"
FIRST_NAMES = ["Amina", "Élodie", "Jean", "Chloé", "Léa", "Mohamed", "Françoise", "Hugo"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(records: int):
    from rdvs.models import Rdv
    from territories.models import Organisation, Service, Territory
    from tests.factories import MotifFactory
    from user_records.models import UserRecord

    territory = Territory.objects.create(name="Département de test", departement_number="98")
    organisation = Organisation.objects.create(territory=territory, name="Organisation")
    service = Service.objects.create(name="Service de test")
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    old = (timezone.now() - timedelta(days=900)).isoformat()
    insert_series(
        UserRecord,
        records,
        {
            "territory_id": str(territory.pk),
            "first_name": f"({sql_array(FIRST_NAMES)})[1 + {SAME} % {len(FIRST_NAMES)}]",
            # About 60 records per name: namesakes to compare, as in real life.
            "last_name": f"({sql_array(LAST_NAMES)})[1 + ({SAME} / 7) % {len(LAST_NAMES)}]"
            f" || '-' || ({SAME} % 997)",
            "email": "'usager' || g || '@exemple.fr'",
            "phone": "'06' || lpad(((g::bigint * 7919) % 100000000)::text, 8, '0')",
            "birth_date": f"date '1950-01-01' + ({SAME} % 20000)",
            "created_at": f"CASE WHEN g % 5 = 0 THEN timestamptz '{old}' ELSE now() END",
            "updated_at": f"CASE WHEN g % 5 = 0 THEN timestamptz '{old}' ELSE now() END",
        },
        step="fiches usagers",
    )
    first = UserRecord.objects.filter(territory=territory).order_by("pk")[0].pk
    linked = records // 50  # one old record in ten has an old RDV
    insert_series(
        Rdv,
        linked,
        {
            "territory_id": str(territory.pk),
            "organisation_id": str(organisation.pk),
            "motif_id": str(motif.pk),
            "starts_at": f"timestamptz '{old}' + g * interval '1 minute'",
            "ends_at": f"timestamptz '{old}' + g * interval '1 minute' + interval '30 minutes'",
            "context": "'Contexte ' || g",
        },
        step="RDV anciens",
    )
    first_rdv = Rdv.objects.filter(territory=territory).order_by("pk")[0].pk
    insert_series(
        Rdv.user_records.through,
        linked,
        {"rdv_id": f"{first_rdv} + g - 1", "userrecord_id": f"{first} + (g - 1) * 50 + 4"},
        step="RDV × fiches",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return territory


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=retention")
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=1000)
    options = parser.parse_args(argv)

    from django_scopes import scope, scopes_disabled

    from territories.models import TerritoryAdmin
    from territories.retention import pk_batches, purge
    from tests.factories import AgentFactory
    from user_records import services
    from user_records.duplicates import flag_duplicates
    from user_records.lifecycle_views import visible_pairs
    from user_records.models import DuplicatePair, UserRecord
    from user_records.retention import cutoff, past_retention

    backfill = import_module("user_records.migrations.0006_duplicates_and_retention")
    original = dict(connection.settings_dict)
    ensure_database(True, DB_NAME)
    connection.close()
    connection.settings_dict["NAME"] = DB_NAME
    try:
        migrate()
        began = time.monotonic()
        with scopes_disabled():  # building the territory, as the demo's seed does
            territory = build(options.records)
            admin = AgentFactory()
            TerritoryAdmin.objects.create(agent=admin, territory=territory)
        print(f"Construit en {time.monotonic() - began:.0f} s.")
        with scope(territory=territory):
            began = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute(backfill.FLAG_EXISTING_PAIRS)
            pairs = DuplicatePair.objects.filter(territory=territory).count()
            print(f"Doublons déjà là (migration) : {pairs:,} paires en {since(began):.1f} s")

            record = UserRecord.objects.filter(territory=territory).order_by("-pk")[0]
            began = time.monotonic()
            flag_duplicates(record)
            print(f"Doublons d'une fiche écrite : {1000 * since(began):.1f} ms")
            began = time.monotonic()
            list(visible_pairs(admin, territory).order_by("-pk")[:26])
            print(f"Première page des doublons : {1000 * since(began):.1f} ms")

            limit = cutoff(24)
            began = time.monotonic()
            dry = purge(territory, limit, dry_run=True)
            counts = ", ".join(f"{o.count:,} {p.label}" for p, o in dry)
            print(f"Simulation en {since(began):.1f} s : {counts}")

            # The purger's own loop (territories.retention.run_batches), timed per batch.
            timings, queries, deleted = [], [], 0
            peak_before = peak_mb()
            began = time.monotonic()
            for batch in pk_batches(past_retention(territory, limit), options.batch):
                start = time.monotonic()
                with CaptureQueriesContext(connection) as captured:
                    deleted += services.delete_past_retention(territory, batch)
                timings.append(since(start))
                queries.append(len(captured.captured_queries))
            print(
                f"Nettoyage : {deleted:,} fiches supprimées en {len(timings)} lots de "
                f"{options.batch}, {since(began):.0f} s ; par lot p50 "
                f"{statistics.median(timings):.2f} s, max {max(timings):.2f} s, "
                f"{statistics.median(queries):.0f} requêtes (max {max(queries)})"
            )
            print(f"Mémoire maximale : {peak_before:.0f} Mo avant, {peak_mb():.0f} Mo après")
            left = UserRecord.objects.filter(territory=territory).count()
            print(f"Fiches restantes : {left:,}")
        return 0
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def since(began: float) -> float:
    return time.monotonic() - began
