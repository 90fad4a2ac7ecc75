package io.nlink.runtime.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.pkg.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Fuzz targets for the package loader (issue 9, part 2). Property for all of them: loading ends
 * in a {@link NodePackage} or one of the two documented checked exceptions, {@link
 * InvalidPackageException} (listing at least one problem) or {@link IOException} (a ZIP that
 * cannot be read at all); nothing else escapes. Seeds: {@code
 * src/test/resources/io/nlink/runtime/fuzz/PackageLoaderFuzzTestInputs}.
 */
class PackageLoaderFuzzTest {
    static final String PACKAGE_JSON = "{\"name\":\"nlink-community.fuzz\",\"version\":\"1.0.0\"}";
    static final String DEFINITION_JSON =
            "{\"name\":\"fuzz\",\"displayName\":\"Fuzz\",\"properties\":[{\"name\":\"text\",\"displayName\":\"Text\","
                    + "\"type\":\"string\",\"default\":\"x\"},{\"name\":\"mode\",\"displayName\":\"Mode\",\"type\":\"options\","
                    + "\"options\":[{\"name\":\"A\",\"value\":\"a\"},{\"name\":\"B\",\"value\":2}]}]}";
    static final String EXECUTION_JS = "function execute_node(input) { return [{json: input.$json}]; }";

    /** A valid package ZIP of the given files, in order. */
    static byte[] zip(Map<String, byte[]> files) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (var file : files.entrySet()) {
                    zip.putNextEntry(new ZipEntry(file.getKey()));
                    zip.write(file.getValue());
                    zip.closeEntry();
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, byte[]> validFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package.json", PACKAGE_JSON.getBytes(StandardCharsets.UTF_8));
        files.put("definition.json", DEFINITION_JSON.getBytes(StandardCharsets.UTF_8));
        files.put("execution.js", EXECUTION_JS.getBytes(StandardCharsets.UTF_8));
        return files;
    }

    private static final byte[] VALID_ZIP = zip(validFiles());

    /** Loads, allowing only the documented outcomes; returns the package or null. */
    private static NodePackage load(byte[] zip) {
        try {
            NodePackage p = PackageLoader.loadZip("fuzz.zip", new ByteArrayInputStream(zip));
            assertThat(p.manifest()).isNotNull();
            assertThat(p.definition()).isNotNull();
            assertThat(p.wasm() != null || p.javascript() != null).isTrue();
            return p;
        } catch (InvalidPackageException e) {
            assertThat(e.problems()).isNotEmpty();
            for (Problem problem : e.problems()) {
                assertThat(problem.file()).isNotEmpty();
                assertThat(problem.message()).isNotEmpty();
            }
            return null;
        } catch (IOException unreadable) {
            return null;
        }
    }

    /** Arbitrary bytes as an upload. */
    @FuzzTest(maxDuration = "30s")
    void zipOfAnyBytes(byte[] bytes) {
        load(bytes);
    }

    /** A valid package ZIP with a few bytes overwritten and possibly cut short. */
    @FuzzTest(maxDuration = "30s")
    void mutatedValidZip(FuzzedDataProvider data) {
        byte[] zip = VALID_ZIP.clone();
        int edits = data.consumeInt(1, 8);
        for (int i = 0; i < edits; i++) {
            zip[data.consumeInt(0, zip.length - 1)] = data.consumeByte();
        }
        int length = data.consumeBoolean() ? data.consumeInt(0, zip.length) : zip.length;
        load(java.util.Arrays.copyOf(zip, length));
    }

    /**
     * package.json and definition.json as arbitrary text in a well-formed ZIP, with entry names
     * that may carry a folder prefix; when the package loads, params built from the fuzzer's
     * JSON resolve against its definition or are refused with {@link InvalidParamsException}.
     */
    @FuzzTest(maxDuration = "30s")
    void manifestDefinitionAndParams(FuzzedDataProvider data) {
        String prefix = data.pickValue(new String[] {"", "node/", "./", "a/b/"});
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(prefix + "package.json", data.consumeString(600).getBytes(StandardCharsets.UTF_8));
        files.put(prefix + "definition.json", data.consumeString(1500).getBytes(StandardCharsets.UTF_8));
        files.put(prefix + "execution.js", EXECUTION_JS.getBytes(StandardCharsets.UTF_8));
        NodePackage p = load(zip(files));
        if (p == null) return;
        JsonNode params;
        try {
            params = Json.parse(data.consumeRemainingAsString());
        } catch (IOException notJson) {
            return;
        }
        try {
            JsonNode resolved = p.definition().resolveParams(params);
            assertThat(resolved.isObject()).isTrue();
        } catch (InvalidParamsException refused) {
            assertThat(refused.problems()).isNotEmpty();
        }
    }
}
