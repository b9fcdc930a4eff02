"""The usager's details step of the public flow."""

from __future__ import annotations

from django import forms

from territories.validators import validate_french_phone
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


class UsagerDetailsForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(
        label="Adresse e-mail", help_text="Pour recevoir la confirmation et le lien du RDV."
    )
    phone = forms.CharField(
        label="Téléphone portable",
        max_length=30,
        required=False,
        validators=[validate_french_phone],
        help_text="Facultatif : pour recevoir la confirmation par SMS.",
    )
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        help_text=(
            "Elles servent uniquement à organiser ce rendez-vous et à vous en informer ; "
            "vous pouvez demander leur modification ou leur suppression à l'organisation."
        ),
        error_messages={"required": "Votre accord est nécessaire pour prendre rendez-vous."},
    )


def build_details_form(territory, data=None) -> UsagerDetailsForm:
    """The details form of the territory. Standard fields only for now: after merge it
    switches to the user-records section's `build_user_record_form(territory, …)`."""
    return UsagerDetailsForm(data)


def user_record_from_details(form: UsagerDetailsForm) -> UserRecord:
    """An unsaved UserRecord from a valid details form (the booking service saves it)."""
    data = form.cleaned_data
    return UserRecord(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=data["phone"],
    )
