"""Secrets and personal data never reach the logs: the tokens of invitation,
password-reset and usager RDV links, and what is searched or carried in a query
(?q= holds usagers' names, and so do the user-record list's ?apres= and ?avant=
positions; ?next= may hold an invitation link; ?code= and ?state= are ProConnect's
answer to a login).

The redaction happens when a log record is created (a record factory), so every
handler sees the masked text: Django's request logger ("Not Found: /invitations/…"),
runserver's access log (django.server), gunicorn's access log (gunicorn.access,
whose format leaves the query string out anyway, see config/gunicorn.py), Celery.
"""

from __future__ import annotations

import logging
import re

MASK = "[masqué]"
_SEGMENT = r"[^/\s?#\"']+"
# The token-bearing routes of config/urls.py (the tests reverse each of them).
SECRET_PATHS = [
    (re.compile(rf"(/invitations/){_SEGMENT}"), rf"\1{MASK}"),
    (re.compile(rf"(/proconnect/invitation/){_SEGMENT}"), rf"\1{MASK}"),
    (re.compile(rf"(/mot-de-passe/nouveau/){_SEGMENT}/{_SEGMENT}"), rf"\1{MASK}/{MASK}"),
    (re.compile(rf"(/prendre-rdv/rdv/){_SEGMENT}"), rf"\1{MASK}"),
]
SECRET_PARAMETERS = re.compile(r"([?&](?:q|next|email|token|code|state|apres|avant)=)[^&\s#\"']*")


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return SECRET_PARAMETERS.sub(rf"\1{MASK}", text)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call: the handler reports it as usual
        return
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None


def install() -> None:
    """Wrap the process's log record factory (once)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_secrets", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    factory.redacts_secrets = True
    logging.setLogRecordFactory(factory)
