-- nLink schema, version 9: sharing workflows and credentials with named accounts (docs/security.md,
-- the role matrix). Written in the SQL both H2 and PostgreSQL accept.

-- A share lets one account view, edit and run a workflow it does not own, and see its executions;
-- deleting, sharing and transferring stay with its owner (and the owner and admins of the server).
-- A share goes with its workflow, and with the account it was given to.
CREATE TABLE workflow_shares (
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shared_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (workflow_id, user_id)
);
CREATE INDEX workflow_shares_by_user ON workflow_shares (user_id);

-- A shared credential may be used in the workflows its sharee owns; its secret is shown to nobody.
-- When an account is removed, the shares it held pass with its workflows (Accounts.remove), so the
-- workflows it owned keep the credentials they ran with.
CREATE TABLE credential_shares (
    credential_id VARCHAR(32) NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    user_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shared_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (credential_id, user_id)
);
CREATE INDEX credential_shares_by_user ON credential_shares (user_id);
