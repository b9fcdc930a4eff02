"""What a browser submits for a form as a page showed it (unchanged fields included)."""

from __future__ import annotations

from typing import Any

from django.forms import CheckboxInput, SplitDateTimeField
from django.utils import timezone


def submitted(form) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in form:
        if field.field.disabled:
            continue
        value = field.value()  # already prepared for display
        if isinstance(field.field, SplitDateTimeField):  # the Django admin's date and time
            moment = timezone.localtime(value) if value else None
            data[f"{field.html_name}_0"] = moment.date().isoformat() if moment else ""
            data[f"{field.html_name}_1"] = moment.time().isoformat() if moment else ""
        elif isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        else:
            data[field.html_name] = "" if value is None else str(value)
    return data
