"""The waiting-room notice of the agents' daily pages (week agenda, usagers list): the
day agenda marks each waiting RDV itself; the other pages say, in one line per RDV,
that an usager of the agent's RDVs of today is waiting (visual notification modes)."""

from django import template
from django.utils import timezone

from rdv_settings.queries import settings_for
from rdvs.models import RdvAgent, RdvStatus
from rdvs.queries import agenda, local_day_bounds

register = template.Library()

# More than this waiting at once: the notice names the first ones and links the day.
SHOWN = 5


@register.inclusion_tag("rdvs/_waiting_notice.html", takes_context=True)
def waiting_room_notice(context):
    request = context["request"]
    territory = getattr(request, "territory", None)
    if territory is None or not request.user.is_authenticated:
        return {"waiting": []}
    # The agenda has read the settings already: no second query for them.
    rdv_settings = context.get("rdv_settings") or settings_for(territory)
    if not rdv_settings.notifies_visually:
        return {"waiting": []}
    # Most of the time nobody is waiting: one indexed look at the agent's own RDVs of
    # the day says so, before the rights and the agenda are worked out.
    start, end = local_day_bounds(timezone.localdate())
    arrived = RdvAgent._base_manager.filter(
        agent_id=request.user.pk,
        starts_at__gte=start,
        starts_at__lt=end,
        rdv__territory=territory,
        rdv__arrived_at__isnull=False,
        rdv__status=RdvStatus.UNKNOWN,
    )
    if not arrived.exists():
        return {"waiting": []}
    # The notice names times only: none of the agenda's details (usagers, agents, motif).
    waiting = (
        agenda(request.user, territory, timezone.localdate(), 1, agents=[request.user.pk])
        .select_related(None)
        .prefetch_related(None)
        .only("pk", "starts_at", "arrived_at")
        .filter(arrived_at__isnull=False, status=RdvStatus.UNKNOWN)
    )
    return {"waiting": list(waiting[:SHOWN]), "territory": territory}
