# ruff: noqa: S608 - SQL here is assembled from constants; every value is a parameter.
"""Keeping reporting.LinkFact exact: the refresh and the rebuild.

The triggers (written out in migrations reporting 0003 and 0004; a change to them is a new
migration) only note what changed, in the writer's own transaction, so a submission of 10,000
URLs pays one small INSERT for it: a changed link in DirtyLink, a repeat report (a known link
submitted again) in NewRepeat. `refresh()` recomputes the facts of the noted links in one
set-based statement, and adds each new repeat as one RepeatFact row with its counts (a repeat
does not recompute its link, so the work does not grow with the link's reports); the beat task
`reporting.tasks.refresh_facts` runs it every minute, in batches.

Concurrency: a refresh claims noted rows with DELETE … FOR UPDATE SKIP LOCKED (it never waits
for rows another refresh holds) and then takes a per-link advisory lock for each link it works
on, so that two refreshes never work on one link at once (the counts are sums: working on a
link twice at once would count it twice). A writer that touches a link while it is being
refreshed notes it again, so the link is refreshed once more later.

Readers (every report) run `refresh_inline()` first: a bounded refresh (at most
INLINE_LINK_NOTES notes of changed links and INLINE_REPEATS repeats, only links no other refresh
holds, short lock and statement timeouts). If it cannot finish at once it is rolled back and
the report reads the facts as the last refresh left them: a report is never held by a burst of
changes or by the background refresh; it may then miss the latest changes until the next
refresh (a minute at most while beat runs).
"""

import logging
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

# What a report does inline before reading (see the module docstring).
INLINE_LINK_NOTES = 1000  # notes of changed links (a link may be noted several times)
INLINE_REPEATS = 150
INLINE_LOCK_TIMEOUT = "50ms"
INLINE_STATEMENT_TIMEOUT = "1s"
# Advisory locks of the refresh: (this namespace, link id), PostgreSQL's two-int form.
LOCK_NAMESPACE = 0x4B4252  # "KBR"

FACT_COLUMNS = (
    "link_id", "registered_at", "last_event_at", "first_reported_agency_id", "region_id",
    "assigned_agency_id", "platform", "state", "classification", "confidential",
    "other_agencies", "other_regions", "organizations", "materials",
    "confirmed_at", "blocked_at", "removed_at", "reappeared_at",
    "confirmed_again", "blocked_again", "removed_again", "reappeared_again",
    "views_at_detection", "views_at_blocking", "republication_group", "republished",
)  # fmt: skip
REPEAT_COLUMNS = (
    "report_id", "link_id", "at", "agency_id", "region_id", "platform", "state",
    "classification", "confidential", "organizations", "materials",
)  # fmt: skip

# The links selected by {links} (a condition on registry_link l) and their attributions. A
# withdrawn link (registry.withdrawal) has left the registry's work: it has no facts.
_CHOSEN = """
WITH chosen AS (SELECT l.* FROM registry_link l WHERE ({links}) AND l.state <> 'withdrawn'),
orgs AS (
    SELECT o.link_id, array_agg(o.organization_id ORDER BY o.organization_id) AS ids
    FROM registry_linkorganization o JOIN chosen c ON c.id = o.link_id GROUP BY o.link_id
),
mats AS (
    SELECT m.link_id, array_agg(m.material_id ORDER BY m.material_id) AS ids
    FROM registry_linkmaterial m JOIN chosen c ON c.id = m.link_id GROUP BY m.link_id
)"""

