package io.nlink.server.auth;

/**
 * Who is calling: an account, and how it proved it.
 *
 * @param userId    the account
 * @param username  its name
 * @param role      what it may do
 * @param csrfToken the session's CSRF token; null when the call carries an API key (no cookie,
 *                  so no cross-site request can carry it either)
 */
public record Principal(long userId, String username, Role role, String csrfToken) {
    public boolean viaSession() {
        return csrfToken != null;
    }
}
