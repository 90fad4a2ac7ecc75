-- nLink schema, version 7: credentials (docs/workflows.md, Credentials; docs/security.md).
-- Each credential belongs to one account, as workflows do; a workflow uses only its owner's.
-- The secret is AES-256-GCM ciphertext under the server's credentials key, which is not in the
-- database (a key file in the data directory, or the file --credentials-key-file names):
-- base64 of a 12-byte nonce followed by the ciphertext and its 16-byte tag, bound to the row's id
-- and type. key_id names the key that sealed it (a hash, not the key), so a server started with
-- another key says so instead of failing at each run.
-- The id is random text, as n8n's are: a workflow names a credential by it.
-- No ON DELETE: an account is removed only after its credentials have passed to the owner.
CREATE TABLE credentials (
    id          VARCHAR(32)   PRIMARY KEY,
    name        VARCHAR(128)  NOT NULL,
    type        VARCHAR(64)   NOT NULL,
    owner_id    BIGINT        NOT NULL REFERENCES users (id),
    secret      TEXT          NOT NULL,
    key_id      CHAR(16)      NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX credentials_by_owner ON credentials (owner_id, name);