# Their facts, from the registry. Each source is aggregated per link first, so that a full
# rebuild is a few hash joins. Arrays that would be empty are NULL (narrower rows).
_COMPUTE_LINKS = (
    _CHOSEN
    + """,
others AS (
    SELECT x.link_id, array_agg(DISTINCT x.agency_id) AS agencies,
           array_agg(DISTINCT x.region_id) FILTER (WHERE x.region_id IS NOT NULL) AS regions
    FROM (SELECT r.link_id, r.agency_id, a.region_id
          FROM registry_report r JOIN chosen c ON c.id = r.link_id
          JOIN accounts_agency a ON a.id = r.agency_id
          WHERE r.agency_id <> c.first_reported_agency_id
          UNION
          SELECT c.id, a.id, a.region_id
          FROM chosen c JOIN accounts_agency a ON a.id = c.assigned_agency_id
          WHERE a.id <> c.first_reported_agency_id) x
    GROUP BY x.link_id
),
reported AS (
    SELECT r.link_id, max(r.submitted_at) AS at
    FROM registry_report r JOIN chosen c ON c.id = r.link_id GROUP BY r.link_id
),
trail AS (
    SELECT s.link_id,
           array_agg(s.at ORDER BY s.at, s.id) FILTER (WHERE s.to_state = 'confirmed') AS c,
           array_agg(s.at ORDER BY s.at, s.id) FILTER (WHERE s.to_state = 'blocked') AS b,
           array_agg(s.at ORDER BY s.at, s.id) FILTER (WHERE s.to_state = 'removed') AS r,
           array_agg(s.at ORDER BY s.at, s.id) FILTER (WHERE s.to_state = 'reappeared') AS a
    FROM registry_statechange s JOIN chosen c ON c.id = s.link_id
    WHERE s.to_state IN ('confirmed', 'blocked', 'removed', 'reappeared')
    GROUP BY s.link_id
)
SELECT c.id, c.first_reported_at,
       greatest(c.first_reported_at, rep.at, t.c[cardinality(t.c)], t.b[cardinality(t.b)],
                t.r[cardinality(t.r)], t.a[cardinality(t.a)]),
       c.first_reported_agency_id, fa.region_id, c.assigned_agency_id, c.platform, c.state,
       c.classification, c.confidential, o.agencies, o.regions, orgs.ids, mats.ids,
       t.c[1], t.b[1], t.r[1], t.a[1],
       nullif(t.c[2:], '{{}}'), nullif(t.b[2:], '{{}}'), nullif(t.r[2:], '{{}}'),
       nullif(t.a[2:], '{{}}'),
       st.views_at_detection, st.views_at_blocking, st.republication_group_id,
       coalesce(st.republication_group_id IS NOT NULL AND g.first_link_id <> c.id, false)
FROM chosen c
JOIN accounts_agency fa ON fa.id = c.first_reported_agency_id
LEFT JOIN others o ON o.link_id = c.id
LEFT JOIN reported rep ON rep.link_id = c.id
LEFT JOIN trail t ON t.link_id = c.id
LEFT JOIN orgs ON orgs.link_id = c.id
LEFT JOIN mats ON mats.link_id = c.id
LEFT JOIN checks_linkstats st ON st.link_id = c.id
LEFT JOIN checks_republicationgroup g ON g.id = st.republication_group_id
"""
)

_COMPUTE_REPEATS = (
    _CHOSEN
    + """
SELECT r.id, r.link_id, r.submitted_at, r.agency_id, a.region_id, c.platform, c.state,
       c.classification, c.confidential, orgs.ids, mats.ids
FROM registry_report r JOIN chosen c ON c.id = r.link_id
JOIN accounts_agency a ON a.id = r.agency_id
LEFT JOIN orgs ON orgs.link_id = c.id
LEFT JOIN mats ON mats.link_id = c.id
WHERE r.is_repeat AND r.withdrawn_at IS NULL
"""
)

_UPSERT = (
    f"INSERT INTO reporting_linkfact ({', '.join(FACT_COLUMNS)}) {{select}} "
    f"ON CONFLICT (link_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS[1:])
)
# The facts of links withdrawn since they were computed (their contributions already taken away).
_DELETE_WITHDRAWN = (
    "DELETE FROM reporting_linkfact f USING registry_link l "
    "WHERE f.link_id = ANY(%s) AND l.id = f.link_id AND l.state = 'withdrawn'"
)
_INSERT_REPEATS = f"INSERT INTO reporting_repeatfact ({', '.join(REPEAT_COLUMNS)}) {{select}}"

