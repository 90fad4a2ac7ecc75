package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's domain (auth, credentials, db, metrics, the node store, workflows, refusals) speaks
 * no HTTP: it throws {@code io.nlink.server.refusal} refusals, and http/ alone turns them into
 * statuses (http.Refusals). Held by reading the sources: no class outside http/ names the package
 * {@code io.nlink.server.http}, but the wiring in {@code io.nlink.server} itself (NlinkServer),
 * which starts the HTTP server.
 */
class HttpBoundaryTest {
    private static final Pattern HTTP_PACKAGE = Pattern.compile("\\bio\\.nlink\\.server\\.http\\b");

    @Test
    void noClassOutsideHttpNamesTheHttpPackage() {
        Path sources = Path.of("src/main/java/io/nlink/server");
        List<Path> domain = domainSources(sources);
        // The scan must have seen the domain, or it would pass by seeing nothing.
        for (String pkg : List.of("auth", "credentials", "db", "metrics", "refusal", "store", "workflows")) {
            assertThat(domain).as("Java sources found in %s", pkg).anyMatch(p -> p.startsWith(sources.resolve(pkg)));
        }
        assertThat(violations(sources))
                .as("domain classes naming io.nlink.server.http; throw an io.nlink.server.refusal kind instead")
                .isEmpty();
    }

    @Test
    void theScanFindsAnImportAndAFullyQualifiedName(@TempDir Path tree) throws IOException {
        write(tree.resolve("auth/Imports.java"), "import io.nlink.server.http.ApiException;\nclass Imports {}\n");
        write(tree.resolve("store/Names.java"), "class Names { Object o = new io.nlink.server.http.Refusals(); }\n");
        write(tree.resolve("store/Clean.java"), "import io.nlink.server.refusal.NotFound;\nclass Clean {}\n");
        write(tree.resolve("http/Api.java"), "package io.nlink.server.http;\nclass Api {}\n");
        write(tree.resolve("Wiring.java"), "import io.nlink.server.http.Api;\nclass Wiring {}\n");
        assertThat(violations(tree))
                .containsExactlyInAnyOrder(tree.resolve("auth/Imports.java"), tree.resolve("store/Names.java"));
    }

    /** The domain's sources that name the HTTP package. */
    private static List<Path> violations(Path sources) {
        return domainSources(sources).stream()
                .filter(p -> HTTP_PACKAGE.matcher(read(p)).find())
                .toList();
    }

    /** Every Java source in a package below {@code sources} but http. */
    private static List<Path> domainSources(Path sources) {
        try (Stream<Path> files = Files.walk(sources)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getParent().equals(sources))
                    .filter(p -> !p.startsWith(sources.resolve("http")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
