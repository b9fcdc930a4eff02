from rdv_settings.models import RdvSettings
from territories.models import Territory


def settings_for(territory: Territory) -> RdvSettings:
    """The territory's settings; the defaults (unsaved) until an admin changes them."""
    return RdvSettings.objects.filter(territory=territory).first() or RdvSettings(
        territory=territory
    )
