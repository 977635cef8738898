-- Applied before every service's migrations, on every run whose checksum differs from the
-- recorded one: it must stay idempotent.
CREATE SCHEMA IF NOT EXISTS gateway;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS catalog;
CREATE SCHEMA IF NOT EXISTS inventory;
CREATE SCHEMA IF NOT EXISTS finance;
CREATE SCHEMA IF NOT EXISTS ozon;

CREATE TABLE IF NOT EXISTS public.schema_migrations (
    service    text        NOT NULL,
    filename   text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, filename)
);

-- The tenant of the current transaction, as set by the services' database helper
-- (`SELECT set_config('app.user_id', <uuid>, true)`); NULL when none is set. Every
-- row-level-security policy compares a table's user_id with it.
CREATE OR REPLACE FUNCTION public.mpflow_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- One database role per service, `mpflow_<service>`: NOLOGIN, owns nothing, may read and
-- write only its own schema's tables. Services run their queries as this role (the pool
-- sets it at connect), so row-level security applies to them: it does not apply to table
-- owners. Tables created later by the migrating role are granted through default
-- privileges. Where the migrating role may not create roles (some managed databases), the
-- roles are skipped with a notice and must be created by the database administrator
-- (docs/operations.md).
DO $roles$
DECLARE
    svc text;
    role_name text;
BEGIN
    FOREACH svc IN ARRAY ARRAY['gateway', 'auth', 'catalog', 'inventory', 'finance', 'ozon'] LOOP
        role_name := 'mpflow_' || svc;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- created meanwhile by a migration of another database
                WHEN insufficient_privilege THEN
                    RAISE NOTICE 'cannot create role %: create it as described in docs/operations.md', role_name;
                    CONTINUE;
            END;
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', svc, role_name);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', svc, role_name);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', svc, role_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', svc, role_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', svc, role_name);
    END LOOP;
END
$roles$;
