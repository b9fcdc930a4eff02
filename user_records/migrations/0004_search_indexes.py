"""What keeps the agents' screens fast at hundreds of thousands of user records (see
user_records/search.py and user_records/paging.py):

- the list's order with the pk last, for keyset pages;
- two stored columns of folded text (standard fields; custom values) that PostgreSQL
  computes on every write, each with a GIN trigram index: a search rechecks the rows an
  index found against stored text instead of folding every row again;
- a GIN trigram index on the phone number's digits.

Adding the stored columns rewrites the table once (a few seconds per 100,000 records,
during which it is locked); the indexes are then built CONCURRENTLY (so not in a
transaction) while agents keep working. The functions are IMMUTABLE (as generated
columns and indexes require) and their bodies name everything with its schema, for a
restore by pg_dump (empty search_path)."""

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
        'CREATE FUNCTION %1$s.user_record_standard_text(text, text, text, text, text) '
        'RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE '
        'AS $$ SELECT %1$s.search_fold('
        '    '' '' || $1 || '' '' || $2 || '' '' || $3 || '' '' || $4 || '' '' || $5'
        ') $$',
        here
    );
    -- The values of an object, space-separated (lists as JSON text), yes/no values left
    -- out: they are not text anyone searches for.
    EXECUTE format(
        'CREATE FUNCTION %1$s.user_record_custom_text(jsonb) '
        'RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE '
        'AS $$ SELECT %1$s.search_fold('' '' || coalesce(('
        '    SELECT pg_catalog.string_agg(value #>> ''{}'', '' '')'
        '    FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof($1) = ''object'''
        '        THEN $1 ELSE ''{}''::jsonb END)'
        '    WHERE pg_catalog.jsonb_typeof(value) <> ''boolean''), '''')'
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
    "DROP FUNCTION IF EXISTS user_record_standard_text(text, text, text, text, text)",
    "DROP FUNCTION IF EXISTS user_record_custom_text(jsonb)",
    "DROP FUNCTION IF EXISTS phone_digits(text)",
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("territories", "0003_search_extensions"),
        ("user_records", "0003_record_ordering_tiebreak"),
    ]

    operations = [
        # One statement: the DO block is not split at its semicolons.
        migrations.RunSQL([CREATE_FUNCTIONS], DROP_FUNCTIONS),
        migrations.AddField(
            model_name="userrecord",
            name="search_standard",
            field=models.GeneratedField(
                db_persist=True,
                expression=user_records.models.StandardSearchText(),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddField(
            model_name="userrecord",
            name="search_custom",
            field=models.GeneratedField(
                db_persist=True,
                expression=user_records.models.CustomSearchText(),
                output_field=models.TextField(),
            ),
        ),
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
                fields=["search_standard"],
                name="user_record_text_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="userrecord",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_custom"],
                name="user_record_custom_trgm",
                opclasses=["gin_trgm_ops"],
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
