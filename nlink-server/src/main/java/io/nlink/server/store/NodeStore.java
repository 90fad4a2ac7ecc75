package io.nlink.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.devkit.GoldenVectors;
import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.Sha256;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodeDefinition;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.NodeProperty;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.pkg.Problem;
import io.nlink.runtime.wasm.ModuleInfo;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.BusyGate;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Invalid;
import io.nlink.server.refusal.NotFound;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Community Store: validates uploaded node packages, installs them content-addressed by the
 * SHA-256 of their ZIP, and keeps every installed version until it is removed.
 *
 * <p>An upload is installed only when all of it checks out — ZIP screen, package files, module
 * exports/imports/memory, a real compile and start in the sandbox, and the package's golden
 * vectors when it has them — and the install is one transaction, so a refused or failed upload
 * leaves nothing behind. At most one upload per core is validated at once ({@link #validating}), and
 * the compile runs on the runtime's compile worker within its CPU budget, so uploads of modules
 * that are slow to compile neither hold every request thread nor every core.
 */
public final class NodeStore {
    private final Database db;
    private final NodeRuntime runtime;
    private final SandboxLimits limits;
    private final LoadedNodes loaded;

    /**
     * Uploads validated at once: each can take seconds of a core, up to the runtime's compile
     * budget, and needs only a signed-in member. One per core; 5 s of wait lets an honest upload
     * that arrives beside another get its turn; Retry-After 10 s is about what validating the Go
     * example takes on a busy 2-core machine. Refused rather than queued: a queued upload would hold
     * its request thread for as long as the ones ahead of it take.
     */
    private final BusyGate validating = new BusyGate(
            Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(5), "validating other uploads", 10);

    /** One installed version, as lists and pages show it. */
    public record Version(
            String name,
            String version,
            String sha256,
            String displayName,
            String description,
            long zipBytes,
            Instant installedAt,
            String installedBy,
            ObjectNode details) {}

    /** A node and its installed versions, newest install first. */
    public record Node(
            String name, String displayName, String description, String latestVersion, List<String> versions) {}

    /** @param created false when the same bytes were already installed (uploads are idempotent) */
    public record Installed(Version version, boolean created) {}

    public NodeStore(Database db, NodeRuntime runtime, SandboxLimits limits) {
        this.db = db;
        this.runtime = runtime;
        this.limits = limits;
        this.loaded = new LoadedNodes(runtime, limits, this::packageBytes);
    }

    /** Installs a package as {@link #install(byte[], String, AuditLog.Recorder)} does, unrecorded. */
    public Installed install(byte[] zip, String uploader) throws SQLException, IOException {
        return install(zip, uploader, (c, target, detail) -> {});
    }

    /**
     * Installs a package; {@code installed} records a new version ({@code name@version}, its SHA-256)
     * in the install's transaction. A re-upload of the same bytes changes and records nothing.
     */
    public Installed install(byte[] zip, String uploader, AuditLog.Recorder installed)
            throws SQLException, IOException {
        String sha256 = Sha256.hex(zip);
        List<Problem> screen = UploadScreen.check(zip);
        if (!screen.isEmpty()) throw refused(screen);
        NodePackage pkg;
        try {
            pkg = PackageLoader.loadZip("upload", new ByteArrayInputStream(zip));
        } catch (InvalidPackageException e) {
            throw refused(e.problems());
        }
        String name = pkg.manifest().name();
        String version = pkg.manifest().version();
        if (name.contains("/")) {
            throw refused(
                    List.of(
                            new Problem(
                                    "package.json",
                                    "name",
                                    "scoped npm names (@scope/name) are not supported by the store; name the package nlink-community.<name>")));
        }
        Optional<Version> existing = version(name, version);
        if (existing.isPresent()) {
            if (existing.get().sha256().equals(sha256)) return new Installed(existing.get(), false);
            throw new Conflict(name + "@" + version + " is already installed with different content;"
                    + " raise \"version\" in package.json to install the new build beside it");
        }
        ObjectNode details = validating.run(() -> validate(pkg, zip));
        Instant now = Instant.now();
        String displayName = pkg.definition().displayName();
        String description = pkg.manifest().description() != null
                ? pkg.manifest().description()
                : pkg.definition().description();
        try {
            db.transaction(c -> {
                if (Database.query(c, "SELECT 1 FROM package_blobs WHERE sha256 = ?", r -> 1, sha256)
                        .isEmpty()) {
                    Database.update(c, "INSERT INTO package_blobs (sha256, content) VALUES (?, ?)", sha256, zip);
                }
                Database.update(
                        c,
                        "INSERT INTO node_versions (name, version, sha256, display_name, description, zip_bytes, details, installed_at, installed_by)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        name,
                        version,
                        sha256,
                        truncate(displayName, 200),
                        truncate(description, 2000),
                        (long) zip.length,
                        Json.write(details),
                        now.atOffset(java.time.ZoneOffset.UTC),
                        uploader);
                installed.record(c, name + "@" + version, "sha256 " + sha256);
                return null;
            });
        } catch (SQLException e) {
            // Two uploads of one name@version raced; the loser sees what the winner installed.
            Optional<Version> raced = version(name, version);
            if (raced.isPresent()) {
                if (raced.get().sha256().equals(sha256)) return new Installed(raced.get(), false);
                throw new Conflict(name + "@" + version + " was installed with different content meanwhile");
            }
            throw e;
        }
        return new Installed(version(name, version).orElseThrow(), true);
    }

    public List<Node> nodes() throws SQLException {
        Map<String, List<Version>> byName = new LinkedHashMap<>();
        for (Version v : db.query(SELECT_VERSION + " ORDER BY name, installed_at DESC, id DESC", NodeStore::version)) {
            byName.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(v);
        }
        List<Node> nodes = new ArrayList<>();
        byName.forEach((name, versions) -> {
            Version latest = versions.get(0);
            nodes.add(new Node(
                    name,
                    latest.displayName(),
                    latest.description(),
                    latest.version(),
                    versions.stream().map(Version::version).toList()));
        });
        return nodes;
    }

    public Optional<Version> version(String name, String version) throws SQLException {
        return db.queryOne(SELECT_VERSION + " WHERE name = ? AND version = ?", NodeStore::version, name, version);
    }

    public Version require(String name, String version) throws SQLException {
        return version(name, version)
                .orElseThrow(() -> new NotFound(
                        "no node " + name + "@" + version + " is installed; GET /api/nodes lists what is"));
    }

    public List<Version> versions(String name) throws SQLException {
        return db.query(
                SELECT_VERSION + " WHERE name = ? ORDER BY installed_at DESC, id DESC", NodeStore::version, name);
    }

    /**
     * Removes one version; its ZIP goes too unless another row still uses the same bytes.
     * {@code removed} records it ({@code name@version}) in the same transaction.
     */
    public void remove(String name, String version, AuditLog.Recorder removed) throws SQLException {
        Version v = require(name, version);
        db.transaction(c -> {
            Database.update(c, "DELETE FROM node_versions WHERE name = ? AND version = ?", name, version);
            removed.record(c, name + "@" + version, null);
            if (Database.query(c, "SELECT 1 FROM node_versions WHERE sha256 = ?", r -> 1, v.sha256())
                    .isEmpty()) {
                Database.update(c, "DELETE FROM package_blobs WHERE sha256 = ?", v.sha256());
            }
            return null;
        });
        loaded.forget(v.sha256());
    }

    public byte[] packageBytes(String sha256) throws SQLException {
        return db.queryOne("SELECT content FROM package_blobs WHERE sha256 = ?", r -> r.getBytes(1), sha256)
                .orElseThrow(() -> new NotFound("no package with SHA-256 " + sha256));
    }

    /** The version's package, loaded and its runtime chosen; cached by content hash. */
    public LoadedNodes.Loaded load(Version version) throws SQLException {
        return loaded.get(version.sha256());
    }

    private ObjectNode validate(NodePackage pkg, byte[] zip) throws IOException {
        ObjectNode details = Json.MAPPER.createObjectNode();
        details.put("author", pkg.manifest().author());
        details.put("license", pkg.manifest().license());
        details.set("definition", definitionJson(pkg.definition()));
        LoadedNode choice;
        try {
            choice = runtime.load(pkg, limits);
        } catch (NoRuntimeException e) {
            // The runtime words its problems "execution.wasm <what>"; the file is the Problem's own field.
            String prefix = PackageLoader.WASM_FILE + " ";
            throw refused(e.problems().stream()
                    .map(p -> new Problem(
                            PackageLoader.WASM_FILE, "", p.startsWith(prefix) ? p.substring(prefix.length()) : p))
                    .toList());
        }
        ModuleInfo module = choice.module().orElse(null);
        if (choice.fallbackWhy() == null) {
            // choose() compiles; starting one instance runs _initialize under the init bound.
            try (NodeInstance probe = choice.executable().newInstance(limits)) {
                // it starts
            } catch (SandboxException e) {
                throw refused(List.of(
                        new Problem(PackageLoader.WASM_FILE, "", "compiles but cannot start: " + e.getMessage())));
            }
        }
        ArrayNode runtimesJson = details.putArray("runtimes");
        if (pkg.wasm() != null) runtimesJson.add("wasm");
        if (pkg.javascript() != null) runtimesJson.add("js");
        details.put("runtime", choice.runtime());
        details.put("fallbackReason", choice.fallbackWhy());
        details.put("wasmBytes", pkg.wasm() == null ? 0 : pkg.wasm().length);
        details.put("jsBytes", pkg.javascript() == null ? 0 : pkg.javascript().length());
        if (module != null) {
            details.put("wasmSha256", module.sha256());
            ObjectNode memory = details.putObject("memory");
            if (module.memory() != null) {
                memory.put("initialPages", module.memory().initialPages());
                memory.put("maximumPages", module.memory().maximumPages());
            }
            memory.put("capPages", limits.memoryPages());
            details.set("capabilities", Json.MAPPER.valueToTree(Capabilities.of(module)));
            ArrayNode imports = details.putArray("imports");
            module.imports().forEach(i -> imports.add(i.module() + "." + i.name()));
            details.put("initialize", module.hasInitialize());
        } else {
            details.set("capabilities", Json.MAPPER.valueToTree(Capabilities.javascript()));
        }
        details.set("goldenVectors", runVectors(pkg, zip, choice));
        return details;
    }

    /** Runs tests/*.json from the ZIP, if any; a failing vector refuses the upload. */
    private ObjectNode runVectors(NodePackage pkg, byte[] zip, LoadedNode choice) throws IOException {
        ObjectNode summary = Json.MAPPER.createObjectNode();
        try (PackageFiles.Extracted tests = PackageFiles.extract(zip, GoldenVectors.DIRECTORY)) {
            List<GoldenVectors.Outcome> outcomes = GoldenVectors.run(tests.root(), pkg, choice.executable());
            List<Problem> failed = outcomes.stream()
                    .filter(o -> !o.passed())
                    .map(o -> new Problem(o.vector(), "", "golden vector failed: " + o.difference()))
                    .toList();
            if (!failed.isEmpty()) throw refused(failed);
            summary.put("count", outcomes.size());
            summary.put("passed", outcomes.size());
            summary.put("runtime", choice.runtime());
        }
        return summary;
    }

    private static JsonNode definitionJson(NodeDefinition definition) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("name", definition.name());
        out.put("displayName", definition.displayName());
        out.put("description", definition.description());
        out.put("version", definition.version());
        out.put("perItemFallback", definition.perItemFallback());
        ArrayNode properties = out.putArray("properties");
        for (NodeProperty p : definition.properties()) {
            ObjectNode prop = properties.addObject();
            prop.put("name", p.name());
            prop.put("displayName", p.displayName());
            prop.put("type", p.type().jsonName());
            prop.set("default", p.defaultValue());
            prop.put("required", p.required());
            prop.put("description", p.description());
            if (!p.options().isEmpty()) {
                ArrayNode options = prop.putArray("options");
                for (NodeProperty.Option o : p.options()) {
                    options.addObject()
                            .put("name", o.name())
                            .put("description", o.description())
                            .set("value", o.value());
                }
            }
        }
        return out;
    }

    private static Invalid refused(List<Problem> problems) {
        String first = problems.isEmpty() ? "" : ": " + problems.get(0);
        return new Invalid(
                "the package was refused" + first
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""),
                problems);
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private static final String SELECT_VERSION =
            "SELECT name, version, sha256, display_name, description, zip_bytes, installed_at, installed_by, details FROM node_versions";

    private static Version version(java.sql.ResultSet r) throws SQLException {
        ObjectNode details;
        try {
            details = (ObjectNode) Json.parse(r.getString(9));
        } catch (IOException e) {
            throw new SQLException("node_versions.details is not JSON", e);
        }
        return new Version(
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                r.getLong(6),
                r.getObject(7, OffsetDateTime.class).toInstant(),
                r.getString(8),
                details);
    }
}
