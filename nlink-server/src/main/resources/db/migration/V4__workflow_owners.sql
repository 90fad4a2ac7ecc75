-- nLink schema, version 4: who owns a workflow (docs/security.md, the role matrix).
-- Written in the SQL both H2 and PostgreSQL accept.

-- Each workflow belongs to one account; its executions follow it (through workflow_id). The
-- workflows created before ownership existed go to the owner account. Should no owner exist yet,
-- they stay without one until the set-up link creates it, which takes them (Accounts.createOwner).
-- No ON DELETE: an account is removed only after its workflows have passed to the owner.
ALTER TABLE workflows ADD COLUMN owner_id BIGINT;
UPDATE workflows SET owner_id = (SELECT MIN(id) FROM users WHERE role = 'owner');
ALTER TABLE workflows ADD CONSTRAINT workflows_owner FOREIGN KEY (owner_id) REFERENCES users (id);
CREATE INDEX workflows_by_owner ON workflows (owner_id);
