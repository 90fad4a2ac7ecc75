package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.internal.NodeRuntimes;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.pkg.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * definition.json's {@code warmup}: items a node runs once after its start-up, before the state
 * every batch starts from is recorded. Every batch then starts in exactly that state (the same
 * isolation as without a warm-up, from a later point); a warm-up that fails stops the node from
 * starting with a message naming the item.
 */
class WarmUpTest {
    private static final String COUNT = "[{\"json\":{\"calls\":0}}]";

    /** Answers {"calls": N}, N counting its execute_node calls since start-up in a mutable global. */
    private static final byte[] COUNTING = Guests.wat(HostileWat.node(
            "(global.set $calls (i32.add (global.get $calls) (i32.const 1)))\n"
                    + "(i32.store8 (i32.const " + (HostileWat.RESULT_AT + COUNT.indexOf('0')) + ")"
                    + " (i32.add (i32.const 48) (global.get $calls)))\n"
                    + "(call $pack (i32.const " + HostileWat.RESULT_AT + ") (i32.const " + COUNT.length() + "))",
            "(global $calls (mut i32) (i32.const 0))\n"
                    + "(data (i32.const " + HostileWat.RESULT_AT + ") \""
                    + HostileWat.escape(COUNT.getBytes(StandardCharsets.UTF_8)) + "\")"));

    private static final byte[] CONTEXT =
            ItemCodec.encodeContext(Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode());

    private static List<String> batch(NodeExecutable node, SandboxLimits limits, List<byte[]> contexts)
            throws SandboxException {
        List<String> results = new ArrayList<>();
        try (NodeInstance instance = node.newInstance(limits)) {
            for (int i = 0; i < contexts.size(); i++) {
                ItemResult r = instance.call(i, contexts.get(i));
                results.add(r.ok() ? r.items().toString() : "failed: " + r.failure());
            }
        }
        return results;
    }

    private static List<String> batch(NodeExecutable node, int items) throws SandboxException {
        List<byte[]> contexts = new ArrayList<>();
        for (int i = 0; i < items; i++) contexts.add(CONTEXT);
        return batch(node, SandboxLimits.DEFAULTS, contexts);
    }

