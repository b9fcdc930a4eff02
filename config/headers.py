"""Security headers: the Content-Security-Policy (django-csp, settings in
CONTENT_SECURITY_POLICY) and the Permissions-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings


def identity_provider_origin() -> str | None:
    """ProConnect's origin, when it is configured. Its login and logout buttons post to
    us and are redirected there: Chromium checks form-action on that redirect too."""
    parts = urlsplit(settings.PROCONNECT_DISCOVERY_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the identity provider allowed as a form target.
    Read at each response, like django-csp reads its settings."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        origin = identity_provider_origin()
        if origin and not report_only:
            parts.update = {**(parts.update or {}), "form-action": [origin]}
        return parts


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
