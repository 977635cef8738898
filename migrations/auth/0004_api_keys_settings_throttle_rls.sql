-- API keys, tenant settings, sign-in throttling, revoked legacy tokens, single sign-on
-- subjects, and row-level security on every tenant table of the auth schema.

ALTER TABLE auth.users ADD COLUMN sso_subject text CHECK (length(sso_subject) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX users_sso_subject_key ON auth.users (sso_subject) WHERE sso_subject IS NOT NULL;

-- `mpk_<public_id>_<secret><checksum>`: only the SHA-256 of the secret is kept. A rotated
-- key keeps its public id; its previous secret stays valid until previous_valid_until.
CREATE TABLE auth.api_keys (
    id                    uuid        PRIMARY KEY,
    user_id               uuid        NOT NULL REFERENCES auth.users (id),
    account_id            uuid        NOT NULL REFERENCES auth.users (id),
    public_id             text        NOT NULL UNIQUE CHECK (public_id ~ '^[a-z0-9]{8,16}$'),
    name                  text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes                text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    secret_hash           bytea       NOT NULL CHECK (length(secret_hash) = 32),
    previous_secret_hash  bytea       CHECK (length(previous_secret_hash) = 32),
    previous_valid_until  timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    expires_at            timestamptz,
    last_used_at          timestamptz,
    rotated_at            timestamptz,
    revoked_at            timestamptz
);
CREATE INDEX api_keys_tenant_idx ON auth.api_keys (user_id, account_id, created_at);

-- One row per tenant once changed; a tenant without a row has the defaults.
CREATE TABLE auth.tenant_settings (
    user_id             uuid          PRIMARY KEY REFERENCES auth.users (id),
    base_currency       text          NOT NULL DEFAULT 'RUB' CHECK (base_currency ~ '^[A-Z]{3}$'),
    tax_mode            text          NOT NULL DEFAULT 'usn_income'
                                      CHECK (tax_mode IN ('usn_income', 'usn_income_minus_expense', 'none')),
    tax_rate            numeric(5, 2) NOT NULL DEFAULT 6 CHECK (tax_rate BETWEEN 0 AND 100),
    negative_stock      text          NOT NULL DEFAULT 'allow' CHECK (negative_stock IN ('allow', 'reject')),
    timezone            text          NOT NULL DEFAULT 'Europe/Moscow' CHECK (length(timezone) BETWEEN 1 AND 64),
    language            text          NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    sso_auto_provision  boolean       NOT NULL DEFAULT false,
    sso_email_domains   text[]        NOT NULL DEFAULT '{}',
    updated_at          timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX tenant_settings_sso_domains_idx ON auth.tenant_settings USING gin (sso_email_domains)
    WHERE sso_auto_provision;

-- Failed sign-ins and credential checks per key (`ip:<address>`, `user:<username>`,
-- `key:<public id>`): not tenant data (nobody is known yet), so no user_id and no RLS.
CREATE TABLE auth.auth_failures (
    key                text        PRIMARY KEY CHECK (length(key) <= 300),
    failures           integer     NOT NULL,
    window_started_at  timestamptz NOT NULL,
    locked_until       timestamptz
);
CREATE INDEX auth_failures_window_idx ON auth.auth_failures (window_started_at);

-- Legacy session tokens without a session id cannot be revoked by session: logging out
-- with one puts its hash here until it would have expired anyway.
CREATE TABLE auth.revoked_tokens (
    token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id     uuid        NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON auth.revoked_tokens (expires_at);

-- Row-level security: a query sees only the rows of the transaction's tenant.
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON auth.users USING (user_id = public.mpflow_current_tenant());
ALTER TABLE auth.sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON auth.sessions USING (user_id = public.mpflow_current_tenant());
ALTER TABLE auth.api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON auth.api_keys USING (user_id = public.mpflow_current_tenant());
ALTER TABLE auth.tenant_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON auth.tenant_settings USING (user_id = public.mpflow_current_tenant());
ALTER TABLE auth.revoked_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON auth.revoked_tokens USING (user_id = public.mpflow_current_tenant());

-- The few look-ups made before any tenant is known, as narrow SECURITY DEFINER functions
-- (they run as the owner, to whom RLS does not apply). Each returns at most one account.
CREATE FUNCTION auth.account_for_login(p_username text)
    RETURNS TABLE (id uuid, user_id uuid, username text, role text, is_platform_admin boolean,
                   is_active boolean, created_at timestamptz, updated_at timestamptz,
                   password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT u.id, u.user_id, u.username, u.role, u.is_platform_admin, u.is_active,
               u.created_at, u.updated_at, u.password_hash
          FROM auth.users u WHERE lower(u.username) = lower(p_username)
    $$;

CREATE FUNCTION auth.account_for_sso_subject(p_subject text)
    RETURNS TABLE (id uuid, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT u.id, u.user_id FROM auth.users u WHERE u.sso_subject = p_subject $$;

CREATE FUNCTION auth.api_key_tenant(p_public_id text)
    RETURNS TABLE (id uuid, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT k.id, k.user_id FROM auth.api_keys k WHERE k.public_id = p_public_id $$;

CREATE FUNCTION auth.tenant_for_sso_domain(p_domain text)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT s.user_id FROM auth.tenant_settings s
         WHERE s.sso_auto_provision AND lower(p_domain) = ANY (s.sso_email_domains)
         ORDER BY s.user_id LIMIT 1
    $$;

CREATE FUNCTION auth.has_platform_admin()
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM auth.users WHERE is_platform_admin) $$;

REVOKE ALL ON FUNCTION auth.account_for_login(text), auth.account_for_sso_subject(text),
    auth.api_key_tenant(text), auth.tenant_for_sso_domain(text), auth.has_platform_admin()
    FROM PUBLIC;
DO $grant$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mpflow_auth') THEN
        GRANT EXECUTE ON FUNCTION auth.account_for_login(text), auth.account_for_sso_subject(text),
            auth.api_key_tenant(text), auth.tenant_for_sso_domain(text), auth.has_platform_admin()
            TO mpflow_auth;
    END IF;
END
$grant$;