# The facts of the given repeat reports only (%s: their links, then the reports): the reports
# are found by key first (OFFSET 0 keeps the planner from reading every report of the links).
_COMPUTE_NEW_REPEATS = (
    _CHOSEN.format(links="l.id = ANY(%s)")
    + """
SELECT r.id, r.link_id, r.submitted_at, r.agency_id, a.region_id, c.platform, c.state,
       c.classification, c.confidential, orgs.ids, mats.ids
FROM (SELECT * FROM registry_report
      WHERE id = ANY(%s) AND is_repeat AND withdrawn_at IS NULL OFFSET 0) r
JOIN chosen c ON c.id = r.link_id
JOIN accounts_agency a ON a.id = r.agency_id
LEFT JOIN orgs ON orgs.link_id = c.id
LEFT JOIN mats ON mats.link_id = c.id
"""
)

# The new repeats inserted (ON CONFLICT: a repeat a link refresh took in already is skipped)
# and added to their links' facts: the links' last event and the agencies and regions other
# than the first reporter's, as _COMPUTE_LINKS has them (sorted, distinct, NULL for none).
# Answers the ids of the repeats inserted. {select} is _COMPUTE_NEW_REPEATS.
_ADD_NEW_REPEATS = (
    f"WITH added AS (INSERT INTO reporting_repeatfact ({', '.join(REPEAT_COLUMNS)}) {{select}} "
    "ON CONFLICT (report_id) DO NOTHING RETURNING report_id, link_id, at, agency_id, region_id"
    """),
news AS (
    SELECT a.link_id, max(a.at) AS at,
           array_agg(DISTINCT a.agency_id)
               FILTER (WHERE a.agency_id <> lf.first_reported_agency_id) AS agencies,
           array_agg(DISTINCT a.region_id)
               FILTER (WHERE a.agency_id <> lf.first_reported_agency_id
                       AND a.region_id IS NOT NULL) AS regions
    FROM added a JOIN reporting_linkfact lf ON lf.link_id = a.link_id
    GROUP BY a.link_id
),
links AS (
    UPDATE reporting_linkfact f SET
        last_event_at = greatest(f.last_event_at, n.at),
        other_agencies = CASE WHEN n.agencies IS NULL THEN f.other_agencies ELSE ARRAY(
            SELECT DISTINCT x FROM unnest(coalesce(f.other_agencies, '{{}}') || n.agencies) x
            ORDER BY 1) END,
        other_regions = CASE WHEN n.regions IS NULL THEN f.other_regions ELSE ARRAY(
            SELECT DISTINCT x FROM unnest(coalesce(f.other_regions, '{{}}') || n.regions) x
            ORDER BY 1) END
    FROM news n WHERE f.link_id = n.link_id
    RETURNING f.link_id
)
SELECT report_id FROM added
"""
)


# --- the daily counts (reporting.DailyCount): what facts contribute, added or taken away ---------
COUNT_MEASURES = (
    "registered", "pending", "repeats", "confirmed", "blocked", "removed", "reappeared",
    "requested", "now_blocked", "now_removed", "views_measured", "views_detection",
    "views_blocked_measured", "views_blocking", "growth_base", "growth_top",
)  # fmt: skip
_OPEN = (
    "('new', 'under_review', 'expert_examination', 'confirmed', 'blocking_requested', 'reappeared')"
)
_TAKEDOWN = "('blocking_requested', 'blocked', 'removed', 'reappeared')"


def _zeros_except(**measures) -> str:
    return ", ".join(f"{measures.get(name, '0')} AS {name}" for name in COUNT_MEASURES)


