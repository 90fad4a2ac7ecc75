-- nLink schema, version 3: an execution is recorded when it starts (status 'running', no finish
-- time yet) and completed when it ends, so a run cut off by a dying server or member is not lost:
-- it is marked 'crashed' with its input (docs/workflows.md). The member column names who ran it.
ALTER TABLE executions ADD COLUMN member VARCHAR(128);
ALTER TABLE executions ALTER COLUMN finished_at DROP NOT NULL;
CREATE INDEX executions_by_status ON executions (status);
