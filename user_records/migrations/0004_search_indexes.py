"""Indexes that keep the agents' screens fast at hundreds of thousands of user records
(see user_records/search.py): the list's order for keyset pages, and two GIN trigram
indexes for the search.

Built CONCURRENTLY (so not in a transaction): on a large table, agents keep working while
they are built. The functions are IMMUTABLE and made only of immutable parts, so
PostgreSQL inlines them: an index recheck costs no function call. Names inside them are
schema-qualified, for a restore by pg_dump (empty search_path)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
from django.db import migrations, models

import user_records.models

CREATE_FUNCTIONS = r"""
DO $migration$
DECLARE
    here text := quote_ident(current_schema());
BEGIN
    EXECUTE format(
        'CREATE FUNCTION %1$s.user_record_haystack(text, text, text, text, text, jsonb) '
        'RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE '
        'AS $$ SELECT %1$s.search_fold('
        '    '' '' || $1 || '' '' || $2 || '' '' || $3 || '' '' || $4 || '' '' || $5'
        '    || '' '' || pg_catalog.jsonb_path_query_array($6, ''$.*'')::text'
        ') $$',
        here
    );
    EXECUTE format(
        'CREATE FUNCTION %1$s.phone_digits(text) RETURNS text '
        'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT '
        'AS $$ SELECT pg_catalog.regexp_replace($1, ''[^0-9]'', '''', ''g'') $$',
        here
    );
END
$migration$;
"""

DROP_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS user_record_haystack(text, text, text, text, text, jsonb)",
    "DROP FUNCTION IF EXISTS phone_digits(text)",
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("territories", "0003_search_extensions"),
        ("user_records", "0003_record_ordering_tiebreak"),
    ]

    operations = [
        migrations.RunSQL([CREATE_FUNCTIONS], DROP_FUNCTIONS),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="userrecord",
            index=models.Index(
                fields=["territory", "last_name", "first_name", "id"],
                name="user_record_list_order",
            ),
        ),
        django.contrib.postgres.operations.RemoveIndexConcurrently(
            model_name="userrecord",
            name="user_record_territo_d19d86_idx",
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="userrecord",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    user_records.models.Haystack(), name="gin_trgm_ops"
                ),
                name="user_record_search_trgm",
            ),
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="userrecord",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    user_records.models.PhoneDigits(), name="gin_trgm_ops"
                ),
                name="user_record_phone_trgm",
            ),
        ),
    ]
