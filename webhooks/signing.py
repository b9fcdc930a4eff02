"""Secrets, body and headers of a webhook request, per the Standard Webhooks spec.

https://www.standardwebhooks.com/ : `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one
signature per valid secret (two during a rotation overlap). The reference
platform's consumers verify `X-Lapin-Signature`, the hex HMAC-SHA256 of the body
keyed with the secret as written: always sent with the bodies of its format
(webhooks/rdvsp.py), on request with the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid

from django.core.serializers.json import DjangoJSONEncoder

SECRET_PREFIX = "whsec_"  # noqa: S105  (the spec's prefix, not a secret)
MAX_BODY_BYTES = 64 * 1024


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def generate_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def legacy_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body(event, webhook_id: str) -> bytes:
    """The JSON sent for `event`; the same bytes on every attempt of a delivery."""
    document = {
        "id": webhook_id,
        "type": event.type,
        "timestamp": event.created_at,
        "territory": event.territory_id,
        "data": event.payload,
        "seq": event.pk,
    }
    if event.reason:  # "rgpd": unlink the object rather than delete one's own copy
        document["reason"] = event.reason
    encoded = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    if len(encoded) >= MAX_BODY_BYTES:
        # publish() keeps payloads small; this is the last guard of the size promise.
        document["data"] = {"id": event.payload.get("id"), "truncated": True}
        encoded = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return encoded


def headers(
    *,
    webhook_id: str,
    timestamp: int,
    body: bytes,
    secrets_: list[str],
    legacy: bool,
    content_type: str = "application/json",
) -> dict[str, str]:
    result = {
        "Content-Type": content_type,
        "User-Agent": "RDV-Territoire-Webhooks/1.0",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, webhook_id, timestamp, body) for s in secrets_),
    }
    if legacy:
        result["X-Lapin-Signature"] = legacy_signature(secrets_[0], body)
    return result
