package io.nlink.server.store;

import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.server.refusal.Broken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Installed packages loaded for running, by content hash: loading parses the ZIP and compiles (or
 * fetches from the compiled-module cache) once, then every run reuses the choice. Bounded LRU.
 */
public final class LoadedNodes {
    private static final int CAPACITY = 32;

    /** A package ready to run. */
    public record Loaded(NodePackage pkg, LoadedNode choice) {}

    @FunctionalInterface
    interface Blobs {
        byte[] get(String sha256) throws SQLException;
    }

    private final NodeRuntime runtime;
    private final SandboxLimits limits;
    private final Blobs blobs;
    private final Map<String, Loaded> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Loaded> eldest) {
            return size() > CAPACITY;
        }
    };

    LoadedNodes(NodeRuntime runtime, SandboxLimits limits, Blobs blobs) {
        this.runtime = runtime;
        this.limits = limits;
        this.blobs = blobs;
    }

    Loaded get(String sha256) throws SQLException {
        synchronized (cache) {
            Loaded hit = cache.get(sha256);
            if (hit != null) return hit;
        }
        Loaded loaded = load(sha256);
        synchronized (cache) {
            cache.putIfAbsent(sha256, loaded);
            return cache.get(sha256);
        }
    }

    void forget(String sha256) {
        synchronized (cache) {
            cache.remove(sha256);
        }
    }

    private Loaded load(String sha256) throws SQLException {
        byte[] zip = blobs.get(sha256);
        // The database is shared by every server of a cluster: check what it gave back is what was installed.
        String actual = io.nlink.runtime.Sha256.hex(zip);
        if (!actual.equals(sha256)) {
            throw new Broken("the installed package " + sha256 + " changed in the database (its bytes now hash to "
                    + actual + "); reinstall it");
        }
        try {
            NodePackage pkg = PackageLoader.loadZip(sha256, new ByteArrayInputStream(zip));
            return new Loaded(pkg, runtime.load(pkg, limits));
        } catch (InvalidPackageException | IOException | NoRuntimeException e) {
            // It passed these checks at install; failing now means the stored bytes or the runtime changed.
            throw new Broken("the installed package " + sha256 + " no longer loads: " + e.getMessage());
        }
    }
}
