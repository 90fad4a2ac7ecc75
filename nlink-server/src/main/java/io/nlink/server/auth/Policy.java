package io.nlink.server.auth;

import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Forbidden;

/**
 * The role matrix of docs/security.md as code: the one place the server decides what an account
 * may see and do. Routes declare a level that {@link #mayCall} decides before any handler runs;
 * every read and change of a workflow or an execution is narrowed by {@link #workflows}, every
 * delete, share and transfer by {@link #workflowsToManage} and {@link #checkManage(Principal, Long,
 * String)}; every change to an account by a user manager is decided by
 * {@link #checkManage(Principal, long, Role, AccountChange)}; credentials are narrowed by
 * {@link #credentials}, {@link #credentialsToManage} and {@link #credentialsUsableBy}. Nothing
 * else in the server compares roles, owners or shares.
 *
 * <p>The rules, in short: each workflow and each credential belongs to one account, and a
 * workflow's executions follow it. The owner and admins see and change every workflow, execution
 * and credential. A member sees their own and what is shared with them; a sharee views, edits and
 * runs a shared workflow and sees its executions, and uses a shared credential in workflows of
 * their own; deleting, sharing and transferring stay with the owning account (and the owner and
 * admins), refused with 403 to a sharee ({@link #checkManage(Principal, Long, String)}). What a
 * caller may not see answers exactly as if it did not exist (404), so ids cannot be probed; 403
 * is for refusals by role or share: node management, account management, managing what is only
 * shared with you, and any change to the owner account by someone else. 409 is for a change
 * nobody may make: the owner cannot be demoted, disabled or removed, and nobody changes their own
 * role or state.
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
     * Which workflows (and so executions) or credentials a caller reaches.
     *
     * @param accountId  the one account whose work is in scope, or null for everyone's
     * @param withShared whether what is shared with {@code accountId} is in scope too
     */
    public record Scope(Long accountId, boolean withShared) {
        public static final Scope EVERYONE = new Scope(null, false);

        /** Only what {@code accountId} owns. */
        public static Scope own(long accountId) {
            return new Scope(accountId, false);
        }

        /** What {@code accountId} owns and what is shared with it. */
        public static Scope ownAndShared(long accountId) {
            return new Scope(accountId, true);
        }

        /** A WHERE condition and its arguments. */
        public record Where(String sql, Object[] args) {}

        /**
         * {@code condition} narrowed to this scope: the one place a scope becomes SQL. The statement
         * names the owned table {@code alias} (its {@code owner_id} the owner); its shares are the
         * rows of {@code shares} pairing {@code sharedKey} with a {@code user_id}.
         */
        public Where where(String alias, String shares, String sharedKey, String condition, Object... args) {
            if (accountId == null) return new Where(condition, args);
            Object[] all = java.util.Arrays.copyOf(args, args.length + (withShared ? 2 : 1));
            java.util.Arrays.fill(all, args.length, all.length, accountId);
            return new Where(
                    "(" + condition + ") AND (" + alias + ".owner_id = ?"
                            + (withShared
                                    ? " OR EXISTS (SELECT 1 FROM " + shares + " s WHERE s." + sharedKey + " = " + alias
                                            + ".id AND s.user_id = ?)"
                                    : "")
                            + ")",
                    all);
        }

        /** Whether something of {@code ownerId}, shared with the scope's account or not, is in it. */
        public boolean reaches(Long ownerId, boolean sharedWithAccount) {
            return accountId == null || accountId.equals(ownerId) || (withShared && sharedWithAccount);
        }
    }

    /** Seen, edited and run (and their executions seen): the owner and admins every workflow; a member their own and those shared with them. */
    public static Scope workflows(Principal caller) {
        return caller.role() == Role.MEMBER ? Scope.ownAndShared(caller.userId()) : Scope.EVERYONE;
    }

    /** Deleted, shared and transferred: the owner and admins every workflow; a member their own. */
    public static Scope workflowsToManage(Principal caller) {
        return caller.role() == Role.MEMBER ? Scope.own(caller.userId()) : Scope.EVERYONE;
    }

    /**
     * Whose credentials a caller sees (names, types, ids; never secrets): as for workflows, the
     * owner and admins everyone's, a member their own and those shared with them.
     */
    public static Scope credentials(Principal caller) {
        return workflows(caller);
    }

    /** Renamed, given new data, deleted, shared and transferred: the owner and admins every credential; a member their own. */
    public static Scope credentialsToManage(Principal caller) {
        return workflowsToManage(caller);
    }

    /**
     * Whose credentials an account may use in a workflow: its own and those shared with it, whatever
     * its role (an admin sees every credential but uses only these). A workflow's runs use what its
     * owner may use; whoever edits it may add only what both they and its owner may use.
     *
     * @param accountId null for a workflow without an owner, which may use none
     */
    public static Scope credentialsUsableBy(Long accountId) {
        return accountId == null ? Scope.own(-1L) : Scope.ownAndShared(accountId);
    }

    /** Whether {@code caller} may delete, share and transfer what {@code ownerId} owns (for the dashboard to offer it). */
    public static boolean mayManage(Principal caller, Long ownerId) {
        return workflowsToManage(caller).reaches(ownerId, false);
    }

    /**
     * Refuses (403) {@code caller} to delete, share or transfer {@code what}, owned by
     * {@code ownerId}, unless it is theirs or they are the owner or an admin. Called after the
     * caller was found to see it, so a sharee hears why rather than a 404.
     *
     * @param what the verb and the thing, such as {@code delete workflow 7}
     */
    public static void checkManage(Principal caller, Long ownerId, String what) {
        if (!mayManage(caller, ownerId)) {
            throw new Forbidden(
                    "only its owner, the server's owner or an admin may " + what + "; it is shared with you");
        }
    }

    /**
     * Refuses to share with or transfer to {@code recipient}: a disabled account could not use it,
     * and the one owning it needs no share.
     *
     * @param transfer whether it is a transfer (else a share)
     */
    public static void checkRecipient(String recipient, boolean disabled, boolean isOwner, boolean transfer) {
        if (disabled) {
            throw new Conflict("the account \"" + recipient + "\" is disabled; enable it first, or choose another");
        }
        if (isOwner) {
            throw new Conflict(
                    transfer
                            ? "\"" + recipient + "\" owns it already"
                            : "\"" + recipient + "\" owns it; share it with others");
        }
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
                    ? new Conflict(
                            "the owner account cannot be demoted, disabled, removed or reset; change your password with PUT /api/password")
                    : new Forbidden("only the owner manages the owner account; you are "
                            + actor.role().id());
        }
        if (actor.userId() == targetId) {
            throw new Conflict("you cannot " + change.verb + " your own account; ask the owner or another admin"
                    + (change == AccountChange.RESET_PASSWORD
                            ? ", or change your password with PUT /api/password"
                            : ""));
        }
    }
}
