-- nLink schema, version 6: which active workflow holds each webhook route (docs/workflows.md).
-- One row per enabled Webhook node of an active workflow. The primary key is what keeps a second
-- workflow off a method and path already taken, even when two cluster members activate at the
-- same moment; the rows come and go with activation in the same transaction. Workflows active
-- before this version claim theirs when the server starts, oldest first
-- (WorkflowService.claimRoutesOfActiveWorkflows).
CREATE TABLE webhook_routes (
    method       VARCHAR(8)    NOT NULL,
    path         VARCHAR(500)  NOT NULL,
    workflow_id  BIGINT        NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    node         VARCHAR(200)  NOT NULL,
    PRIMARY KEY (method, path)
);
CREATE INDEX webhook_routes_by_workflow ON webhook_routes (workflow_id);