# One row per fact (or repeat), day and dimension value, with the measures it adds to that day.
# {facts} and {repeats} are conditions on reporting_linkfact f / reporting_repeatfact r; the
# time zone is the first parameter.
_CONTRIBUTIONS = (
    """
WITH tz AS (SELECT %s::text AS name),
f AS (SELECT * FROM reporting_linkfact f WHERE {facts}),
r AS (SELECT * FROM reporting_repeatfact r WHERE {repeats}),
dated AS (
    SELECT f.link_id, (f.registered_at AT TIME ZONE tz.name)::date AS day, """
    + _zeros_except(
        registered="1",
        pending=f"(f.state IN {_OPEN})::int",
        requested=f"(f.state IN {_TAKEDOWN})::int",
        now_blocked="(f.state = 'blocked')::int",
        now_removed="(f.state = 'removed')::int",
        views_measured="(f.views_at_detection IS NOT NULL)::int",
        views_detection="coalesce(f.views_at_detection, 0)",
        views_blocked_measured="(f.views_at_blocking IS NOT NULL)::int",
        views_blocking="coalesce(f.views_at_blocking, 0)",
        growth_base="CASE WHEN f.views_at_blocking IS NOT NULL "
        "THEN coalesce(f.views_at_detection, 0) ELSE 0 END",
        growth_top="CASE WHEN f.views_at_detection IS NOT NULL "
        "THEN coalesce(f.views_at_blocking, 0) ELSE 0 END",
    )
    + """
    FROM f, tz
"""
    + "".join(
        f"""    UNION ALL
    SELECT f.link_id, (f.{state}_at AT TIME ZONE tz.name)::date, """
        + _zeros_except(**{state: "1"})
        + f"""
    FROM f, tz WHERE f.{state}_at IS NOT NULL
"""
        for state in ("confirmed", "blocked", "removed", "reappeared")
    )
    + """),
keyed AS (
    SELECT k.dimension, k.key, f.confidential, d.*
    FROM dated d JOIN f ON f.link_id = d.link_id
    CROSS JOIN LATERAL (
        VALUES ('', ''), ('agency', f.first_reported_agency_id::text),
               ('region', coalesce(f.region_id::text, '')), ('platform', f.platform),
               ('state', f.state), ('classification', f.classification)
        UNION ALL SELECT 'organization', coalesce(o::text, '')
                  FROM unnest(coalesce(f.organizations, ARRAY[NULL]::bigint[])) o
        UNION ALL SELECT 'material', coalesce(m::text, '')
                  FROM unnest(coalesce(f.materials, ARRAY[NULL]::bigint[])) m
    ) k(dimension, key)
    UNION ALL
    SELECT k.dimension, k.key, r.confidential, r.link_id, (r.at AT TIME ZONE tz.name)::date, """
    + _zeros_except(repeats="1")
    + """
    FROM r CROSS JOIN tz
    CROSS JOIN LATERAL (
        VALUES ('', ''), ('agency', r.agency_id::text), ('region', coalesce(r.region_id::text, '')),
               ('platform', r.platform), ('state', r.state), ('classification', r.classification)
        UNION ALL SELECT 'organization', coalesce(o::text, '')
                  FROM unnest(coalesce(r.organizations, ARRAY[NULL]::bigint[])) o
        UNION ALL SELECT 'material', coalesce(m::text, '')
                  FROM unnest(coalesce(r.materials, ARRAY[NULL]::bigint[])) m
    ) k(dimension, key)
)
SELECT day, dimension, key, confidential, """
    + ", ".join(f"{{sign}} * sum({name}) AS {name}" for name in COUNT_MEASURES)
    + """
FROM keyed GROUP BY dimension, key, confidential, day
ORDER BY dimension, key, confidential, day
"""
)


def _add_counts(table: str) -> str:
    return (
        f"INSERT INTO {table} (day, dimension, key, confidential, "
        f"{', '.join(COUNT_MEASURES)}) {{select}} "
        "ON CONFLICT (dimension, key, confidential, day) DO UPDATE SET "
        + ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in COUNT_MEASURES)
    )


