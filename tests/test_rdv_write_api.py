"""One owner per invariant: rdvs.services is the only code that writes RdvAgent rows
(the copies of an RDV's times and `holds_time` that the overlap constraint checks)."""

import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OWNER = Path("rdvs/services.py")

# Writing RdvAgent rows: through the model, the RDV's `agent_links`, or the `agents`
# many-to-many (whose through model is RdvAgent).
WRITES = re.compile(
    r"RdvAgent\b.*\.(create|update|delete|bulk_create|bulk_update|get_or_create"
    r"|update_or_create|save)\("
    r"|(?<!class )RdvAgent\("
    r"|agent_links\b.*\.(create|update|delete|add|set|remove|clear)\("
    r"|\.agents\.(create|add|set|remove|clear)\("
    r"|links\.(update|delete)\("
)


def project_modules():
    for path in sorted(BASE_DIR.rglob("*.py")):
        relative = path.relative_to(BASE_DIR)
        if relative.parts[0] in {".venv", ".local", "tests"} or "migrations" in relative.parts:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_only_rdvs_services_writes_rdv_agent_rows():
    writers = {
        str(relative)
        for relative, text in project_modules()
        if any(WRITES.search(line) for line in text.splitlines())
    }
    assert writers == {str(OWNER)}


def test_celery_autodiscovery_finds_every_apps_tasks():
    """No CELERY_IMPORTS list to keep up to date: a fresh process finds the tasks of
    the booking flow and of the waiting room by itself."""
    script = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "app.loader.import_default_modules()\n"
        "print('\\n'.join(sorted(app.tasks)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    names = set(result.stdout.split())
    assert {
        "booking.tasks.send_rdv_mail",
        "booking.tasks.send_rdv_sms",
        "booking.tasks.notify_agents",
        "rdvs.tasks.send_arrival_mail",
    } <= names
