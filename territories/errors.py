"""The one family of errors services raise; views turn them into French form errors.

A service refuses with a `ServiceError` carrying a sentence for the person (and, when
it concerns one field, that field's name); `apply_to_form` puts it on the form so the
page is shown again with the message where it belongs, nothing saved.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the person can understand and act on."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def apply_to_form(self, form) -> None:
        field = self.field if self.field in getattr(form, "fields", {}) else None
        form.add_error(field, self.message)


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
    """The database refused the change (e.g. an overlap), said in French."""
