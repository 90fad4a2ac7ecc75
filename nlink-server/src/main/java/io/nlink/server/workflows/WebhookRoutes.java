package io.nlink.server.workflows;

import io.nlink.server.auth.Policy;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Refusal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The webhook routes (method and path) active workflows hold, in table {@code webhook_routes}: a
 * route is claimed in the transaction that activates its workflow, so no two active workflows
 * share one on any member of a cluster.
 */
final class WebhookRoutes {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WebhookRoutes.class);

    private final Database db;

    WebhookRoutes(Database db) {
        this.db = db;
    }

    /**
     * Makes workflow {@code id} hold exactly {@code hooks}' routes. A route another workflow holds
     * is refused with the holder named, when the caller may see it; two activations racing for
     * the same route meet at the primary key, and the later one is refused likewise.
     */
    static void hold(Connection c, Policy.Scope scope, long id, List<WebhookSettings> hooks) throws SQLException {
        Database.update(c, "DELETE FROM webhook_routes WHERE workflow_id = ?", id);
        for (WebhookSettings hook : hooks) {
            Optional<RouteHolder> holder = Database.query(
                            c,
                            "SELECT r.workflow_id, w.name, w.owner_id, r.node FROM webhook_routes r"
                                    + " JOIN workflows w ON w.id = r.workflow_id WHERE r.method = ? AND r.path = ?",
                            r -> new RouteHolder(
                                    r.getLong(1), r.getString(2), r.getObject(3, Long.class), r.getString(4)),
                            hook.method(),
                            hook.path())
                    .stream()
                    .findFirst();
            if (holder.isPresent()) throw routeTaken(c, scope, hook, holder.get());
            try {
                Database.update(
                        c,
                        "INSERT INTO webhook_routes (method, path, workflow_id, node) VALUES (?, ?, ?, ?)",
                        hook.method(),
                        hook.path(),
                        id,
                        Sql.truncate(hook.node()));
            } catch (SQLException e) {
                if (!Sql.uniqueViolation(e)) throw e;
                throw new Conflict(hook.method() + " /webhook/" + hook.path()
                        + " was taken by another workflow activated at the same moment; try again to see which");
            }
        }
    }

    /** The active workflow that holds a webhook route. */
    private record RouteHolder(long workflowId, String name, Long ownerId, String node) {}

    /**
     * The 409 for a route {@code holder} holds: named to a caller who may see that workflow (its
     * own, or shared with it); to anyone else, nothing of it (name, id, owner, node), only what to do.
     */
    private static Conflict routeTaken(Connection c, Policy.Scope scope, WebhookSettings hook, RouteHolder holder)
            throws SQLException {
        Policy.Scope.Where seen = scope.where("w", "workflow_shares", "workflow_id", "w.id = ?", holder.workflowId());
        boolean visible = !Database.query(c, "SELECT 1 FROM workflows w WHERE " + seen.sql(), r -> 1, seen.args())
                .isEmpty();
        String route = hook.method() + " /webhook/" + hook.path();
        String instead = "change this workflow's Webhook node \"" + hook.node() + "\" to another path or method";
        return new Conflict(
                visible
                        ? route + " is already used by active workflow " + holder.workflowId() + " \"" + holder.name()
                                + "\" (its Webhook node \"" + holder.node()
                                + "\"): only one active workflow may listen on a path and method. Deactivate that one, or "
                                + instead
                        : route + " is already used by an active workflow you cannot see: only one active workflow may"
                                + " listen on a path and method; " + instead);
    }

    /** Every route and the workflow holding it, "METHOD path" to workflow id. */
    Map<String, Long> all() throws SQLException {
        Map<String, Long> routes = new HashMap<>();
        db.query(
                "SELECT method, path, workflow_id FROM webhook_routes",
                r -> routes.put(r.getString(1) + " " + r.getString(2), r.getLong(3)));
        return routes;
    }

    /**
     * Workflows activated before routes were held in the database (schema version 6) claim theirs,
     * in the order of {@code active}; one that finds its route taken logs it and does not answer there.
     */
    void claimForActive(List<WorkflowService.Stored> active) throws SQLException {
        Set<Long> holding =
                new HashSet<>(db.query("SELECT DISTINCT workflow_id FROM webhook_routes", r -> r.getLong(1)));
        for (WorkflowService.Stored stored : active) {
            if (holding.contains(stored.id())) continue;
            List<WebhookSettings> hooks;
            try {
                hooks = WebhookSettings.of(stored.workflow());
            } catch (Refusal e) {
                LOG.warn("workflow {}: {}; its webhooks stay off", stored.id(), e.getMessage());
                continue;
            }
            for (WebhookSettings hook : hooks) {
                try {
                    db.update(
                            "INSERT INTO webhook_routes (method, path, workflow_id, node) VALUES (?, ?, ?, ?)",
                            hook.method(),
                            hook.path(),
                            stored.id(),
                            Sql.truncate(hook.node()));
                } catch (SQLException e) {
                    if (!Sql.uniqueViolation(e)) throw e;
                    LOG.warn(
                            "workflow {} node \"{}\": webhook {} is held by another active workflow; this one does not answer there",
                            stored.id(),
                            hook.node(),
                            hook.route());
                }
            }
        }
    }
}
