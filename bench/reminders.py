"""Reminder claims at target size: 1,000,000 RDVs over two years (half past, half to
come), 500,000 user records. Prints how long the beat task's claims take, run after
run, and how many reminders each claims. Target: a run in well under its 10-minute
period, the second run claiming nothing.

    make bench BENCH=reminders                      # BENCH_ARGS="--scale 0.1" to try it

Builds its data in a database of its own (bench_reminders, created then dropped on the
same server): development data is never touched.
"""

from __future__ import annotations

import argparse
import time

from django.db import connection
from django_scopes import scopes_disabled

from bench.pages import insert_series

RDVS = 1_000_000
USER_RECORDS = 500_000


def build(scale: float) -> None:
    from motifs.models import Motif
    from rdvs.models import Rdv
    from territories.models import Organisation, Service, Territory, TerritoryService
    from user_records.models import UserRecord

    rdvs, records = int(RDVS * scale), int(USER_RECORDS * scale)
    territory = Territory.objects.create(name="Département de test", departement_number="99")
    organisation = Organisation.objects.create(territory=territory, name="Maison des solidarités")
    service = Service.objects.create(name="Service social", short_name="SSD")
    TerritoryService.objects.create(territory=territory, service=service)
    motif = Motif.objects.create(territory=territory, service=service, name="Accompagnement")
    insert_series(
        UserRecord,
        records,
        {
            "territory_id": str(territory.pk),
            "first_name": "'Camille'",
            "last_name": "'Usager ' || g",
            "email": "CASE WHEN g % 3 = 0 THEN '' ELSE 'usager' || g || '@exemple.fr' END",
            "phone": "CASE WHEN g % 2 = 0 THEN '0612345678' ELSE '' END",
        },
        step="fiches usagers",
    )
    first_record = UserRecord.objects.order_by("pk").values_list("pk", flat=True)[0]
    # One RDV every ~63 s from a year ago to a year ahead; those past are seen.
    span = 730 * 24 * 3600
    starts = f"now() - interval '365 days' + make_interval(secs => g::float * {span} / {rdvs})"
    insert_series(
        Rdv,
        rdvs,
        {
            "territory_id": str(territory.pk),
            "organisation_id": str(organisation.pk),
            "motif_id": str(motif.pk),
            "starts_at": starts,
            "ends_at": f"{starts} + interval '30 minutes'",
            "status": f"CASE WHEN {starts} < now() THEN 'seen' ELSE 'unknown' END",
            "created_at": f"{starts} - interval '10 days'",
        },
        step="RDV",
    )
    first_rdv = Rdv.objects.order_by("pk").values_list("pk", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{Rdv.user_records.through._meta.db_table}" (rdv_id, userrecord_id) '  # noqa: S608
            f"SELECT {first_rdv} + g - 1, {first_record} + (g - 1) %% {records} "
            "FROM generate_series(1, %s) g",
            [rdvs],
        )
        cursor.execute("ANALYZE")


def measure() -> None:
    from rdvs.reminders import CHANNELS, claim_due_reminders

    for run in (1, 2):
        for channel in CHANNELS:
            began, claimed, batches = time.monotonic(), 0, 0
            while True:
                batch = claim_due_reminders(channel)
                claimed, batches = claimed + len(batch), batches + 1
                if not batch:
                    break
            elapsed = (time.monotonic() - began) * 1000
            print(
                f"  passage {run}, {channel:<5} : {claimed:>6,} rappels réservés en {batches} "
                f"lot(s), {elapsed:,.0f} ms"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=reminders")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = "bench_reminders"
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with scopes_disabled():
            build(args.scale)
            measure()
    finally:
        creation.destroy_test_db(original_name, verbosity=0)
    return 0
