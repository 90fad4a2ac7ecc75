package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each hostile upload is refused with its reason, and leaves nothing behind in the store. */
class HostileUploadTest extends SharedServer {
    private static Map<String, byte[]> node() {
        return new LinkedHashMap<>(TestNodes.helloGoFiles());
    }

    private static Map<String, byte[]> nodeWith(String name, byte[] content) {
        Map<String, byte[]> files = node();
        files.put(name, content);
        return files;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> uploads() {
        return Stream.of(
                upload(
                        "zip slip",
                        422,
                        "../evil.sh: ZIP entry path escapes the package folder",
                        () -> TestNodes.zip(nodeWith("../evil.sh", utf8("rm -rf ~")))),
                upload(
                        "absolute path",
                        422,
                        "/etc/cron.d/nlink: ZIP entry path escapes the package folder",
                        () -> TestNodes.zip(nodeWith("/etc/cron.d/nlink", utf8("* * * * * root sh")))),
                upload(
                        "symbolic link",
                        422,
                        "execution.js: is a symbolic link",
                        () -> TestNodes.markSymlink(
                                TestNodes.zip(nodeWith("execution.js", utf8("/etc/passwd"))), "execution.js")),
                upload(
                        "duplicate entry",
                        422,
                        "./package.json: appears twice",
                        () -> TestNodes.zip(
                                nodeWith("./package.json", utf8("{\"name\":\"other\",\"version\":\"1.0.0\"}")))),
                upload(
                        "zip bomb",
                        422,
                        "data.bin: inflates",
                        () -> TestNodes.zip(nodeWith("data.bin", new byte[64 * 1024 * 1024]))),
                upload("too many entries", 422, "(zip): has 10004 entries", () -> {
                    Map<String, byte[]> files = node();
                    for (int i = 0; i < 10_001; i++) files.put("f/" + i, new byte[0]);
                    return TestNodes.zip(files);
                }),
                upload("oversized upload", 413, "larger than the 64 MiB allowed", () -> {
                    byte[] big = new byte[65 * 1024 * 1024];
                    new Random(1).nextBytes(big);
                    return big;
                }),
                upload("not a ZIP", 422, "(zip): is not a ZIP archive", () -> utf8("MZ this is an executable, honest")),
                upload(
                        "invalid package.json",
                        422,
                        "package.json: is not valid JSON (line 1",
                        () -> TestNodes.zip(nodeWith("package.json", utf8("{\"name\": \"nlink-community.x\",")))),
                upload(
                        "definition.json of the wrong shape",
                        422,
                        "definition.json",
                        () -> TestNodes.zip(nodeWith("definition.json", utf8("[1, 2, 3]")))),
                upload(
                        "module that is not wasm",
                        422,
                        "execution.wasm",
                        () -> TestNodes.zip(nodeWith("execution.wasm", utf8("#!/bin/sh\necho pwned\n")))),
                upload(
                        "module without the ABI's exports",
                        422,
                        "exports neither execute_node",
                        () -> TestNodes.zip(nodeWith("execution.wasm", new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}))),
                upload(
                        "module changed after packing",
                        422,
                        "execution.wasm.sha256: records",
                        () -> TestNodes.zip(
                                nodeWith("execution.wasm.sha256", utf8("0".repeat(64) + "  execution.wasm\n")))),
                upload(
                        "failing golden vector",
                        422,
                        "tests/wrong.json: golden vector failed",
                        () -> TestNodes.zip(
                                nodeWith(
                                        "tests/wrong.json",
                                        utf8(
                                                "{\"params\": {\"text\": \"x\"}, \"input\": {}, \"expected\": [{\"message\": \"not what it says\"}]}")))),
                upload("neither wasm nor js", 422, "execution.wasm: is missing", () -> {
                    Map<String, byte[]> files = node();
                    files.remove("execution.wasm");
                    return TestNodes.zip(files);
                }));
    }

    private static Arguments upload(String name, int status, String reason, Supplier<byte[]> zip) {
        return Arguments.of(name, status, reason, zip);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uploads")
    void isRefusedWithItsReasonAndLeavesNothing(String name, int status, String reason, Supplier<byte[]> zip)
            throws Exception {
        ApiClient.Response r = server.owner.upload(zip.get());
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        String said = r.json().path("error").asText() + " " + r.json().path("problems");
        assertThat(said).as(r.toString()).contains(reason.replace("\"", "\\\""));
        assertThat(TestDatabase.H2.count(data, "node_versions")).isZero();
        assertThat(TestDatabase.H2.count(data, "package_blobs")).isZero();
        assertThat(server.owner.get("/api/nodes").json().path("nodes")).isEmpty();
        assertThat(List.of(data.toFile().list())).doesNotContain("evil.sh");
    }
}
