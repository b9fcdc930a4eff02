"""Page speed at a département's size, under load, as ratios to a floor from the same run.

    make bench BENCH=pages                          # build (once) and measure
    make bench BENCH=pages BENCH_ARGS="--scale 0.05"  # a small territory, to try the bench
    make bench BENCH=pages BENCH_ARGS="--rebuild --instances 2"

Builds, in a database of its own (`bench_pages`, kept between runs so the minutes of
building are paid once; `--rebuild` starts again), a territory of 2,000 agents in 500
organisations, 500 motifs, 500,000 user records with custom values, 1,000,000 RDVs and
2,000,000 webhook deliveries. Then serves it with gunicorn (3 workers; `--instances 2`
runs two gunicorns behind the same database, as a scaled-out deployment does), sends the
pages from 8 concurrent clients (as the territory admin, and a few as a basic agent of an
organisation that follows 1,000 records) and prints, per page: queries, p50, p95, the territory
dashboard's p95 measured in the same run (the floor), the ratio, and pass/fail against
the goals of the issue (p95 ≤ 150 ms and ≤ 5× the floor; at most 12 queries). Then
each search again from a single client with nothing else running, against its own goal
(p95 ≤ 100 ms) and the dashboard measured the same way: under the 8 clients every
request also waits for the others' (the dashboard's own p95 is then 70–100 ms on 2
cores), which the searches cannot get under.

Rows are written with INSERT … SELECT generate_series: the columns and their defaults
come from the models, so the bench follows the schema without being edited.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string

DB_NAME = "bench_pages"
SIZES = {
    "organisations": 500,
    "agents": 2_000,
    "motifs": 500,
    "user_records": 500_000,
    "rdvs": 1_000_000,
    "events": 1_000_000,  # two endpoints each: 2,000,000 deliveries
}
GOAL_P95_MS = 150
GOAL_SEARCH_P95_MS = 100
GOAL_RATIO = 5
GOAL_QUERIES = 12
CLIENTS = 8
FIRST_NAMES = [
    "Amina",
    "Élodie",
    "Jean",
    "Chloé",
    "Léa",
    "Mohamed",
    "Françoise",
    "Hélène",
    "Noé",
    "Zoé",
    "Inès",
    "Jérôme",
    "Loïc",
    "Maëlle",
    "Céline",
    "Kévin",
    "Anaïs",
    "Benoît",
    "Agnès",
    "Rémi",
    "Sébastien",
    "Aurélie",
    "Gaëlle",
    "Théo",
    "Yasmine",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Lefèvre",
    "Moreau",
    "Simon",
    "Laurent",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martínez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Müller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
]


# --- building -------------------------------------------------------------------------


def progress(step: str, done: int, total: int, began: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stdout.write(
        f"\r  {step:<28} [{'#' * filled}{'.' * (width - filled)}] "
        f"{done:>9,}/{total:,}  {time.monotonic() - began:5.0f} s"
    )
    sys.stdout.flush()
    if done >= total:
        sys.stdout.write("\n")


def insert_series(model, count: int, columns: dict[str, str], *, step: str, batch: int = 50_000):
    """INSERT … SELECT over generate_series(1, count) as `g`: `columns` gives SQL for some
    columns (by column name); every other concrete column gets its model default."""
    began = time.monotonic()
    names, expressions, params = [], [], []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.generated:  # PostgreSQL computes those
            continue
        column = model_field.column
        names.append(f'"{column}"')
        if column in columns:
            expressions.append(columns[column].replace("%", "%%"))
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            expressions.append("now()")
            continue
        default = model_field.get_default()
        expressions.append("%s")
        params.append(model_field.get_db_prep_save(default, connection))
    unknown = set(columns) - {f.column for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__}: no column {unknown}")
    # Table and column names come from the models, values are parameters.
    into, select = ", ".join(names), ", ".join(expressions)
    table = model._meta.db_table
    sql = f'INSERT INTO "{table}" ({into}) SELECT {select} FROM generate_series(%s, %s) g'  # noqa: S608
    done = 0
    with connection.cursor() as cursor:
        while done < count:
            upto = min(done + batch, count)
            cursor.execute(sql, [*params, done + 1, upto])
            done = upto
            progress(step, done, count, began)


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def build(scale: float) -> None:
    from django.contrib.auth import get_user_model

    from motifs.models import Motif
    from rdvs.models import Rdv, RdvAgent
    from territories.models import Organisation, Service, Territory, TerritoryService
    from user_records.models import CustomField, UserRecord
    from webhooks.models import Delivery, Endpoint, Event

    role_models = _role_models()
    Agent = get_user_model()
    sizes = {name: max(int(n * scale), 10) for name, n in SIZES.items()}
    print(f"Construction du territoire : {', '.join(f'{k} {v:,}' for k, v in sizes.items())}")
    territory = Territory.objects.create(name="Département de test", departement_number="99")
    services = Service.objects.bulk_create(
        Service(name=f"Service {n}", short_name=f"S{n}") for n in range(20)
    )
    TerritoryService.objects.bulk_create(
        TerritoryService(territory=territory, service=s) for s in services
    )
    tid = territory.pk
    insert_series(
        Organisation,
        sizes["organisations"],
        {"territory_id": str(tid), "name": "'Organisation ' || g"},
        step="organisations",
    )
    first_org = Organisation.objects.filter(territory=territory).order_by("pk")[0].pk
    first_service = services[0].pk
    insert_series(
        Agent,
        sizes["agents"],
        {
            "email": "'agent' || g || '@bench.rdv-territoire.fr'",
            "password": "'!'",
            "first_name": f"({sql_array(FIRST_NAMES)})[1 + g % {len(FIRST_NAMES)}]",
            "last_name": f"({sql_array(LAST_NAMES)})[1 + g % {len(LAST_NAMES)}] || ' ' || g",
            "date_joined": "now()",
        },
        step="agents",
    )
    first_agent = Agent.objects.filter(email="agent1@bench.rdv-territoire.fr").get().pk
    agents, orgs = sizes["agents"], sizes["organisations"]
    AgentRole, AgentService, TerritoryAdmin = role_models
    insert_series(
        AgentRole,
        agents,
        {
            "agent_id": f"{first_agent} + g - 1",
            "organisation_id": f"{first_org} + (g - 1) % {orgs}",
            "access_level": "CASE WHEN g % 10 = 0 THEN 'admin' ELSE 'basic' END",
            "created_at": "now()",
        },
        step="rôles",
    )
    insert_series(
        AgentService,
        agents,
        {
            "agent_id": f"{first_agent} + g - 1",
            "territory_id": str(tid),
            "service_id": f"{first_service} + (g - 1) % 20",
        },
        step="services des agents",
    )
    # The measuring agent is a territory admin: "all RDVs" spans every organisation.
    TerritoryAdmin.objects.create(agent_id=first_agent, territory=territory)
    insert_series(
        Motif,
        sizes["motifs"],
        {
            "territory_id": str(tid),
            "service_id": f"{first_service} + (g - 1) % 20",
            "name": "'Motif ' || g",
            "bookable_by_public": "g % 4 = 0",
        },
        step="motifs",
    )
    first_motif = Motif.objects.filter(territory=territory).order_by("pk")[0].pk
    motifs = sizes["motifs"]
    through = Motif.organisations.through
    insert_series(
        through,
        motifs,
        {
            "motif_id": f"{first_motif} + g - 1",
            "organisation_id": f"{first_org} + (g - 1) % {orgs}",
        },
        step="motifs × organisations",
    )
    for position, (key, label) in enumerate(
        [("numero_caf", "Numéro CAF"), ("referent", "Référent de parcours")]
    ):
        CustomField.objects.create(
            territory=territory, key=key, label=label, field_type="short_text", position=position
        )
    insert_series(
        UserRecord,
        sizes["user_records"],
        {
            "territory_id": str(tid),
            "first_name": f"({sql_array(FIRST_NAMES)})[1 + g % {len(FIRST_NAMES)}]",
            "last_name": f"({sql_array(LAST_NAMES)})[1 + (g / 7) % {len(LAST_NAMES)}]"
            " || CASE WHEN g % 3 = 0 THEN '-' || (g % 997) ELSE '' END",
            "email": "'usager' || g || '@exemple.fr'",
            # Stored as the forms store it (E.164).
            "phone": "'+336' || lpad(((g::bigint * 7919) % 100000000)::text, 8, '0')",
            "case_number": "'D-' || lpad(g::text, 7, '0')",
            "birth_date": "date '1950-01-01' + (g % 20000)",
            "custom_values": "jsonb_build_object('numero_caf', 'CAF' || (g * 13 % 9999991),"
            " 'referent', 'Référent ' || (g % 300))",
            "created_at": "now()",
            "updated_at": "now()",
        },
        step="fiches usagers",
    )
    first_record = UserRecord.objects.filter(territory=territory).order_by("pk")[0].pk
    records = sizes["user_records"]
    insert_series(
        UserRecord.organisations.through,
        records,
        {
            "userrecord_id": f"{first_record} + g - 1",
            "organisation_id": f"{first_org} + g % {orgs}",
        },
        step="fiches × organisations",
    )
    # Eight 30-minute RDVs a working day per agent, around today: never overlapping.
    rdvs = sizes["rdvs"]
    slot = f"(g - 1) / {agents}"
    starts = (
        f"(date_trunc('week', now()) - interval '{rdvs // agents // 40 + 1} weeks' "
        f"+ (({slot}) / 8 / 5) * interval '7 days' + (({slot}) / 8 % 5) * interval '1 day' "
        f"+ interval '8 hours' + (({slot}) % 8) * interval '45 minutes')"
    )
    insert_series(
        Rdv,
        rdvs,
        {
            "territory_id": str(tid),
            "organisation_id": f"{first_org} + ((g - 1) % {agents}) % {orgs}",
            "motif_id": f"{first_motif} + (g - 1) % {motifs}",
            "starts_at": starts,
            "ends_at": f"{starts} + interval '30 minutes'",
            "status": "CASE WHEN g % 17 = 0 THEN 'excused' ELSE 'unknown' END",
            "created_at": "now()",
            "updated_at": "now()",
        },
        step="RDV",
    )
    first_rdv = Rdv.objects.filter(territory=territory).order_by("pk")[0].pk
    insert_series(
        RdvAgent,
        rdvs,
        {
            "rdv_id": f"{first_rdv} + g - 1",
            "agent_id": f"{first_agent} + (g - 1) % {agents}",
            "starts_at": starts,
            "ends_at": f"{starts} + interval '30 minutes'",
            "holds_time": "g % 17 <> 0",
        },
        step="agents des RDV",
    )
    insert_series(
        Rdv.user_records.through,
        rdvs,
        {"rdv_id": f"{first_rdv} + g - 1", "userrecord_id": f"{first_record} + g % {records}"},
        step="usagers des RDV",
    )
    endpoints = [
        Endpoint.objects.create(
            territory=territory,
            url=f"https://partenaire{n}.exemple.fr/webhooks",
            description=f"Partenaire {n}",
            event_types=["*"],
            secret="whsec_bench",
        )
        for n in range(5)
    ]
    events = sizes["events"]
    insert_series(
        Event,
        events,
        {
            "territory_id": str(tid),
            "type": "'user_record.updated'",
            "payload": "jsonb_build_object('id', g)",
            "created_at": "now() - (g || ' seconds')::interval",
        },
        step="événements",
    )
    first_event = Event.objects.filter(territory=territory).order_by("pk")[0].pk
    for n, endpoint in enumerate(endpoints[:2]):
        insert_series(
            Delivery,
            events,
            {
                "territory_id": str(tid),
                "event_id": f"{first_event} + g - 1",
                "endpoint_id": str(endpoint.pk),
                "webhook_id": f"'msg_{n}_' || g",
                "status": "'succeeded'",
                "attempts_count": "1",
                "created_at": "now() - (g || ' seconds')::interval",
                "succeeded_at": "now() - (g || ' seconds')::interval",
            },
            step=f"livraisons (point {n + 1})",
        )
    print("  ANALYZE…")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _role_models():
    """The role models, wherever the layering puts them."""
    from django.apps import apps

    found = []
    for name in ("AgentRole", "AgentService", "TerritoryAdmin"):
        found.append(next(m for m in apps.get_models() if m.__name__ == name))
    return found


# --- measuring ------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    url: str
    search: bool = False
    # Who asks: the territory admin, or "agent", a basic agent of one organisation (which
    # follows 1,000 of the records).
    caller: str = "admin"
    timings: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)  # one client, nothing else running
    errors: int = 0
    queries: int | None = None


def pages_of(territory) -> list[Page]:
    from motifs.models import Motif
    from user_records.models import UserRecord
    from user_records.paging import AFTER, PAGE_SIZE, position_of
    from webhooks.models import Endpoint

    def url(name: str, query: dict | None = None, **kwargs) -> str:
        path = reverse(name, kwargs={"territory_pk": territory.pk, **kwargs})
        return path + ("?" + urlencode(query) if query else "")

    record = UserRecord.objects.filter(territory=territory).order_by("pk")[1000]
    by_name = UserRecord.objects.filter(territory=territory).order_by(
        "last_name", "first_name", "pk"
    )
    # The 1000th page; on a small territory (--scale), its last one.
    deep = by_name[min(999 * PAGE_SIZE, by_name.count()) - 1]
    endpoint = Endpoint.objects.filter(territory=territory).order_by("pk")[0]
    motif = Motif.objects.filter(territory=territory, bookable_by_public=True).order_by("pk")[0]
    organisation = motif.organisations.order_by("pk")[0]
    return [
        Page("tableau de bord (plancher)", url("territories:dashboard")),
        Page("usagers, page 1", url("user_records:list")),
        # Pages are read from a position (user_records/paging.py): the link an agent
        # follows to the 1000th page names the record that ends the 999th.
        Page("usagers, page 1000", url("user_records:list", {AFTER: position_of(deep)})),
        Page("usagers, dernière page", url("user_records:list", {"page": "last"})),
        Page("usagers, un nom", url("user_records:list", {"q": "lefevre"}), search=True),
        Page("usagers, deux mots", url("user_records:list", {"q": "helene lefev"}), search=True),
        Page(
            "usagers, téléphone",
            # Typed as agents read it: "06 12345678".
            url("user_records:list", {"q": "0" + record.phone[3] + " " + record.phone[4:]}),
            search=True,
        ),
        Page(
            "usagers, n° de dossier",
            url("user_records:list", {"q": record.case_number}),
            search=True,
        ),
        Page(
            "usagers, champ perso",
            url("user_records:list", {"q": record.custom_values["numero_caf"]}),
            search=True,
        ),
        Page("fiche usager", url("user_records:user_record_detail", user_record_pk=record.pk)),
        Page("usagers, agent", url("user_records:list"), caller="agent"),
        Page(
            "usagers, agent, un nom",
            url("user_records:list", {"q": "lefevre"}),
            search=True,
            caller="agent",
        ),
        Page("agenda, jour, tous", url("rdvs:agenda_day", {"tous": "1"})),
        Page("agenda, semaine, tous", url("rdvs:agenda_week", {"tous": "1"})),
        Page("agenda, semaine, agent", url("rdvs:agenda_week"), caller="agent"),
        Page("agents (2 000)", url("agents:section")),
        Page("motifs", url("motifs:section")),
        Page("organisations", url("organisations:section")),
        Page("webhooks, points", url("webhooks:section")),
        Page(
            "webhooks, livraisons p. 1000",
            url(
                "webhooks:endpoint_detail",
                {"avant": deep_cursor(endpoint)},
                endpoint_pk=endpoint.pk,
            ),
        ),
        Page("réservation, créneaux", reverse_public(motif, organisation)),
    ]


def deep_cursor(endpoint) -> str:
    """The keyset cursor that leads to the 1000th page of 25 deliveries (found once)."""
    from webhooks.models import Delivery
    from webhooks.queries import cursor_of

    deliveries = Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
    return cursor_of(deliveries[min(999 * 25, deliveries.count()) - 1])


def reverse_public(motif, organisation) -> str:
    from django.urls import NoReverseMatch

    for kwargs in (
        {"organisation_pk": organisation.pk, "motif_pk": motif.pk},
        {"organisation_id": organisation.pk, "motif_id": motif.pk},
    ):
        for name in ("booking:slots", "booking:motif_slots"):
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
    raise RuntimeError("URL publique des créneaux introuvable")


def count_queries(pages: list[Page], callers: dict) -> None:
    from django.test import Client

    clients = {}
    for name, agent in callers.items():
        clients[name] = Client(HTTP_HOST="127.0.0.1")
        clients[name].force_login(agent)
    for page in pages:
        # The request resets the query log: start counting from an empty one.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = clients[page.caller].get(page.url)
        if response.status_code != 200:
            print(f"  ! {page.label}: HTTP {response.status_code} ({page.url})")
        page.queries = len(captured)


def session_cookie(agent) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    # As a login would: the first backend that can load the agent (gates come first).
    session[BACKEND_SESSION_KEY] = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session.save()
    return session.session_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorns(
    instances: int, database_url: str, workers: int = 3
) -> tuple[list[subprocess.Popen], list[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": settings.SECRET_KEY,  # the session cookie is signed here
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "CONN_MAX_AGE": "60",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    processes, bases = [], []
    for _ in range(instances):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                env=env,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            wait_until_up(base)
    except BaseException:
        stop(processes)
        raise
    return processes, bases


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(10)


def wait_until_up(base: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/connexion/", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn ne répond pas sur {base}")


def load(pages: list[Page], bases: list[str], cookies: dict[str, str], rounds: int) -> None:
    """8 clients, each going through every page `rounds` times in its own order."""
    import requests

    def client(number: int) -> None:
        http = requests.Session()
        http.headers["X-Forwarded-Proto"] = "https"
        base = bases[number % len(bases)]
        order = pages[number % len(pages) :] + pages[: number % len(pages)]
        for _ in range(rounds):
            for page in order:
                page.timings.append(timed_get(http, base, page, cookies))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def timed_get(http, base: str, page: Page, cookies: dict[str, str]) -> float:
    """One request for `page` as its caller: milliseconds; a non-200 counts an error."""
    began = time.perf_counter()
    response = http.get(
        base + page.url,
        cookies={"sessionid": cookies[page.caller]},
        timeout=60,
        allow_redirects=False,
    )
    if response.status_code != 200:
        page.errors += 1
    return (time.perf_counter() - began) * 1000


def searches_alone(pages: list[Page], base: str, cookies: dict[str, str], rounds: int) -> None:
    """Each search from a single client, nothing else running: what an agent waits for
    a search when the server is not saturated (the load above measures the queue)."""
    import requests

    http = requests.Session()
    http.headers["X-Forwarded-Proto"] = "https"
    # The dashboard first: the floor of this phase.
    for page in [pages[0]] + [p for p in pages if p.search]:
        timed_get(http, base, page, cookies)  # warm-up
        for _ in range(rounds * CLIENTS):
            page.alone.append(timed_get(http, base, page, cookies))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def report(pages: list[Page]) -> bool:
    floor = p95(pages[0].timings)
    print(f"\n{'page':<30} {'req.':>5} {'p50 ms':>8} {'p95 ms':>8} {'× plancher':>10}  verdict")
    passed_all = True
    for page in pages:
        p50, high = statistics.median(page.timings), p95(page.timings)
        ratio = high / floor
        failures = []
        if high > GOAL_P95_MS:
            failures.append(f"p95 > {GOAL_P95_MS} ms")
        if ratio > GOAL_RATIO:
            failures.append(f"> {GOAL_RATIO}× plancher")
        if page.queries is not None and page.queries > GOAL_QUERIES:
            failures.append(f"> {GOAL_QUERIES} requêtes")
        if page.errors:
            failures.append(f"{page.errors} erreurs HTTP")
        passed_all &= not failures
        print(
            f"{page.label:<30} {page.queries if page.queries is not None else '?':>5} "
            f"{p50:>8.0f} {high:>8.0f} {ratio:>10.1f}  {verdict(failures)}"
        )
    alone = [page for page in pages if page.alone]
    if len(alone) > 1:
        floor = p95(pages[0].alone)
        print(
            f"\nRecherches, un client seul (rien d'autre en cours ; plancher : le tableau de "
            f"bord de même), objectif p95 ≤ {GOAL_SEARCH_P95_MS} ms :"
        )
        for page in alone:
            high = p95(page.alone)
            failures = []
            if page.search and high > GOAL_SEARCH_P95_MS:
                failures.append(f"p95 > {GOAL_SEARCH_P95_MS} ms")
            if high / floor > GOAL_RATIO:
                failures.append(f"> {GOAL_RATIO}× plancher")
            passed_all &= not failures
            print(
                f"{page.label:<30} {'':>5} {statistics.median(page.alone):>8.0f} "
                f"{high:>8.0f} {high / floor:>10.1f}  {verdict(failures)}"
            )
    return passed_all


def verdict(failures: list[str]) -> str:
    return "OK" if not failures else "ÉCHEC (" + ", ".join(failures) + ")"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=pages")
    parser.add_argument("--scale", type=float, default=1.0, help="taille (1 = cible)")
    parser.add_argument("--rebuild", action="store_true", help="reconstruire la base")
    parser.add_argument("--instances", type=int, default=1, help="nombre de gunicorn")
    parser.add_argument("--workers", type=int, default=3, help="workers par gunicorn")
    parser.add_argument("--rounds", type=int, default=5, help="passages par client")
    parser.add_argument(
        "--pages", default="", help="ne mesurer que ces pages (débuts de libellés, séparés par ,)"
    )
    options = parser.parse_args(argv)

    from django_scopes import scopes_disabled

    from territories.models import Territory

    original = dict(connection.settings_dict)
    ensure_database(options.rebuild)
    connection.close()
    connection.settings_dict["NAME"] = DB_NAME
    try:
        migrate()
        with scopes_disabled():
            territory = Territory.objects.filter(departement_number="99").first()
            if territory is None:
                began = time.monotonic()
                build(options.scale)
                print(f"Construit en {time.monotonic() - began:.0f} s.")
                territory = Territory.objects.get(departement_number="99")
            AgentRole, _, TerritoryAdmin = _role_models()
            admin = TerritoryAdmin.objects.filter(territory=territory).get().agent
            pages = pages_of(territory)
            if options.pages:
                wanted = tuple(options.pages.split(","))
                pages = [pages[0]] + [p for p in pages[1:] if p.label.startswith(wanted)]
            # A basic agent of one organisation (each follows 1,000 records).
            agent = (
                AgentRole.objects.filter(organisation__territory=territory, access_level="basic")
                .exclude(agent=admin)
                .order_by("pk")
                .first()
                .agent
            )
            callers = {"admin": admin, "agent": agent}
            count_queries(pages, callers)
            cookies = {name: session_cookie(who) for name, who in callers.items()}
        processes, bases = start_gunicorns(options.instances, database_url(), options.workers)
        try:
            load(pages, bases, cookies, rounds=1)  # warm-up: caches, connections
            for page in pages:
                page.timings.clear()
                page.errors = 0
            load(pages, bases, cookies, rounds=options.rounds)
            searches_alone(pages, bases[0], cookies, rounds=options.rounds)
        finally:
            stop(processes)
        print(
            f"\n{CLIENTS} clients, {options.instances} gunicorn × {options.workers} workers, "
            f"{options.rounds} passages par client et par page"
        )
        return 0 if report(pages) else 1
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original["NAME"]


def ensure_database(rebuild: bool, name: str = DB_NAME) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and rebuild:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def database_url() -> str:
    """The running server's URL with the bench database instead."""
    base, _, query = os.environ["DATABASE_URL"].partition("?")
    base = base.rsplit("/", 1)[0] + "/" + DB_NAME
    return base + ("?" + query if query else "")
