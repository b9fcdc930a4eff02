"""What the Statistiques page shows, read from the summary tables only (stats.models),
in a fixed number of queries whatever the size of the territory; the page keeps its
figures in the cache until the summary changes (`cache_key`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from rdvs.models import RdvStatus
from stats import summary
from stats.models import Level, MonthlyMessageCount, WeeklyActiveAgent, WeeklyRdvCount
from territories.models import Territory

# Organisations and motifs beyond these are left out of their charts (the page says so).
TOP = 10


@dataclass(frozen=True)
class Period:
    months: int
    weeks: list[date]  # Mondays, oldest first; the last is this week's

    @property
    def first_month(self) -> date:
        return self.weeks[0].replace(day=1)

    @property
    def month_list(self) -> list[date]:
        months, day = [], self.first_month
        while day <= self.weeks[-1] + timedelta(days=6):
            months.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return months


def period(months: int, today: date) -> Period:
    """The last `months` months, as whole weeks ending with this one."""
    monday = today - timedelta(days=today.weekday())
    count = round(months * 52 / 12)
    return Period(months, [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)])


def _rdv_rows(territory: Territory, organisations: QuerySet | None, level: Level, p: Period):
    rows = WeeklyRdvCount.objects.filter(
        territory=territory, level=level, week__gte=p.weeks[0], week__lte=p.weeks[-1]
    )
    return rows if organisations is None else rows.filter(organisation__in=organisations)


def _top(rows, *fields: str) -> list[dict]:
    return list(
        rows.values(*fields).annotate(count=Sum("count")).order_by("-count", fields[-1])[:TOP]
    )


def statistics(territory: Territory, organisations: QuerySet | None, p: Period) -> dict:
    """`organisations`: those to count (a subquery), None for the whole territory."""
    whole = organisations is None
    totals = list(
        _rdv_rows(territory, organisations, Level.TERRITORY if whole else Level.ORGANISATION, p)
        .values("week", "online", "status")
        .annotate(count=Sum("count"), delay=Sum("delay_seconds"))
        .order_by()
    )
    by_organisation = _top(
        _rdv_rows(territory, organisations, Level.ORGANISATION_TOTAL, p),
        "organisation_id",
        "organisation__name",
    )
    by_motif = _top(
        _rdv_rows(territory, organisations, Level.MOTIF if whole else Level.ORGANISATION_MOTIF, p),
        "motif_id",
        "motif__service__short_name",
        "motif__name",
    )
    by_service = list(
        _rdv_rows(
            territory, organisations, Level.SERVICE if whole else Level.ORGANISATION_SERVICE, p
        )
        .values("service_id", "service__name")
        .annotate(count=Sum("count"))
        .order_by("-count", "service__name")
    )
    messages = MonthlyMessageCount.objects.filter(territory=territory, month__gte=p.first_month)
    if not whole:
        messages = messages.filter(organisation__in=organisations)
    by_month = list(messages.values("month", "channel").annotate(count=Sum("count")).order_by())
    agents = WeeklyActiveAgent.objects.filter(
        territory=territory, week__gte=p.weeks[0], week__lte=p.weeks[-1]
    )
    if not whole:
        agents = agents.filter(organisation__in=organisations)
    return {
        **_totals(totals, p),
        "by_organisation": by_organisation,
        "by_motif": by_motif,
        "by_service": by_service,
        "messages": _messages(by_month, p),
        "active_agents": agents.values("agent_id").distinct().count(),
    }


def _average_days(seconds: int, count: int) -> float | None:
    return seconds / count / 86400 if count else None


def _totals(rows: list[dict], p: Period) -> dict:
    weekly = {week: {"online": 0, "agent": 0} for week in p.weeks}
    by_status = {status: 0 for status in RdvStatus.values}
    channel = {True: [0, 0], False: [0, 0]}  # online: [count, delay seconds]
    for row in rows:
        weekly[row["week"]]["online" if row["online"] else "agent"] += row["count"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["count"]
        channel[row["online"]][0] += row["count"]
        channel[row["online"]][1] += row["delay"]
    total = channel[True][0] + channel[False][0]
    return {
        "weekly": [(week, counts["online"], counts["agent"]) for week, counts in weekly.items()],
        "total": total,
        "online": channel[True][0],
        "by_agent": channel[False][0],
        "online_percent": channel[True][0] * 100 / total if total else None,
        "by_status": [(RdvStatus(s).label, n) for s, n in by_status.items() if s in RdvStatus],
        "cancelled": by_status[RdvStatus.CANCELLED] + by_status[RdvStatus.EXCUSED],
        "noshow": by_status[RdvStatus.NOSHOW],
        "delay_online": _average_days(channel[True][1], channel[True][0]),
        "delay_agent": _average_days(channel[False][1], channel[False][0]),
        "delay_all": _average_days(channel[True][1] + channel[False][1], total),
    }


def _messages(rows: list[dict], p: Period) -> list[tuple[date, int, int]]:
    months = {month: {"email": 0, "sms": 0} for month in p.month_list}
    for row in rows:
        if row["month"] in months and row["channel"] in months[row["month"]]:
            months[row["month"]][row["channel"]] += row["count"]
    return [(month, counts["email"], counts["sms"]) for month, counts in months.items()]


def cache_key(territory: Territory, organisations: QuerySet | None, p: Period, today: date):
    """The key of the page's figures, and when the summary was last refreshed: the key
    names the territory, the organisations counted, the period and the summary's time,
    so a refresh makes every cached page stale."""
    refreshed = summary.refreshed_at()
    scope = "all"
    if organisations is not None:
        pks = ",".join(str(pk) for pk in organisations.order_by("pk").values_list("pk", flat=True))
        scope = hashlib.sha256(pks.encode()).hexdigest()[:24]
    stamp = refreshed.timestamp() if refreshed else 0
    return f"stats:page:{territory.pk}:{scope}:{p.months}:{today}:{stamp}", refreshed
