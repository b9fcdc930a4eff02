"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    """Django's own check (security.W009) finds the development key long and varied
    enough; anyone can read it in the repository, so a deployment using it fails."""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY est la clé de développement écrite dans le code : "
                "définissez une clé secrète propre à ce serveur.",
                id="rdv.E001",
            )
        ]
    return []
