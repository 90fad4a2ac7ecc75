package io.nlink.server.auth;

import io.nlink.server.http.ApiException;

/**
 * The role matrix of docs/security.md as code: the one place the server decides what an account
 * may see and do. Routes declare a level that {@link #mayCall} decides before any handler runs;
 * every read and change of a workflow or an execution is narrowed by {@link #workflows}; every
 * change to an account by a user manager is decided by {@link #mayManage}; credentials are
 * narrowed by {@link #credentials} and {@link #credentialsUsableBy}. Nothing else in the server
 * compares roles or owners.
 *
 * <p>The rules, in short: each workflow belongs to one account, and its executions follow it.
 * The owner and admins see and change every workflow and execution; a member sees and changes
 * only their own, and what a caller may not see answers exactly as if it did not exist (404), so
 * ids cannot be probed. There is no see-but-not-change state for workflows (that arrives with
 * sharing); 403 is for refusals by role: node management, account management, and any change to
 * the owner account by someone else. 409 is for a change nobody may make: the owner cannot be
 * demoted, disabled or removed, and nobody changes their own role or state.
 */
public final class Policy {
    private Policy() {}

    /** What a route demands of its caller, beyond being signed in. */
    public enum Level {
        /** No account needed. */
        ANYONE,
        /** Any enabled account. */
        SIGNED_IN,
        /** Upload and remove nodes of the Community Store. */
        NODE_MANAGER,
        /** Create, change, disable and remove accounts. */
        USER_MANAGER,
        /** Read the audit log. */
        AUDIT_READER
    }

    /** Whether {@code role} may call a route of {@code level}; the refusal says who may. */
    public static boolean mayCall(Role role, Level level) {
        return switch (level) {
            case ANYONE, SIGNED_IN -> true;
            case NODE_MANAGER, USER_MANAGER, AUDIT_READER -> role == Role.OWNER || role == Role.ADMIN;
        };
    }

    /** Why a route above {@link Level#SIGNED_IN} refused {@code role}: says who may. */
    public static String refusal(Role role) {
        return "only the owner or an admin may do this; you are " + role.id();
    }

    /**
     * Whose workflows (and so executions) a caller sees and changes.
     *
     * @param ownerId the one account whose work is in scope, or null for everyone's
     */
    public record Scope(Long ownerId) {
        public static final Scope EVERYONE = new Scope(null);
    }

    /** The owner and admins: every workflow; a member: their own. */
    public static Scope workflows(Principal caller) {
        return caller.role() == Role.MEMBER ? new Scope(caller.userId()) : Scope.EVERYONE;
    }

    /**
     * Whose credentials a caller sees (names, types, ids; never secrets), changes and deletes:
     * as for workflows, the owner and admins everyone's, a member their own.
     */
    public static Scope credentials(Principal caller) {
        return workflows(caller);
    }

    /**
     * Whose credentials a workflow's nodes may use: its owner's alone, whoever runs or edits it,
     * so nobody reaches another account's secrets by naming them in a workflow of their own.
     *
     * @param workflowOwnerId null for a workflow without an owner, which may use none
     */
    public static Scope credentialsUsableBy(Long workflowOwnerId) {
        return new Scope(workflowOwnerId == null ? -1L : workflowOwnerId);
    }

    /** What can be done to an account. */
    public enum AccountChange {
        ROLE("change the role of"),
        DISABLE("disable"),
        ENABLE("enable"),
        REMOVE("remove"),
        RESET_PASSWORD("make a password-reset link for");

        private final String verb;

        AccountChange(String verb) {
            this.verb = verb;
        }
    }

    /**
     * Refuses {@code change} to the account {@code targetId} (of {@code targetRole}) unless
     * {@code actor}, a user manager (the route has checked that), may make it. The owner account is
     * beyond every change here: its password is changed by the owner alone, with the current one.
     * Nobody changes their own role or state, so nobody locks themselves out.
     */
    public static void checkManage(Principal actor, long targetId, Role targetRole, AccountChange change) {
        if (targetRole == Role.OWNER) {
            throw actor.role() == Role.OWNER
                    ? new ApiException(409, "the owner account cannot be demoted, disabled, removed or reset; change your password with PUT /api/password")
                    : new ApiException(403, "only the owner manages the owner account; you are " + actor.role().id());
        }
        if (actor.userId() == targetId) {
            throw new ApiException(409, "you cannot " + change.verb + " your own account; ask the owner or another admin"
                    + (change == AccountChange.RESET_PASSWORD ? ", or change your password with PUT /api/password" : ""));
        }
    }
}
