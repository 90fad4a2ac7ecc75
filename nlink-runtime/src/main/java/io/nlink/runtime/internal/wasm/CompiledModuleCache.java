package io.nlink.runtime.internal.wasm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import run.endive.compiler.Cache;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/**
 * Compiled modules on disk, so that a new process (every {@code nlink run}) skips the compile:
 * measured on the 3.3 MB Go module, 3.6 s of a 4.7 s run. One JAR per module, named by the
 * module's SHA-256 and the engine (Endive) version that generated it, in the layout the engine's own loader
 * reads, plus the list of functions left to the interpreter.
 *
 * <p>These files are JVM classes the host will load and run, so the directory must be the current
 * user's alone: it is created with mode 0700, and a directory that others can write to is not
 * used at all (the engine then compiles in memory, as without a cache).
 *
 * <p><b>A stored entry vouches for its module.</b> An entry is written only after its module
 * passed the engine's validation and nLink's checks, and it names the module's SHA-256 twice: in
 * its file name and inside (a renamed or copied entry does not match and is discarded). So bytes
 * with the SHA-256 of a stored entry are a module that validated under this engine version, and
 * {@link WasmEngine} skips the engine's validation for them (about 0.35 s of CPU for the 3.3 MB Go
 * module; nLink's own checks still run). This trusts the directory as much as the classes in it
 * already must be trusted: whoever can write it can make the host run any code, validated or not.
 */
final class CompiledModuleCache {
    private static final System.Logger LOG = System.getLogger(CompiledModuleCache.class.getName());
    private static final String INTERPRETED_ENTRY = "nlink-interpreted-functions.txt";
    private static final String MODULE_PROPERTIES = "wasm-module.properties";
    /** The SHA-256 of the module the entry was compiled from, as the file name also says. */
    private static final String MODULE_SHA256_ENTRY = "nlink-module.sha256";
    /** v2: entries name their module inside (v1 entries are not read, so are compiled once more). */
    private static final String FORMAT = "v2";

    private final Path directory;
    private final String suffix;

    private CompiledModuleCache(Path directory, String engineVersion) {
        this.directory = directory;
        this.suffix = "-endive-" + engineVersion + "-" + FORMAT + ".jar";
    }

