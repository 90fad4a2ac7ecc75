package io.nlink.server.auth;

import java.util.Locale;

/**
 * What an account may do. The owner is created at first start and is the only one who manages
 * accounts; admins manage the Community Store; members use it (browse, test-run, scaffold).
 */
public enum Role {
    OWNER,
    ADMIN,
    MEMBER;

    /** Upload and remove nodes. */
    public boolean managesNodes() {
        return this == OWNER || this == ADMIN;
    }

    /** Create accounts and give roles. */
    public boolean managesAccounts() {
        return this == OWNER;
    }

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
