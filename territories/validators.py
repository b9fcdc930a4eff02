import phonenumbers
from django.core.exceptions import ValidationError

# Metropolitan France first, then the overseas departments and collectivities: a
# number written the French way ("0262 …" for La Réunion) is tried in each.
FRENCH_REGIONS = ["FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "WF", "PF", "NC"]
INVALID = "Saisissez un numéro de téléphone français valide."


def _parse(value: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number) and (
        phonenumbers.region_code_for_number(number) in FRENCH_REGIONS
    ):
        return number
    return None


def normalize_french_phone(value: str) -> str:
    """E.164 form of a French number (metropolitan or overseas), or ValidationError."""
    for region in FRENCH_REGIONS:
        number = _parse(value, region)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(INVALID)


def validate_french_phone(value: str) -> None:
    if value:
        normalize_french_phone(value)
