"""The Permissions-Policy header (the Content-Security-Policy comes from django-csp)."""

from __future__ import annotations

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Powerful browser features no page of the product uses are turned off for every
    page and frame, so that injected or third-party content cannot ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response
