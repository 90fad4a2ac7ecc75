package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's boundaries, held by reading the sources (every module's other modules put
 * nlink-runtime on their class path, where a module-info's exports would not be enforced; see
 * README, "Embedding the runtime"):
 *
 * <ul>
 *   <li>only nlink-runtime uses {@code io.nlink.runtime.internal}: every other module goes
 *       through the API ({@link NodeRuntime}, {@link LoadedNode} and the packages beside them);
 *   <li>the API's public signatures name no internal type, so an embedder never needs one;
 *   <li>another project's internals are reached from one adapter class each, and from nowhere
 *       else: Endive's {@code compiler.internal} from EndiveCompiler, Javalin's {@code
 *       unsafe.internalRouter} from JavalinRoutes.
 * </ul>
 */
class InternalPackagesTest {
    private static final Pattern RUNTIME_INTERNAL = Pattern.compile("\\bio\\.nlink\\.runtime\\.internal\\b");

    /** A third-party package segment that its project keeps for itself. */
    private static final Pattern THIRD_PARTY_INTERNAL =
            Pattern.compile("^\\s*import\\s+(?:static\\s+)?(?!io\\.nlink\\.)[\\w.]*\\.(?:internal|impl)\\.");

    /** Each third-party internal nLink uses, and the one file allowed to use it. */
    private static final Map<Pattern, String> ADAPTERS = Map.of(
            Pattern.compile("\\brun\\.endive\\.[\\w.]*\\binternal\\b"),
            "nlink-runtime/src/main/java/io/nlink/runtime/internal/wasm/EndiveCompiler.java",
            Pattern.compile("\\.unsafe\\.|\\binternalRouter\\b"),
            "nlink-server/src/main/java/io/nlink/server/JavalinRoutes.java");

    private static final Set<String> ADAPTER_FILES = Set.copyOf(ADAPTERS.values());

    /** This file names every rule it checks, so it is left out of the scan. */
    private static final String THIS_FILE = "nlink-runtime/src/test/java/io/nlink/runtime/InternalPackagesTest.java";

    @Test
    void noModuleButTheRuntimeImportsItsInternalPackages() {
        Path root = repositoryRoot();
        List<Path> scanned = javaSources(root);
        // The scan must have seen every module, or it would pass by seeing nothing.
        for (String module : List.of(
                "nlink-runtime",
                "nlink-devkit",
                "nlink-workflow",
                "nlink-cluster",
                "nlink-server",
                "nlink-cli",
                "bench")) {
            assertThat(scanned)
                    .as("Java sources found under %s", module)
                    .anyMatch(p -> root.relativize(p).startsWith(module));
        }
        assertThat(violations(root, scanned)).isEmpty();
    }

