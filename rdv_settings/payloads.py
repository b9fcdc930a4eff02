"""What webhook events and audit entries say about the RDV settings: a plain dict."""

from __future__ import annotations

from typing import Any

from rdv_settings.models import RdvSettings


def rdv_settings_payload(rdv_settings: RdvSettings) -> dict[str, Any]:
    return {
        "territory_id": rdv_settings.territory_id,
        "context_enabled": rdv_settings.context_enabled,
        "waiting_room_mode": rdv_settings.waiting_room_mode,
        "reminder_email_delay": rdv_settings.reminder_email_delay,
        "reminder_sms_delay": rdv_settings.reminder_sms_delay,
    }
