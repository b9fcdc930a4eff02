"""Keeps the summary tables (stats.models) in step with the RDVs and sent messages.

`refresh()` (Celery beat, every ten minutes) recomputes, in each territory, the weeks
holding an RDV created or changed since its last run — and the week an RDV was moved
out of, read from the journal's `before` — and the months holding a message sent since
then. `rebuild()` recomputes everything (the first run, `manage.py rebuild_statistics`).
Each recomputation deletes the rows of a run of consecutive weeks (or months) and
inserts them again from one INSERT … SELECT … GROUP BY: the counting is PostgreSQL's.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import SentMessage
from rdvs.models import CreatedBy, Rdv, RdvAgent, RdvStatus
from stats.models import MonthlyMessageCount, SummaryRefresh, WeeklyActiveAgent, WeeklyRdvCount
from territories.models import AuditEntry, Territory

# Changes committed a little after their updated_at (a long request) are still seen.
MARGIN = timedelta(minutes=5)
TZ = settings.TIME_ZONE


def _tables() -> dict[str, str]:
    return {
        "rdv": Rdv._meta.db_table,
        "rdv_agent": RdvAgent._meta.db_table,
        "motif": Rdv._meta.get_field("motif").related_model._meta.db_table,
        "message": SentMessage._meta.db_table,
        "audit": AuditEntry._meta.db_table,
        "territory": Territory._meta.db_table,
        "weekly": WeeklyRdvCount._meta.db_table,
        "agents": WeeklyActiveAgent._meta.db_table,
        "monthly": MonthlyMessageCount._meta.db_table,
    }


WEEK = "date_trunc('week', r.starts_at AT TIME ZONE %(tz)s)::date"
MONTH = "date_trunc('month', s.sent_at AT TIME ZONE %(tz)s)::date"
# The RDVs of a run of weeks of one territory (the bounds are local midnights).
RDVS_IN = (
    "r.territory_id = %(territory)s"
    " AND r.starts_at >= (%(first)s::timestamp AT TIME ZONE %(tz)s)"
    " AND r.starts_at < (%(end)s::timestamp AT TIME ZONE %(tz)s)"
)
MESSAGES_IN = (
    "s.territory_id = %(territory)s"
    " AND s.sent_at >= (%(first)s::timestamp AT TIME ZONE %(tz)s)"
    " AND s.sent_at < (%(end)s::timestamp AT TIME ZONE %(tz)s)"
)


def _count_rdvs(where: str) -> str:
    return """
        INSERT INTO {weekly} (territory_id, week, level, organisation_id, motif_id,
                              service_id, online, status, count, delay_seconds)
        SELECT r.territory_id, {week},
               GROUPING(r.organisation_id, r.motif_id, m.service_id,
                        r.created_by = '{usager}', r.status),
               r.organisation_id, r.motif_id, m.service_id,
               r.created_by = '{usager}', r.status, count(*),
               sum(greatest(extract(epoch FROM r.starts_at - r.created_at), 0))::bigint
        FROM {rdv} r JOIN {motif} m ON m.id = r.motif_id
        WHERE {where}
        GROUP BY r.territory_id, {week}, GROUPING SETS (
            (r.created_by = '{usager}', r.status),
            (r.organisation_id, r.created_by = '{usager}', r.status),
            (r.organisation_id),
            (r.motif_id),
            (m.service_id),
            (r.organisation_id, r.motif_id),
            (r.organisation_id, m.service_id)
        )
    """.format(week=WEEK, where=where, usager=CreatedBy.USAGER, **_tables())  # noqa: S608


def _count_agents(where: str) -> str:
    return """
        INSERT INTO {agents} (territory_id, organisation_id, week, agent_id)
        SELECT DISTINCT r.territory_id, r.organisation_id, {week}, ra.agent_id
        FROM {rdv} r JOIN {rdv_agent} ra ON ra.rdv_id = r.id
        WHERE {where} AND r.status NOT IN ('{cancelled}', '{excused}')
    """.format(  # noqa: S608
        week=WEEK,
        where=where,
        cancelled=RdvStatus.CANCELLED,
        excused=RdvStatus.EXCUSED,
        **_tables(),
    )


def _count_messages(where: str) -> str:
    return """
        INSERT INTO {monthly} (territory_id, organisation_id, month, channel, count)
        SELECT s.territory_id, r.organisation_id, {month}, s.channel, count(*)
        FROM {message} s LEFT JOIN {rdv} r ON r.id = s.rdv_id
        WHERE {where}
        GROUP BY 1, 2, 3, 4
    """.format(month=MONTH, where=where, **_tables())  # noqa: S608


def _runs(days: set[date], step) -> list[tuple[date, date]]:
    """Consecutive weeks (or months) as [first, end) ranges: `step(day)` is the next."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], step(day))
        else:
            runs.append((day, step(day)))
    return runs


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def recompute_weeks(territory_id: int, weeks: set[date]) -> None:
    """The RDV counts and active agents of these weeks (their Mondays) of a territory."""
    tables = _tables()
    with connection.cursor() as cursor:
        for first, end in _runs(weeks, lambda day: day + timedelta(days=7)):
            params = {"territory": territory_id, "first": first, "end": end, "tz": TZ}
            for table in (tables["weekly"], tables["agents"]):
                cursor.execute(
                    f"DELETE FROM {table} WHERE territory_id = %(territory)s"  # noqa: S608
                    " AND week >= %(first)s AND week < %(end)s",
                    params,
                )
            cursor.execute(_count_rdvs(RDVS_IN), params)
            cursor.execute(_count_agents(RDVS_IN), params)


