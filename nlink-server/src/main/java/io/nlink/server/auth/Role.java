package io.nlink.server.auth;

import java.util.Locale;

/**
 * What an account is: the owner (created with the set-up link, one per server), an admin or a
 * member. What each may do is decided in {@link Policy} alone (docs/security.md, the role matrix).
 */
public enum Role {
    OWNER,
    ADMIN,
    MEMBER;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String id) {
        for (Role role : values()) {
            if (role.id().equals(id)) return role;
        }
        throw new IllegalArgumentException("unknown role \"" + id + "\"; expected owner, admin or member");
    }
}
