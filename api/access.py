"""What a token may reach: its territory, while its agent works there. Everything finer
(which organisations, RDVs, user records…) is asked of territories.permissions by the
resources, through the same questions as the agents' screens."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from territories import permissions

NO_LONGER_MEMBER = "L'agent de ce jeton n'a plus accès à cet espace."
CONFIGURATION_REFUSED = permissions.CONFIGURATION_REFUSED


class TerritoryMember(BasePermission):
    message = NO_LONGER_MEMBER

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if token is None:
            return False
        return permissions.is_member(request.user, token.territory)
