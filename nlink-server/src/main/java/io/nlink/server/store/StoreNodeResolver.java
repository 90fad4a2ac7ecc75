package io.nlink.server.store;

import io.nlink.workflow.NodeResolver;
import java.sql.SQLException;
import java.util.List;

/**
 * Community nodes for workflows, from the Community Store: a pinned version runs exactly that
 * version; an unpinned one runs the version installed most recently.
 */
public final class StoreNodeResolver implements NodeResolver {
    private final NodeStore store;

    public StoreNodeResolver(NodeStore store) {
        this.store = store;
    }

    @Override
    public Resolved resolve(String packageName, String version) throws UnknownNodeException {
        NodeStore.Version v = find(packageName, version);
        try {
            LoadedNodes.Loaded loaded = store.load(v);
            return new Resolved(
                    v.name(),
                    v.version(),
                    loaded.pkg().definition(),
                    loaded.choice().executable(),
                    loaded.choice().fallbackWhy());
        } catch (SQLException e) {
            throw new UnknownNodeException("the Community Store cannot be read: " + e.getMessage());
        }
    }

    /**
     * The installed version a run of {@code packageName} (pinned to {@code version}, or not: null)
     * uses, without loading its module; the editor checks a workflow with it as it is edited.
     */
    public NodeStore.Version find(String packageName, String version) throws UnknownNodeException {
        try {
            if (version != null) {
                var pinned = store.version(packageName, version);
                if (pinned.isEmpty()) {
                    throw new UnknownNodeException("community node " + packageName + "@" + version + " is not installed"
                            + installed(packageName));
                }
                return pinned.get();
            }
            List<NodeStore.Version> versions = store.versions(packageName);
            if (versions.isEmpty())
                throw new UnknownNodeException(
                        "community node " + packageName + " is not installed; upload it to the Community Store");
            return versions.get(0);
        } catch (SQLException e) {
            throw new UnknownNodeException("the Community Store cannot be read: " + e.getMessage());
        }
    }

    private String installed(String name) throws SQLException {
        List<String> versions =
                store.versions(name).stream().map(NodeStore.Version::version).toList();
        return versions.isEmpty()
                ? "; upload it to the Community Store"
                : "; installed versions: " + String.join(", ", versions);
    }
}
