"""The usager's details step of the public flow."""

from __future__ import annotations

from django import forms

from user_records.forms import UserRecordForm, build_user_record_form
from user_records.models import UserRecord

CONSENT_LABEL = (
    "J'accepte que ces informations soient conservées par l'organisation pour la gestion "
    "de mon rendez-vous"
)


class AcknowledgeForm(forms.Form):
    acknowledged = forms.BooleanField(
        label="J'ai lu et compris ces informations",
        error_messages={"required": "Confirmez avoir lu ces informations pour continuer."},
    )


CONSENT_HELP = (
    "Elles servent uniquement à organiser ce rendez-vous et à vous en informer ; "
    "vous pouvez demander leur modification ou leur suppression à l'organisation."
)


def build_details_form(territory, data=None) -> UserRecordForm:
    """The territory's user-record form for the public: first and last name, birth date,
    e-mail and phone (unless the territory hides them), the custom fields asked in online booking,
    and the consent to keep the data."""
    form = build_user_record_form(
        territory, data=data, standard_fields=["birth_date", "email", "phone"], booking=True
    )
    if "birth_date" in form.fields:
        form.fields[
            "birth_date"
        ].help_text = (
            "Facultatif : permet au service de retrouver votre dossier s'il vous connaît déjà."
        )
    if "email" in form.fields:
        form.fields["email"].required = True
        form.fields["email"].help_text = "Pour recevoir la confirmation et le lien du RDV."
    if "phone" in form.fields:
        form.fields["phone"].label = "Téléphone portable"
        form.fields["phone"].help_text = "Facultatif : pour recevoir la confirmation par SMS."
    form.fields["consent"] = forms.BooleanField(
        label=CONSENT_LABEL,
        help_text=CONSENT_HELP,
        error_messages={"required": "Votre accord est nécessaire pour prendre rendez-vous."},
    )
    return form


def user_record_from_details(form: UserRecordForm) -> UserRecord:
    """An unsaved UserRecord from a valid details form (the booking service saves it)."""
    return UserRecord(**form.standard_values(), custom_values=form.custom_values())
