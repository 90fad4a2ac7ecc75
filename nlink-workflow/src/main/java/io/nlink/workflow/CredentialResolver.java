package io.nlink.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run finds the secrets its nodes' credentials hold: the server's encrypted store (only
 * the workflow owner's credentials), or a file given to {@code nlink workflow run --credentials}.
 * The data goes straight to the node that asked, never into expressions, items or the execution
 * record.
 */
public interface CredentialResolver {
    /**
     * The data of the credential {@code ref} names, checked to be of {@code type}
     * ({@link CredentialTypes}).
     *
     * @throws MissingCredentialException when it does not exist here, is of another type, or is
     *     not the workflow owner's; the message names the credential and says what to do
     */
    ObjectNode data(String type, Workflow.CredentialRef ref) throws MissingCredentialException;

    /**
     * A field a resolver may add to the data it returns, never a field of a credential type (so no
     * stored credential can carry it): who holds the credential, such as the stored credential's
     * id and the account whose run uses it. Never a secret. What a node keeps per credential
     * across runs (an OAuth2 token, {@link io.nlink.workflow.http.OAuth2Tokens}) is kept apart
     * per holder.
     */
    String HOLDER = "@holder";

    /** No credentials at all: every reference fails, saying how to give some. */
    CredentialResolver NONE = (type, ref) -> {
        throw new MissingCredentialException(
                "credential " + ref.describe() + " (" + type + ") is not available: this run has no credentials;"
                        + " with nlink workflow run, give them with --credentials FILE (docs/workflows.md, Credentials)");
    };

    /** A credential a node needs cannot be had. */
    final class MissingCredentialException extends Exception {
        public MissingCredentialException(String message) {
            super(message);
        }
    }
}
