"""The contrib extensions every production PostgreSQL has (and the embedded one ships),
and `search_fold(text)`: lower case, accents removed, IMMUTABLE so that indexes may use it.

`unaccent()` itself is only STABLE (its dictionary could change), so it cannot appear in
an index expression. Where the migration may create a C-language function (a superuser:
the embedded server, most self-hosted ones), `search_fold` calls unaccent's C entry point
declared IMMUTABLE and PostgreSQL inlines it: the fastest form. Elsewhere (managed
servers) it falls back to an SQL wrapper around `unaccent()`: same results, slower.

Every name in the function bodies is schema-qualified: a restore by pg_dump (empty
search_path) rebuilds the indexes that call them."""

from django.contrib.postgres.operations import (
    BtreeGistExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations

CREATE_FOLD = r"""
DO $migration$
DECLARE
    here text := quote_ident(current_schema());
    dictionary text := (
        SELECT quote_ident(nspname) || '.unaccent'
        FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace
        WHERE extname = 'unaccent'
    );
BEGIN
    BEGIN
        EXECUTE format(
            'CREATE FUNCTION %s.search_unaccent(regdictionary, text) RETURNS text '
            'LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT '
            'AS ''$libdir/unaccent'', ''unaccent_dict''',
            here
        );
        EXECUTE format(
            'CREATE FUNCTION %s.search_fold(text) RETURNS text '
            'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT '
            'AS $$ SELECT pg_catalog.lower(%s.search_unaccent(%L::regdictionary, $1)) $$',
            here, here, dictionary
        );
    EXCEPTION WHEN insufficient_privilege THEN
        EXECUTE format(
            'CREATE FUNCTION %s.search_fold(text) RETURNS text '
            'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT '
            'AS $$ SELECT pg_catalog.lower(%s(%L::regdictionary, $1)) $$',
            -- unaccent() lives beside its dictionary, in the extension's schema
            here, dictionary, dictionary
        );
    END;
END
$migration$;
"""

DROP_FOLD = [
    "DROP FUNCTION IF EXISTS search_fold(text)",
    "DROP FUNCTION IF EXISTS search_unaccent(regdictionary, text)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0002_role_models_from_agents"),
    ]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        BtreeGistExtension(),
        # One statement: the DO block is not split at its semicolons.
        migrations.RunSQL([CREATE_FOLD], DROP_FOLD),
    ]
