from territories.permissions import May


def territory(request):
    """The territory, the page's section and what the caller may do there (`may`)."""
    current = getattr(request, "territory", None)
    may = May(request.user, current)
    return {
        "territory": current,
        "section": getattr(request, "section", None),
        "may": may,
        # Read by the side menu; the same question as `may.configure_territory`.
        "is_territory_admin": may.configure_territory,
    }