    /** A cache in {@code directory}, or null (with a warning) when it cannot be used safely. */
    static CompiledModuleCache open(Path directory) {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory.getParent());
                try {
                    Files.createDirectory(
                            directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another process made it first; checked below like any existing directory
                }
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(directory);
            boolean othersWrite =
                    perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
            boolean mine = Files.getOwner(directory).getName().equals(System.getProperty("user.name"));
            if (othersWrite || !mine || Files.isSymbolicLink(directory)) {
                LOG.log(
                        Level.WARNING,
                        "not using compiled-module cache {0}: it must be a directory only its owner ({1}) can write",
                        directory,
                        System.getProperty("user.name"));
                return null;
            }
            return new CompiledModuleCache(directory, engineVersion());
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "not using compiled-module cache {0}: {1}", directory, e.toString());
            return null;
        }
    }

    record Entry(Function<Instance, Machine> machines, Set<Integer> interpretedFunctions) {}

    /** An entry read from disk and checked to be for its module, its classes not yet loaded. */
    record Stored(Path file, byte[] jar, Set<Integer> interpretedFunctions) {}

    /**
     * The stored compilation of the module with this SHA-256, or null when there is none (or it is
     * unreadable, or made for another module: then it is deleted).
     */
    Stored read(String sha256) {
        Path file = directory.resolve(sha256 + suffix);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            byte[] jar = Files.readAllBytes(file);
            Map<String, String> entries = readEntries(jar, Set.of(INTERPRETED_ENTRY, MODULE_SHA256_ENTRY));
            if (!sha256.equals(entries.get(MODULE_SHA256_ENTRY))) {
                throw new IOException("it was not compiled from the module " + sha256 + " its name says");
            }
            String interpreted = entries.get(INTERPRETED_ENTRY);
            if (interpreted == null) {
                throw new IOException("no " + INTERPRETED_ENTRY + " entry");
            }
            return new Stored(file, jar, parseInterpreted(interpreted));
        } catch (IOException | RuntimeException e) {
            discard(file, e);
            return null;
        }
    }

    /**
     * The machines of a stored compilation for {@code module} (parsed from the bytes the entry was
     * read for), or null when its classes cannot be loaded (the entry is then deleted).
     */
    Entry machines(WasmModule module, Stored stored) {
        try {
            Cache readOnly = new Cache() {
                @Override
                public byte[] get(String key) {
                    return stored.jar();
                }

                @Override
                public void putIfAbsent(String key, byte[] data) {}
            };
            var machines = MachineFactoryCompiler.builder(module)
                    .withCache(readOnly)
                    .withInterpreterFallback(InterpreterFallback.SILENT)
                    .compile();
            return new Entry(machines, stored.interpretedFunctions());
        } catch (RuntimeException | LinkageError e) {
            discard(stored.file(), e);
            return null;
        }
    }

    private static void discard(Path file, Throwable why) {
        LOG.log(Level.WARNING, "discarding unreadable compiled-module cache entry {0}: {1}", file, why.toString());
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the next store overwrites it anyway
        }
    }

    /** Stores a compilation; atomic, so concurrent processes never read half a file. */
    void store(String sha256, String mainClass, Map<String, byte[]> classes, Set<Integer> interpreted) {
        Path file = directory.resolve(sha256 + suffix);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream jar = new JarOutputStream(bytes)) {
                Properties properties = new Properties();
                properties.setProperty("mainClass", mainClass);
                jar.putNextEntry(new JarEntry(MODULE_PROPERTIES));
                properties.store(jar, null);
                jar.closeEntry();
                jar.putNextEntry(new JarEntry(MODULE_SHA256_ENTRY));
                jar.write(sha256.getBytes(StandardCharsets.US_ASCII));
                jar.closeEntry();
                jar.putNextEntry(new JarEntry(INTERPRETED_ENTRY));
                jar.write(interpreted.stream()
                        .sorted()
                        .map(String::valueOf)
                        .collect(Collectors.joining("\n"))
                        .getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
                for (var c : classes.entrySet()) {
                    jar.putNextEntry(new JarEntry(c.getKey().replace('.', '/') + ".class"));
                    jar.write(c.getValue());
                    jar.closeEntry();
                }
            }
            Path temp = Files.createTempFile(directory, sha256, ".tmp");
            Files.write(temp, bytes.toByteArray());
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not store compiled module {0}: {1}", file, e.toString());
        }
    }

    /** The text of the named entries that the JAR has (a name it lacks is absent from the map). */
    private static Map<String, String> readEntries(byte[] jarBytes, Set<String> names) throws IOException {
        Map<String, String> found = new java.util.HashMap<>();
        try (JarInputStream jar = new JarInputStream(new java.io.ByteArrayInputStream(jarBytes))) {
            JarEntry entry;
            while ((entry = jar.getNextJarEntry()) != null && found.size() < names.size()) {
                if (names.contains(entry.getName())) {
                    found.put(entry.getName(), new String(jar.readAllBytes(), StandardCharsets.UTF_8).strip());
                }
            }
        }
        return found;
    }

    private static Set<Integer> parseInterpreted(String text) {
        return text.isEmpty()
                ? Set.of()
                : Arrays.stream(text.split("\n")).map(Integer::valueOf).collect(Collectors.toUnmodifiableSet());
    }

    private static String engineVersion() {
        try (InputStream in = CompiledModuleCache.class.getResourceAsStream("/io/nlink/runtime/build.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("endive.version");
        } catch (IOException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("build.properties is missing from nlink-runtime", e));
        }
    }
}
