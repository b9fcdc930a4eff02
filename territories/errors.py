"""The one family of errors services raise; views turn them into French form errors.

A service refuses with a `ServiceError` carrying a sentence for the person (or several,
each a sentence) and, when it concerns one field, that field's name; `apply_to_form`
puts it on the form so that the page is shown again with the message where it
belongs, nothing saved. Views without a form show `messages` as flash messages.
"""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    """A refusal the person can understand and act on."""

    def __init__(self, message: str | Sequence[str], *, field: str | None = None) -> None:
        self.messages = [message] if isinstance(message, str) else list(message)
        super().__init__(" ".join(self.messages))
        self.message = " ".join(self.messages)
        self.field = field

    def apply_to_form(self, form) -> None:
        field = self.field if self.field in getattr(form, "fields", {}) else None
        for message in self.messages:
            form.add_error(field, message)


class StaleObject(ServiceError):
    """Someone else changed the object since this form was shown."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Cet élément a été modifié par quelqu'un d'autre depuis l'ouverture de ce "
            "formulaire. Rechargez la page pour voir la dernière version, puis refaites "
            "votre modification."
        )


class Conflict(ServiceError):
    """The database refused the change (e.g. an overlap, a name taken meanwhile), said
    in French."""