    @Test
    void theApiNamesNoInternalTypeInItsPublicSignatures() throws Exception {
        Path classes = Path.of(NodeRuntime.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<String> leaks = new ArrayList<>();
        int apiTypes = 0;
        for (Path file : files(classes.resolve("io/nlink/runtime"), ".class")) {
            String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
            if (name.startsWith("io.nlink.runtime.internal.")) continue;
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            if (!isVisible(type)) continue;
            apiTypes++;
            List<Type> named = new ArrayList<>();
            if (type.getGenericSuperclass() != null) named.add(type.getGenericSuperclass());
            named.addAll(List.of(type.getGenericInterfaces()));
            for (Field f : type.getDeclaredFields()) {
                if (isVisible(f.getModifiers())) check(leaks, type, f.getName(), List.of(f.getGenericType()));
            }
            List<Executable> members = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            members.addAll(List.of(type.getDeclaredMethods()));
            for (Executable m : members) {
                if (!isVisible(m.getModifiers()) || m.isSynthetic()) continue;
                List<Type> signature = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                signature.addAll(List.of(m.getGenericExceptionTypes()));
                if (m instanceof java.lang.reflect.Method method) signature.add(method.getGenericReturnType());
                check(leaks, type, m.getName(), signature);
            }
            check(leaks, type, "extends/implements", named);
        }
        assertThat(apiTypes).as("public API types found in %s", classes).isGreaterThan(20);
        assertThat(leaks)
                .as(
                        "API members naming io.nlink.runtime.internal types (make the type part of the API, or hide the member)")
                .isEmpty();
    }

    /** The rules can fail: a tree with one breach of each is reported, file and line. */
    @Test
    void eachBreachIsReportedWithItsFileAndLine(@TempDir Path root) throws IOException {
        write(
                root,
                "nlink-cli/src/main/java/io/nlink/cli/Run.java",
                "package io.nlink.cli;\n\nimport io.nlink.runtime.internal.wasm.WasmEngine;\n");
        write(
                root,
                "nlink-workflow/src/test/java/io/nlink/workflow/T.java",
                "class T { Object e = new io.nlink.runtime.internal.js.JsEngine(); }\n");
        write(
                root,
                "nlink-server/src/main/java/io/nlink/server/Routes.java",
                "class Routes {\n  void f() { app.unsafe.internalRouter.allHttpHandlers(); }\n}\n");
        write(
                root,
                "nlink-runtime/src/main/java/io/nlink/runtime/internal/wasm/Other.java",
                "import run.endive.compiler.internal.Compiler;\n");
        write(
                root,
                "nlink-cluster/src/main/java/io/nlink/cluster/C.java",
                "import com.hazelcast.internal.util.Clock;\n");
        // Allowed: the runtime's own internals, each adapter, and build output.
        write(
                root,
                "nlink-runtime/src/main/java/io/nlink/runtime/NodeRuntime.java",
                "import io.nlink.runtime.internal.wasm.WasmEngine;\n");
        write(
                root,
                ADAPTERS.get(ADAPTERS.keySet().stream()
                        .filter(p -> p.pattern().contains("endive"))
                        .findFirst()
                        .orElseThrow()),
                "import run.endive.compiler.internal.Compiler;\n");
        write(
                root,
                "nlink-server/src/main/java/io/nlink/server/JavalinRoutes.java",
                "class JavalinRoutes { Object r = app.unsafe.internalRouter; }\n");
        write(root, "nlink-cli/target/generated-sources/X.java", "import io.nlink.runtime.internal.wasm.WasmEngine;\n");

        assertThat(violations(root, javaSources(root)))
                .containsExactlyInAnyOrder(
                        "nlink-cli/src/main/java/io/nlink/cli/Run.java:3: uses io.nlink.runtime.internal, which is nlink-runtime's own:"
                                + " go through NodeRuntime / LoadedNode, or make what is missing part of the API",
                        "nlink-workflow/src/test/java/io/nlink/workflow/T.java:1: uses io.nlink.runtime.internal, which is nlink-runtime's own:"
                                + " go through NodeRuntime / LoadedNode, or make what is missing part of the API",
                        "nlink-server/src/main/java/io/nlink/server/Routes.java:2: reaches into another project's internals; only"
                                + " nlink-server/src/main/java/io/nlink/server/JavalinRoutes.java may (add what you need there)",
                        "nlink-runtime/src/main/java/io/nlink/runtime/internal/wasm/Other.java:1: reaches into another project's internals; only"
                                + " nlink-runtime/src/main/java/io/nlink/runtime/internal/wasm/EndiveCompiler.java may (add what you need there)",
                        "nlink-cluster/src/main/java/io/nlink/cluster/C.java:1: imports another project's internal package;"
                                + " put it behind one adapter class and list that class in InternalPackagesTest.ADAPTERS");
    }

    /** Every breach under {@code root}, as "path:line: what to do". */
    static List<String> violations(Path root, List<Path> sources) {
        List<String> found = new ArrayList<>();
        for (Path file : sources) {
            String relative = root.relativize(file).toString().replace('\\', '/');
            if (relative.equals(THIS_FILE)) continue;
            boolean inRuntime = relative.startsWith("nlink-runtime/");
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String at = relative + ":" + (i + 1) + ": ";
                if (!inRuntime && RUNTIME_INTERNAL.matcher(line).find()) {
                    found.add(at + "uses io.nlink.runtime.internal, which is nlink-runtime's own:"
                            + " go through NodeRuntime / LoadedNode, or make what is missing part of the API");
                }
                if (ADAPTER_FILES.contains(relative)) continue;
                boolean known = false;
                for (var adapter : ADAPTERS.entrySet()) {
                    if (adapter.getKey().matcher(line).find()) {
                        known = true;
                        found.add(at + "reaches into another project's internals; only " + adapter.getValue()
                                + " may (add what you need there)");
                    }
                }
                Matcher other = THIRD_PARTY_INTERNAL.matcher(line);
                if (!known && other.find()) {
                    found.add(at + "imports another project's internal package;"
                            + " put it behind one adapter class and list that class in InternalPackagesTest.ADAPTERS");
                }
            }
        }
        return found;
    }

    /** The checkout this module sits in: the directory whose pom.xml lists nlink-runtime as a module. */
    private static Path repositoryRoot() {
        Path module = Path.of("").toAbsolutePath();
        for (Path dir = module; dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>nlink-runtime</module>"))
                    return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + pom, e);
            }
        }
        throw new IllegalStateException("no pom.xml listing <module>nlink-runtime</module> above " + module
                + ": run this test from the repository (mvn -pl nlink-runtime test)");
    }

    /** Java sources under {@code root}, leaving out build output and version control. */
    private static List<Path> javaSources(Path root) {
        return files(root, ".java");
    }

    private static List<Path> files(Path root, String suffix) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    String name =
                            dir.getFileName() == null ? "" : dir.getFileName().toString();
                    boolean skip = !dir.equals(root)
                            && (name.equals("target") || name.equals("node_modules") || name.startsWith("."));
                    return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (file.toString().endsWith(suffix)) found.add(file);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return found;
    }

    private static void write(Path root, String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** Public or protected, and so are all the classes it is nested in. */
    private static boolean isVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic() || !isVisible(c.getModifiers()))
                return false;
        }
        return true;
    }

    private static boolean isVisible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, Class<?> owner, String member, List<Type> types) {
        for (Type t : types) {
            if (RUNTIME_INTERNAL.matcher(t.getTypeName()).find()) {
                leaks.add(owner.getName() + "." + member + " names " + t.getTypeName());
            }
        }
    }
}
