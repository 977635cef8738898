-- Row-level security on every tenant table of the catalog schema: a query sees and writes
-- only the rows of the transaction's tenant (`app.user_id`, set by the services' database
-- helper; public.mpflow_current_tenant()). Without a tenant, nothing is visible.
-- FORCE: the policy binds the tables' owner too (superusers and BYPASSRLS roles aside), so a
-- service connected as the owner with DB_ROLE= (empty) is still isolated. A later data
-- migration that must touch every tenant's rows runs as a superuser, or sets
-- NO FORCE ROW LEVEL SECURITY and FORCE again within its own file.
-- The outbox and inbox are not tenant data: the relay and the consumer read them across
-- tenants.
ALTER TABLE catalog.master_cards ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog.master_cards FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON catalog.master_cards
    USING (user_id = public.mpflow_current_tenant())
    WITH CHECK (user_id = public.mpflow_current_tenant());