def recompute_months(territory_id: int, months: set[date]) -> None:
    """The message counts of these months (their first days) of a territory."""
    with connection.cursor() as cursor:
        for first, end in _runs(months, _next_month):
            params = {"territory": territory_id, "first": first, "end": end, "tz": TZ}
            cursor.execute(
                f"DELETE FROM {_tables()['monthly']} WHERE territory_id = %(territory)s"  # noqa: S608
                " AND month >= %(first)s AND month < %(end)s",
                params,
            )
            cursor.execute(_count_messages(MESSAGES_IN), params)


def _locked_state() -> SummaryRefresh:
    SummaryRefresh.objects.bulk_create([SummaryRefresh(pk=1)], ignore_conflicts=True)
    return SummaryRefresh.objects.select_for_update().get(pk=1)


@transaction.atomic
def rebuild() -> None:
    """Every row of every territory, from scratch."""
    state = _locked_state()
    started = timezone.now()
    tables = _tables()
    with connection.cursor() as cursor:
        for table in ("weekly", "agents", "monthly"):
            cursor.execute(f"DELETE FROM {tables[table]}")  # noqa: S608
        params = {"tz": TZ}
        cursor.execute(_count_rdvs("TRUE"), params)
        cursor.execute(_count_agents("TRUE"), params)
        cursor.execute(_count_messages("TRUE"), params)
        # Every row is new: without fresh statistics the planner takes a summary table
        # for empty and a cold page walks it row by row (0.5 s instead of 50 ms).
        summaries = ", ".join(tables[table] for table in ("weekly", "agents", "monthly"))
        cursor.execute(f"ANALYZE {summaries}")
    state.refreshed_at = started
    state.save(update_fields=["refreshed_at"])


def _touched(query: str, since) -> dict[int, set[date]]:
    touched: dict[int, set[date]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query.format(**_tables()), {"since": since, "tz": TZ})
        for territory_id, day in cursor.fetchall():
            touched.setdefault(territory_id, set()).add(day)
    return touched


# The weeks of the RDVs changed since `since`, and those RDVs moved out of (each
# territory's changes are read through the (territory, updated_at) index).
TOUCHED_WEEKS = f"""
    SELECT t.id, changed.week FROM {{territory}} t CROSS JOIN LATERAL (
        SELECT DISTINCT {WEEK} AS week FROM {{rdv}} r
        WHERE r.territory_id = t.id AND r.updated_at >= %(since)s
    ) changed
    UNION
    SELECT a.territory_id,
           date_trunc('week', (a.before ->> 'starts_at')::timestamptz AT TIME ZONE %(tz)s)::date
    FROM {{audit}} a
    WHERE a.created_at >= %(since)s AND a.action = 'rdv.updated' AND a.before ? 'starts_at'
"""  # noqa: S608
TOUCHED_MONTHS = f"""
    SELECT t.id, sent.month FROM {{territory}} t CROSS JOIN LATERAL (
        SELECT DISTINCT {MONTH} AS month FROM {{message}} s
        WHERE s.territory_id = t.id AND s.sent_at >= %(since)s
    ) sent
"""  # noqa: S608


@transaction.atomic
def refresh() -> dict:
    """Recomputes what changed since the last run (everything, the first time).
    Returns how many territory weeks and months were recomputed, and the territories
    whose figures changed (None: every one)."""
    state = _locked_state()
    if state.refreshed_at is None:
        rebuild()
        return {"weeks": -1, "months": -1, "territories": None}
    started = timezone.now()
    since = state.refreshed_at - MARGIN
    weeks = _touched(TOUCHED_WEEKS, since)
    months = _touched(TOUCHED_MONTHS, since)
    for territory_id, days in weeks.items():
        recompute_weeks(territory_id, days)
    for territory_id, days in months.items():
        recompute_months(territory_id, days)
    state.refreshed_at = started
    state.save(update_fields=["refreshed_at"])
    return {
        "weeks": sum(len(days) for days in weeks.values()),
        "months": sum(len(days) for days in months.values()),
        "territories": sorted(set(weeks) | set(months)),
    }


def refreshed_at():
    """When the summary was last brought up to date (None: never)."""
    return SummaryRefresh.objects.values_list("refreshed_at", flat=True).first()
