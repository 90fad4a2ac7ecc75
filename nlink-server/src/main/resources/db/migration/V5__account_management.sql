-- nLink schema, version 5: accounts that can be disabled, and password-reset links
-- (docs/security.md, Managing accounts).

-- A disabled account cannot sign in, and its sessions and API keys are gone.
ALTER TABLE users ADD COLUMN disabled BOOLEAN DEFAULT FALSE NOT NULL;

-- One-time password-reset links, stored as hashes like sessions; one live link per account.
CREATE TABLE password_resets (
    token_hash  CHAR(64)  PRIMARY KEY,
    user_id     BIGINT    NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
