package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.pkg.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading packages from folders and ZIPs, treating every byte of them as hostile. */
class PackageLoaderTest {
    private static final String PACKAGE_JSON = "{\"name\":\"nlink-community.t\",\"version\":\"1.0.0\"}";
    private static final String DEFINITION_JSON =
            "{\"name\":\"t\",\"displayName\":\"T\",\"properties\":[{\"name\":\"n\",\"displayName\":\"N\",\"type\":\"options\","
                    + "\"default\":1,\"options\":[{\"name\":\"one\",\"value\":1},{\"name\":\"two\",\"value\":2}]}]}";

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static Map<String, byte[]> validFiles(String prefix) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(prefix + "package.json", PACKAGE_JSON.getBytes());
        files.put(prefix + "definition.json", DEFINITION_JSON.getBytes());
        files.put(prefix + "execution.wasm", Guests.exampleWasm("hello-go"));
        files.put(prefix + "main.go", "package main".getBytes());
        return files;
    }

    private static InvalidPackageException refused(Map<String, byte[]> files) {
        try {
            PackageLoader.loadZip("upload.zip", new ByteArrayInputStream(zip(files)));
        } catch (InvalidPackageException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the package loaded, but should have been refused");
    }

    @Test
    void loadsTheExampleFolderAndItsZipAlike() throws Exception {
        NodePackage folder = PackageLoader.load(Guests.example("hello-go"));
        assertThat(folder.id()).isEqualTo("nlink-community.wasm_demo@1.0.0");
        assertThat(folder.definition().properties()).extracting(p -> p.name()).containsExactly("text");

        for (String prefix : new String[] {"", "nlink-community.t/"}) {
            NodePackage zipped = PackageLoader.loadZip("upload.zip", new ByteArrayInputStream(zip(validFiles(prefix))));
            assertThat(zipped.id()).isEqualTo("nlink-community.t@1.0.0");
            assertThat(zipped.wasm()).isEqualTo(Guests.exampleWasm("hello-go"));
            assertThat(zipped.javascript()).isNull();
        }
    }

    @Test
    void zipSlipPathsAreRefused() {
        for (String evil : new String[] {"../../etc/cron.d/x", "/etc/passwd", "a/../../b", "C:/Windows/x"}) {
            Map<String, byte[]> files = validFiles("");
            files.put(evil, "x".getBytes());
            assertThat(refused(files).problems())
                    .contains(new Problem(
                            evil, "", "ZIP entry path escapes the package (absolute, drive-letter or '..' path)"));
        }
    }

    @Test
    void duplicateAndOversizedEntriesAreRefused() {
        Map<String, byte[]> files = validFiles("");
        files.put("./package.json", PACKAGE_JSON.getBytes()); // a second spelling is a second entry
        assertThat(refused(files).problems())
                .containsExactly(new Problem("package.json", "", "appears twice in the ZIP"));

        Map<String, byte[]> big = validFiles("");
        big.put("definition.json", new byte[(int) PackageLoader.MAX_TEXT_BYTES + 1]);
        assertThat(refused(big).problems())
                .contains(new Problem("definition.json", "", "is larger than the 4 MiB allowed"));
    }

    @Test
    void aZipBombIsStoppedAtTheTotalBound() {
        Map<String, byte[]> files = validFiles("");
        byte[] zeros = new byte[64 * 1024 * 1024]; // compresses to almost nothing
        for (int i = 0; i < 5; i++) files.put("padding" + i + ".bin", zeros);
        assertThat(refused(files).problems()).extracting(Problem::message).contains("inflates to more than 256 MiB");
    }

    @Test
    void everyProblemIsReportedWithItsFileAndField() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package.json", "{\"name\": \"x\",\n \"version\": }".getBytes());
        files.put(
                "definition.json",
                "{\"name\":\"9bad\",\"properties\":[{\"name\":\"n\",\"displayName\":\"N\",\"type\":\"number\",\"default\":\"ten\"}]}"
                        .getBytes());
        InvalidPackageException e = refused(files);
        assertThat(e.problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p).startsWith("package.json: is not valid JSON (line 2, column 13)"))
                .contains(
                        "definition.json: name: expected letters, digits, '_', '.' or '-', starting with a letter or '_', at most 128 characters; got \"9bad\"")
                .contains("definition.json: displayName: is required (a non-empty string)")
                .contains("definition.json: properties[0].default: expected a number; got string \"ten\"")
                .contains(
                        "execution.wasm: is missing, and there is no execution.js either: a node needs at least one to run (build execution.wasm from the node's source)");
        assertThat(e.getMessage()).startsWith("upload.zip is not a valid nLink node package:\n  - ");
    }

    @Test
    void symbolicLinksInAFolderAreNotFollowed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("package.json"), PACKAGE_JSON);
        Files.createSymbolicLink(dir.resolve("definition.json"), Path.of("/etc/passwd"));
        Files.write(dir.resolve("execution.wasm"), Guests.exampleWasm("hello-go"));
        assertThatThrownBy(() -> PackageLoader.load(dir))
                .isInstanceOfSatisfying(
                        InvalidPackageException.class,
                        e -> assertThat(e.problems())
                                .contains(new Problem(
                                        "definition.json",
                                        "",
                                        "is a symbolic link; packages must contain plain files")));
    }

    @Test
    void paramsAreCheckedAgainstTheDefinitionAndDefaultsFilledIn() throws Exception {
        NodePackage pkg = PackageLoader.loadZip("upload.zip", new ByteArrayInputStream(zip(validFiles(""))));
        assertThat(pkg.definition().resolveParams(null)).isEqualTo(obj("{\"n\":1}"));
        assertThat(pkg.definition().resolveParams(obj("{\"n\":2.0}"))).isEqualTo(obj("{\"n\":2.0}"));
        assertThatThrownBy(() -> pkg.definition().resolveParams(obj("{\"n\":3,\"m\":true}")))
                .isInstanceOfSatisfying(
                        InvalidParamsException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "params.n: expected one of 1, 2; got number 3",
                                        "params.m: this node has no such parameter (it has: n)"));
    }

    @Test
    void aRecordedModuleHashMustMatchTheModule() throws Exception {
        Map<String, byte[]> files = validFiles("");
        files.put(
                "execution.wasm.sha256",
                (Sha256.hex(Guests.exampleWasm("hello-go")) + "  execution.wasm\n").getBytes());
        assertThat(PackageLoader.loadZip("upload.zip", new ByteArrayInputStream(zip(files)))
                        .wasm())
                .isNotNull();

        files.put("execution.wasm", Guests.exampleWasm("probe-go"));
        assertThat(refused(files).problems())
                .singleElement()
                .satisfies(p -> assertThat(p.toString())
                        .startsWith("execution.wasm.sha256: records ")
                        .endsWith("the module was changed after packing"));
    }
}
