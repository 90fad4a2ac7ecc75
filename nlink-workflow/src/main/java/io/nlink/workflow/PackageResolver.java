package io.nlink.workflow;

import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Community nodes from package folders and ZIPs on disk: what {@code nlink workflow run --node}
 * gives, with no server. Each package is loaded up front (so a bad one is reported before the run)
 * and compiled on first use.
 */
public final class PackageResolver implements NodeResolver {
    private final NodeRuntime runtime;
    private final SandboxLimits limits;
    private final List<NodePackage> packages = new ArrayList<>();
    private final Map<String, Resolved> chosen = new HashMap<>();

    public PackageResolver(NodeRuntime runtime, SandboxLimits limits, List<Path> paths)
            throws IOException, InvalidPackageException {
        this.runtime = runtime;
        this.limits = limits;
        for (Path path : paths) packages.add(PackageLoader.load(path));
    }

    @Override
    public synchronized Resolved resolve(String name, String version) throws UnknownNodeException {
        NodePackage match = null;
        for (NodePackage p : packages) {
            if (!p.manifest().name().equals(name)) continue;
            if (version != null
                    ? p.manifest().version().equals(version)
                    : match == null
                            || newer(p.manifest().version(), match.manifest().version())) {
                match = p;
            }
        }
        if (match == null) {
            List<String> have = packages.stream().map(NodePackage::id).toList();
            throw new UnknownNodeException(
                    "community node " + name + (version == null ? "" : "@" + version) + " is not available"
                            + (have.isEmpty()
                                    ? "; give its package folder or ZIP with --node"
                                    : "; given: " + String.join(", ", have)));
        }
        NodePackage pkg = match;
        Resolved cached = chosen.get(pkg.id());
        if (cached != null) return cached;
        try {
            LoadedNode node = runtime.load(pkg, limits);
            Resolved resolved = new Resolved(
                    pkg.manifest().name(),
                    pkg.manifest().version(),
                    pkg.definition(),
                    node.executable(),
                    node.fallbackWhy());
            chosen.put(pkg.id(), resolved);
            return resolved;
        } catch (NoRuntimeException e) {
            throw new UnknownNodeException(e.getMessage());
        }
    }

    /** Semantic-version order on the numeric core; a pre-release sorts before its release. */
    static boolean newer(String a, String b) {
        int[] x = core(a), y = core(b);
        for (int i = 0; i < 3; i++) if (x[i] != y[i]) return x[i] > y[i];
        return !a.contains("-") && b.contains("-");
    }

    private static int[] core(String version) {
        String[] parts = version.split("[-+]")[0].split("\\.");
        int[] out = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
        }
        return out;
    }
}