    @Test
    void everyBatchStartsAfterTheWarmUpItemsOnNewResetAndSnapshotStartedInstances() throws Exception {
        WasmNode cold = new WasmEngine().load(COUNTING);
        assertThat(batch(cold, 2)).as("without a warm-up").containsExactly("[{\"calls\":1}]", "[{\"calls\":2}]");

        WasmNode warm = new WasmEngine().load(COUNTING, List.of(CONTEXT, CONTEXT));
        for (int b = 0; b < 3; b++) {
            assertThat(batch(warm, 2))
                    .as("batch %d: the two warm-up calls happened, nothing of the last batch did", b)
                    .containsExactly("[{\"calls\":3}]", "[{\"calls\":4}]");
        }
        assertThat(warm.reuses())
                .as("batches 2-3 ran on the first instance, reset to the warmed snapshot")
                .isEqualTo(2);

        // three lanes at once: two more instances start from the snapshot, not from _initialize
        List<NodeInstance> lanes = new ArrayList<>();
        for (int lane = 0; lane < 3; lane++) lanes.add(warm.newInstance(SandboxLimits.DEFAULTS));
        for (NodeInstance lane : lanes) {
            assertThat(lane.call(0, CONTEXT).items()).hasToString("[{\"calls\":3}]");
        }
        lanes.forEach(NodeInstance::close);
        assertThat(warm.snapshotStarts())
                .as("lanes 2 and 3 mapped the warmed snapshot")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void theSameModuleWithAnotherWarmUpIsAnotherNode() throws Exception {
        WasmEngine engine = new WasmEngine();
        WasmNode none = engine.load(COUNTING);
        WasmNode one = engine.load(COUNTING, List.of(CONTEXT));
        WasmNode three = engine.load(COUNTING, List.of(CONTEXT, CONTEXT, CONTEXT));
        assertThat(engine.load(COUNTING, List.of(CONTEXT)))
                .as("cached by module and warm-up")
                .isSameAs(one);
        assertThat(engine.compilations())
                .as("one compilation serves every warm-up")
                .isEqualTo(1);
        assertThat(batch(none, 1)).containsExactly("[{\"calls\":1}]");
        assertThat(batch(one, 1)).containsExactly("[{\"calls\":2}]");
        assertThat(batch(three, 1)).containsExactly("[{\"calls\":4}]");
    }

    @Test
    void aWarmUpItemTheNodeRefusesStopsItFromStartingAndSaysWhichItem() throws Exception {
        WasmNode refusing = new WasmEngine()
                .load(Guests.wat(HostileWat.returning("{\"error\":\"this item is not for me\"}")), List.of(CONTEXT));
        assertThatThrownBy(() -> refusing.newInstance(SandboxLimits.DEFAULTS))
                .isInstanceOfSatisfying(SandboxException.class, e -> {
                    assertThat(e.failure().kind()).isEqualTo(Kind.INSTANTIATION);
                    assertThat(e.getMessage())
                            .contains(
                                    "definition.json warmup[0] failed, so the node cannot start: this item is not for me")
                            .contains("fix the item or remove it from warmup");
                });
    }

    @Test
    void aWarmUpItemThatNeverEndsIsStoppedByTheItemBound() throws Exception {
        WasmNode spinning = new WasmEngine()
                .load(Guests.wat(HostileWat.node("(loop $spin (br $spin)) (i64.const 0)", "")), List.of(CONTEXT));
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(200));
        long start = System.nanoTime();
        assertThatThrownBy(() -> spinning.newInstance(limits))
                .isInstanceOfSatisfying(
                        SandboxException.class,
                        e -> assertThat(e.getMessage())
                                .contains("definition.json warmup[0] failed")
                                .contains("time limit of 200 ms"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void theSeedsGoNodeAnswersEveryItemAlikeWithAndWithoutAWarmUp(@TempDir Path dir) throws Exception {
        NodePackage plain = withWarmUp(Files.createDirectory(dir.resolve("plain")), null);
        NodePackage warmed = withWarmUp(
                Files.createDirectory(dir.resolve("warmed")),
                "[{\"params\": {\"text\": \"warm\"}, \"json\": {\"name\": \"warm-up\", \"n\": 1}}]");
        assertThat(warmed.definition().warmup()).hasSize(1);
        assertThat(warmed.definition().warmup().getFirst().params())
                .as("resolved like a workflow's params")
                .hasToString("{\"text\":\"warm\"}");

        NodeRuntimes runtimes = new NodeRuntimes(new WasmEngine(), null);
        NodeExecutable cold = runtimes.choose(plain, SandboxLimits.DEFAULTS).executable();
        NodeExecutable warm = runtimes.choose(warmed, SandboxLimits.DEFAULTS).executable();
        assertThat(warm).isNotSameAs(cold);
        List<byte[]> contexts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ObjectNode item = Json.MAPPER.createObjectNode().put("i", i).put("name", "item " + i);
            item.putArray("tags").add("a").add(i);
            ObjectNode params = Json.MAPPER.createObjectNode().put("text", i % 2 == 0 ? "nLink" : "wasm " + i);
            contexts.add(ItemCodec.encodeContext(params, item));
        }
        for (int b = 0; b < 3; b++) {
            List<String> expected = batch(cold, SandboxLimits.DEFAULTS, contexts);
            assertThat(expected)
                    .allSatisfy(r ->
                            assertThat(r).startsWith("[{\"message\":\"Hello, ").contains("\"wasm_processed\":true"));
            assertThat(batch(warm, SandboxLimits.DEFAULTS, contexts))
                    .as("batch %d", b)
                    .isEqualTo(expected);
        }
    }

    @Test
    void theDefinitionRefusesWarmUpItemsItsNodeCouldNotBeGiven(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> withWarmUp(dir, "{\"params\": {}}"))
                .isInstanceOfSatisfying(
                        InvalidPackageException.class,
                        e -> assertThat(e.problems())
                                .extracting(Problem::toString)
                                .containsExactly("definition.json: warmup: expected an array of at most 8 items such as"
                                        + " {\"params\": {...}, \"json\": {...}}; got object {\"params\":{}}"));
        assertThatThrownBy(() -> withWarmUp(
                        dir,
                        "[{\"params\": {\"txt\": 1}}, {\"json\": []}, {\"params\": {\"text\": 5}, \"other\": 1}, 7]"))
                .isInstanceOfSatisfying(
                        InvalidPackageException.class,
                        e -> assertThat(e.problems())
                                .extracting(Problem::toString)
                                .containsExactly(
                                        "definition.json: warmup[0]: params.txt: this node has no such parameter (it has: text)",
                                        "definition.json: warmup[1].json: expected the item as an object; got array []",
                                        "definition.json: warmup[2]: has other; a warm-up item has only params and json",
                                        "definition.json: warmup[2]: params.text: expected a string; got number 5",
                                        "definition.json: warmup[3]: expected {\"params\": {...}, \"json\": {...}}; got number 7"));
        String nine = "[" + String.join(",", java.util.Collections.nCopies(9, "{}")) + "]";
        assertThatThrownBy(() -> withWarmUp(dir, nine))
                .isInstanceOf(InvalidPackageException.class)
                .hasMessageContaining("at most 8 items");
    }

    /** hello-go with {@code warmup} (JSON text) as its definition.json's warm-up, or none when null. */
    private static NodePackage withWarmUp(Path dir, String warmup) throws Exception {
        Path example = Guests.example("hello-go");
        for (String file : List.of("package.json", "execution.wasm")) {
            Files.copy(example.resolve(file), dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectNode definition = (ObjectNode) Json.parse(Files.readString(example.resolve("definition.json")));
        definition.remove("warmup");
        if (warmup != null) definition.set("warmup", Json.parse(warmup));
        Files.writeString(dir.resolve("definition.json"), definition.toString());
        return PackageLoader.load(dir);
    }
}