# The monthly counts: the daily contributions summed per month.
_BY_MONTH = (
    "SELECT date_trunc('month', day)::date AS day, dimension, key, confidential, "
    + ", ".join(f"sum({name})" for name in COUNT_MEASURES)
    + " FROM ({select}) daily GROUP BY 1, 2, 3, 4 ORDER BY 2, 3, 4, 1"
)


def _count_contributions(
    cursor, condition: str, params: list, sign: int, *, repeats: tuple[str, list] | None = None
) -> None:
    """Add (sign 1) or take away (sign -1) what the selected facts contribute to the daily and
    monthly counts: the link facts and repeat facts `condition` selects, or, with `repeats`
    (a condition on reporting_repeatfact r and its parameters), only those repeats and no link
    fact. Rows are written in key order, so that concurrent refreshes lock them in the same
    order."""
    from django.utils import timezone

    if repeats is None:
        facts_where, facts_params, repeats_where, repeats_params = (
            condition, params, condition, params,
        )  # fmt: skip
    else:
        facts_where, facts_params = "false", []
        repeats_where, repeats_params = repeats
    daily = _CONTRIBUTIONS.format(facts=facts_where, repeats=repeats_where, sign=int(sign))
    all_params = [timezone.get_current_timezone_name(), *facts_params, *repeats_params]
    cursor.execute(_add_counts("reporting_dailycount").format(select=daily), all_params)
    monthly = _BY_MONTH.format(select=daily.rsplit("ORDER BY", 1)[0])
    cursor.execute(_add_counts("reporting_monthlycount").format(select=monthly), all_params)


_COUNT_TABLES = ("reporting_dailycount", "reporting_monthlycount")


@contextmanager
def reading():
    """One transaction for a report's queries, without JIT compilation: at a million rows
    compiling the aggregates costs PostgreSQL more (≈ 250 ms) than it saves."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _lock_links(cursor, ids: list[int], *, wait: bool) -> list[int]:
    """Take this transaction's advisory lock on each link (sorted ids: refreshes that wait
    take them in one order); the ids locked. Without `wait`, links another refresh holds are
    left out."""
    if not ids:
        return []
    if wait:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) "
            "FROM unnest(%s::bigint[]) AS id",
            [LOCK_NAMESPACE, ids],
        )
        return ids
    cursor.execute(
        "SELECT id FROM unnest(%s::bigint[]) AS id "
        "WHERE pg_try_advisory_xact_lock(%s, (id %% 2147483647)::int)",
        [ids, LOCK_NAMESPACE],
    )
    return sorted(row[0] for row in cursor.fetchall())


def refresh_links(limit: int | None = None, *, wait: bool = True) -> int:
    """Recompute the facts of the links noted dirty (at most `limit` notes); how many links.
    Without `wait`, links another refresh is working on stay noted."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reporting_dirtylink WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
            "reporting_dirtylink LIMIT %s FOR UPDATE SKIP LOCKED)) RETURNING link_id",
            [limit],
        )
        claimed = sorted({row[0] for row in cursor.fetchall()})
        ids = _lock_links(cursor, claimed, wait=wait)
        if busy := sorted(set(claimed) - set(ids)):
            cursor.execute(
                "INSERT INTO reporting_dirtylink (link_id) SELECT unnest(%s::bigint[])", [busy]
            )
        if ids:
            chosen = "l.id = ANY(%s)"
            _count_contributions(cursor, "link_id = ANY(%s)", [ids], -1)
            cursor.execute(_DELETE_WITHDRAWN, [ids])
            cursor.execute(_UPSERT.format(select=_COMPUTE_LINKS.format(links=chosen)), [ids])
            cursor.execute("DELETE FROM reporting_repeatfact WHERE link_id = ANY(%s)", [ids])
            cursor.execute(
                _INSERT_REPEATS.format(select=_COMPUTE_REPEATS.format(links=chosen)), [ids]
            )
            _count_contributions(cursor, "link_id = ANY(%s)", [ids], 1)
    return len(ids)


