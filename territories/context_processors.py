from territories.tenancy import ROLE_ADMIN


def territory(request):
    current = getattr(request, "territory", None)
    return {
        "territory": current,
        "is_territory_admin": getattr(request, "agent_role", None) == ROLE_ADMIN,
    }
