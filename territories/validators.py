import phonenumbers
from django.core.exceptions import ValidationError


def normalize_french_phone(value: str) -> str:
    """E.164 form of a French number (metropolitan or overseas), or ValidationError."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Saisissez un numéro de téléphone français valide.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Saisissez un numéro de téléphone français valide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_french_phone(value: str) -> None:
    if value:
        normalize_french_phone(value)