def add_new_repeats(limit: int | None = None, *, wait: bool = True) -> int:
    """Add the repeats noted new (at most `limit`) to the facts: one RepeatFact row each, its
    counts, and its link's last event and other agencies; how many were added. A repeat that
    a link refresh has already taken in is not counted again."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reporting_newrepeat WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
            "reporting_newrepeat LIMIT %s FOR UPDATE SKIP LOCKED)) RETURNING report_id",
            [limit],
        )
        claimed = sorted({row[0] for row in cursor.fetchall()})
        if not claimed:
            return 0
        cursor.execute(
            "SELECT id, link_id FROM registry_report WHERE id = ANY(%s) AND is_repeat", [claimed]
        )
        link_of = dict(cursor.fetchall())  # a report deleted since noted its link dirty
        links = _lock_links(cursor, sorted(set(link_of.values())), wait=wait)
        reports = sorted(pk for pk, link in link_of.items() if link in set(links))
        if busy := sorted(pk for pk, link in link_of.items() if link not in set(links)):
            cursor.execute(
                "INSERT INTO reporting_newrepeat (report_id) SELECT unnest(%s::bigint[])", [busy]
            )
        if not reports:
            return 0
        cursor.execute(_ADD_NEW_REPEATS.format(select=_COMPUTE_NEW_REPEATS), [links, reports])
        added = sorted(row[0] for row in cursor.fetchall())
        if added:
            _count_contributions(cursor, "", [], 1, repeats=("report_id = ANY(%s)", [added]))
    return len(added)


def refresh(limit: int | None = None, *, wait: bool = True) -> int:
    """Bring the facts up to date with what was noted (at most `limit` links and `limit`
    repeats); how many links were recomputed and repeats added."""
    return refresh_links(limit, wait=wait) + add_new_repeats(limit, wait=wait)


def refresh_inline() -> bool:
    """A report's own refresh before it reads, bounded (module docstring); False if it gave up
    (the report then reads what the last refresh left). One query when nothing is noted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM reporting_dirtylink) "
            "OR EXISTS (SELECT FROM reporting_newrepeat)"
        )
        if not cursor.fetchone()[0]:
            return True
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), "
                "set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
                [INLINE_LOCK_TIMEOUT, INLINE_STATEMENT_TIMEOUT],
            )
            lock_timeout, statement_timeout, _, _ = cursor.fetchone()
            refresh_links(INLINE_LINK_NOTES, wait=False)
            add_new_repeats(INLINE_REPEATS, wait=False)
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [lock_timeout, statement_timeout],
            )
    except OperationalError as error:  # a lock not had at once, or the statement timeout
        logger.info("Report read without its own refresh: %s", str(error).strip())
        return False
    return True


def rebuild() -> int:
    """Recompute every link's facts from scratch; how many links."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reporting_dirtylink, reporting_newrepeat IN EXCLUSIVE MODE")
        tables = ", ".join(("reporting_linkfact", "reporting_repeatfact", *_COUNT_TABLES))
        cursor.execute(f"TRUNCATE {tables}, reporting_dirtylink, reporting_newrepeat")
        cursor.execute(
            f"INSERT INTO reporting_linkfact ({', '.join(FACT_COLUMNS)}) "
            + _COMPUTE_LINKS.format(links="true")
        )
        count = cursor.rowcount
        cursor.execute(_INSERT_REPEATS.format(select=_COMPUTE_REPEATS.format(links="true")))
        _count_contributions(cursor, "true", [], 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reporting_linkfact")
        cursor.execute("ANALYZE reporting_repeatfact")
        for table in _COUNT_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return count
