-- Accounts and login sessions. A tenant is the account of its owner: `user_id` (the tenant)
-- equals `id` for the owner, and points at the owner for the tenant's other members.
-- No row-level security here: login looks a user up by name before any tenant is known,
-- so every query in the auth service filters by user_id itself wherever a tenant is known.
CREATE TABLE auth.users (
    id                 uuid        PRIMARY KEY,
    user_id            uuid        NOT NULL REFERENCES auth.users (id),
    username           text        NOT NULL CHECK (length(username) BETWEEN 1 AND 150),
    password_hash      text        NOT NULL,
    role               text        NOT NULL CHECK (role IN ('owner', 'member')),
    is_platform_admin  boolean     NOT NULL DEFAULT false,
    is_active          boolean     NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON auth.users (lower(username));
CREATE INDEX users_user_id_idx ON auth.users (user_id);
CREATE INDEX users_platform_admin_idx ON auth.users (id) WHERE is_platform_admin;

CREATE TABLE auth.sessions (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    account_id  uuid        NOT NULL REFERENCES auth.users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_account_id_idx ON auth.sessions (user_id, account_id);
