"""Webhook throughput: N events to 3 endpoints on a local receiver, through a real worker.

    make bench BENCH=webhooks                                   (10,000 events)
    make bench BENCH=webhooks BENCH_ARGS="--events 3000 --rate 50"   (steady: the delay)
    make bench BENCH=webhooks BENCH_ARGS="--workers 2"           (two workers at once)
    python -m config.devservices run -- python -m bench webhooks --events 2000

Builds a throw-away database (`bench_webhooks`, created and dropped with Django's
test-database utilities), starts `celery -A config worker` on a queue of its own
(so a development worker never takes its tasks), publishes every event in its own
transaction as the services do, and runs the sweeper every 30 s as beat would.
Prints deliveries per second, the p50/p95 delay from commit to receipt, and checks
that the receiver got every delivery exactly once by `webhook-id`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from config.celery import app
from tests.webhook_receiver import Receiver
from webhooks import sending
from webhooks.events import publish
from webhooks.models import Delivery, DeliveryStatus, Endpoint

BENCH_DB = "bench_webhooks"
GOAL_RATE = 300  # deliveries per second, as fast as possible, 2 cores
GOAL_P95_S = 1.0  # commit → receipt at a steady 50 events/s to 3 endpoints
QUEUE = "bench_webhooks"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench webhooks")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="processes per worker")
    parser.add_argument(
        "--workers", type=int, default=1, help="Celery workers run at once (scale-out)"
    )
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="events per second (0: as fast as possible); below the delivery rate, "
        "the delay measures the pipeline rather than the queue",
    )
    args = parser.parse_args(argv)

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = BENCH_DB
    original_name = settings.DATABASES["default"]["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    app.conf.task_routes = {"webhooks.tasks.*": {"queue": QUEUE}}
    purge_queue()
    workers = []
    try:
        with Receiver() as receiver:

            def start_workers():
                workers.extend(start_worker(args.concurrency, n) for n in range(args.workers))

            if args.rate:  # the delay is measured from commit: the workers wait, ready
                start_workers()
                time.sleep(3)  # let the pools start, so their boot is not counted as delay
            return run(args, receiver, start_workers)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        purge_queue()
        connections.close_all()
        connection.creation.destroy_test_db(original_name, verbosity=0)


def run(args, receiver: Receiver, start_workers) -> int:
    """With a rate, the workers are up before the first event; without, they start once
    every event is published, and the throughput is what they drain per second (the
    publisher, one process writing one event per transaction, would otherwise be
    measured)."""
    with scopes_disabled():
        from territories.models import Territory

        territory = Territory.objects.create(name="Banc d'essai", departement_number="99")
        for n in range(args.endpoints):
            Endpoint.objects.create(
                territory=territory,
                url=receiver.url(f"/endpoint-{n}"),
                event_types=["*"],
                secret="whsec_" + "QkVOQ0g=" * 5,
            )
    expected = args.events * args.endpoints
    committed_at: dict[int, float] = {}
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_every_30_s, args=(stop,), daemon=True)
    sweeper.start()

    print(f"Publication de {args.events} événements vers {args.endpoints} points de réception…")
    started = time.time()
    for n in range(args.events):
        if args.rate:
            time.sleep(max(0.0, started + n / args.rate - time.time()))
        with transaction.atomic():
            event = publish(territory, "rdv.created", {"id": n, "motif": "Accueil", "n": n})
        committed_at[event.pk] = time.time()
    published = time.time()
    if not args.rate:
        start_workers()
    print(f"  publiés en {published - started:.1f} s ({args.events / (published - started):.0f}/s)")

    received_all = receiver.wait_for(expected, timeout=args.timeout)
    finished = time.time()
    stop.set()
    sweeper.join()
    time.sleep(2)  # anything sent twice would arrive now

    requests = receiver.received()
    ids = Counter(r.headers["webhook-id"] for r in requests)
    duplicates = sum(count - 1 for count in ids.values() if count > 1)
    delays = []
    for request in requests:
        seq = json.loads(request.body)["seq"]
        delays.append(request.at - committed_at[seq])
    delays.sort()
    with scopes_disabled():
        succeeded = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
        rows = Delivery.objects.count()

    first_receipt = min((r.at for r in requests), default=started) if not args.rate else started
    elapsed = (max(r.at for r in requests) if requests else finished) - first_receipt
    print(f"Livraisons reçues : {len(requests)} / {expected} attendues ({rows} en base)")
    rate = len(requests) / elapsed
    print(
        f"Débit : {rate:.0f} livraisons/s sur {elapsed:.1f} s "
        f"({args.workers} worker(s) × {args.concurrency} processus)"
    )
    goals_met = True
    if not args.rate:  # as fast as possible: the throughput goal
        goals_met = rate >= GOAL_RATE
        print(f"  objectif ≥ {GOAL_RATE}/s : {'RÉUSSI' if goals_met else 'ÉCHEC'}")
        floor = http_floor(receiver, requests[0] if requests else None, args)
        if floor:
            print(
                f"Plancher (les mêmes POST, autant de processus, sans base ni Celery) : "
                f"{floor:.0f}/s ; débit = {rate / floor:.2f} × le plancher"
            )
    if delays and args.rate:  # as fast as possible, the delay is the queue's
        p50 = statistics.median(delays)
        p95 = delays[int(len(delays) * 0.95) - 1]
        print(f"Délai commit → réception : p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        goals_met = p95 <= GOAL_P95_S
        print(f"  objectif p95 ≤ {GOAL_P95_S:.0f} s : {'RÉUSSI' if goals_met else 'ÉCHEC'}")
    print(f"webhook-id distincts : {len(ids)}, reçus plus d'une fois : {duplicates}")
    print(f"Envois marqués réussis en base : {succeeded}")
    ok = received_all and len(ids) == expected and duplicates == 0 and succeeded == expected
    print("Exactement une fois : OUI" if ok else "Exactement une fois : NON")
    return 0 if ok and goals_met else 1


FLOOR_PATH = "/plancher"
FLOOR_REQUESTS = 6_000


def http_floor(receiver: Receiver, sample, args) -> float | None:
    """Requests per second this machine's loopback and receiver take from as many
    processes as the workers have, each posting a delivery's body and headers over one
    kept-alive connection: what a delivery costs beyond the HTTP is the rest."""
    if sample is None:
        return None
    processes = args.concurrency * args.workers
    each = FLOOR_REQUESTS // processes
    headers = {
        name: value
        for name, value in sample.headers.items()
        if name.lower() not in {"host", "content-length", "connection"}
    }
    script = (
        "import sys, json, requests\n"
        "url, count, headers = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])\n"
        "body = sys.stdin.buffer.read()\n"
        "with requests.Session() as http:\n"
        "    for _ in range(count):\n"
        "        http.post(url, data=body, headers=headers, timeout=30).raise_for_status()\n"
    )
    command = [sys.executable, "-c", script, receiver.url(FLOOR_PATH), str(each)]
    clients = [
        subprocess.Popen([*command, json.dumps(headers)], stdin=subprocess.PIPE)
        for _ in range(processes)
    ]
    for client in clients:
        client.stdin.write(sample.body)
        client.stdin.close()
    for client in clients:
        client.wait(300)
    times = [r.at for r in receiver.received(FLOOR_PATH)]
    if len(times) < 2 or any(client.returncode for client in clients):
        return None
    return len(times) / (max(times) - min(times))


def sweep_every_30_s(stop: threading.Event) -> None:
    try:
        while not stop.wait(30):
            with scopes_disabled():
                queued = sending.sweep()
            if queued:
                print(f"  balayeur : {queued} envoi(s) remis en file")
    finally:
        connection.close()


def start_worker(concurrency: int, number: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "DEBUG": "False",  # as in production: no query log kept by every cursor
        "WEBHOOKS_ALLOW_LOCAL_TARGETS": "true",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            QUEUE,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench{number}@%h",
        ],
        env=env,
    )
    return worker


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def purge_queue() -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
