package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each language's node kit (vendored in its template: templates/go/nlink, templates/rust/src/nlink.rs,
 * templates/c/nlink.c, ...), tested once with the real toolchain and runtime: the template with
 * its node replaced by a kit probe (test resources, kits/LANG) that answers by its {@code text}
 * parameter with no items, three items, an error (after starting an item, where the kit allows
 * it), or the item echoed back with the text. The contexts go to one instance as raw bytes, as
 * a host would write them, so the kit's own checks are what answers hostile input.
 */
class KitsTest {
    /** Without the JavaScript fallback: the kit's module runs, or the load fails. */
    private static final NodeRuntime RUNTIME =
            NodeRuntime.builder().javascriptFallback(false).build();

    private static final String ERROR = "refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line";
    private static final int LARGE_ITEMS = 30;
    /**
     * Production limits with more time per item: this tests the plumbing, not speed (on the 2
     * shared cores Go's encoding/json, left to the JVM's interpreter, took over 10 s for one
     * 1.25 MiB item; languages.md has the per-item figures).
     */
    private static final SandboxLimits LIMITS = new SandboxLimits(
            SandboxLimits.DEFAULTS.memoryPages(),
            Duration.ofMinutes(2),
            Duration.ofMinutes(2),
            SandboxLimits.DEFAULTS.maxContextBytes(),
            SandboxLimits.DEFAULTS.maxOutputBytes(),
            SandboxLimits.DEFAULTS.maxLogBytes(),
            SandboxLimits.DEFAULTS.jsMemoryBytes());

    /**
     * Not a context: not JSON, not an object, invalid UTF-8, nothing at all (allocate(0)), or
     * nested deeper than the kit's parser can take (a recursive parser would overflow its stack
     * and trap, costing the instance).
     */
    private static final List<byte[]> INVALID_CONTEXTS = List.of(
            bytes("{\"params\":{},\"$json\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}"),
            bytes("{\"params\":{\"text\":\"x\"},\"$json\":"),
            bytes("[{\"params\":{}}]"),
            bytes("null"),
            bytes("\"text\""),
            new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'}, // a truncated UTF-8 sequence
            new byte[0]);

    @ParameterizedTest
    @EnumSource(Language.class)
    void theKitRefusesBadInputCarriesErrorsAndLargeUnicodeItemsWithoutLeaking(Language language, @TempDir Path tmp)
            throws Exception {
        Path dir = Scaffolder.writeFolder(new Scaffolder.Request("kit_" + language.id(), null, null, language), tmp);
        Path probe =
                Path.of(KitsTest.class.getResource("/kits/" + language.id()).toURI());
        try (var files = Files.walk(probe)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Files.copy(file, dir.resolve(probe.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        assertThat(NodeBuilder.build(dir)).as("%s kit probe build", language).isZero();
        NodeExecutable node = RUNTIME.load(PackageLoader.load(dir)).executable();

        try (NodeInstance instance = node.newInstance(LIMITS)) {
            long index = 0;
            for (byte[] invalid : INVALID_CONTEXTS) {
                ItemResult refused = instance.call(index++, invalid);
                String shown = new String(invalid, 0, Math.min(invalid.length, 60), StandardCharsets.UTF_8);
                assertThat(refused.failure()).as("%s on %s", language, shown).isNotNull();
                assertThat(refused.failure().kind())
                        .as("%s on %s: %s", language, shown, refused.failure())
                        .isEqualTo(NodeFailure.Kind.NODE_ERROR);
                assertThat(refused.failure().message()).isEqualTo("invalid input JSON");
            }

            ObjectNode small = (ObjectNode) json("{\"a\":1}");
            ItemResult many = instance.call(index++, context("many", small));
            assertThat(many.failure()).as("%s many", language).isNull();
            assertThat(many.items()).isEqualTo(List.of(json("{\"i\":0}"), json("{\"i\":1}"), json("{\"i\":2}")));

            ItemResult empty = instance.call(index++, context("empty", small));
            assertThat(empty.failure()).as("%s empty", language).isNull();
            assertThat(empty.items()).isEmpty();

            ItemResult error = instance.call(index++, context("error", small));
            assertThat(error.failure()).as("%s error", language).isNotNull();
            assertThat(error.failure().kind()).isEqualTo(NodeFailure.Kind.NODE_ERROR);
            assertThat(error.failure().message()).isEqualTo(ERROR);
            assertThat(error.items())
                    .as("%s: an error drops the items started before it", language)
                    .isEmpty();

            // Neither params nor $json: the node sees empty parameters and a null item.
            ItemResult bare = instance.call(index++, bytes("{}"));
            assertThat(bare.failure()).as("%s bare context", language).isNull();
            assertThat(bare.items()).containsExactly(json("{\"text\":\"\",\"item\":null}"));

            String text = "Ünïcødé ✓ \"q\" \\ 🚀\ttab";
            JsonNode unicode = json("{\"s\":\"日本 🚀\",\"n\":1.5,\"nested\":{\"a\":[1,null,true]},\"e\":\"\",\"z\":{}}");
            ItemResult echoed = instance.call(index++, context(text, unicode));
            assertThat(echoed.failure()).as("%s unicode echo", language).isNull();
            assertThat(echoed.items()).containsExactly(echo(text, unicode));

            ObjectNode large = Json.MAPPER.createObjectNode().put("big", "é✓🚀 ".repeat(1 << 17)); // 1.25 MiB of UTF-8
            int pagesAfterTenth = 0;
            long largeNanos = 0;
            for (int i = 1; i <= LARGE_ITEMS; i++) {
                large.put("i", i);
                ItemResult result = instance.call(index++, context("large", large));
                assertThat(result.failure()).as("%s large item %d", language, i).isNull();
                assertThat(result.items()).as("%s large item %d", language, i).containsExactly(echo("large", large));
                if (i == 10) pagesAfterTenth = result.memoryPages();
                if (i > 10) largeNanos += result.nanos();
            }
            int pagesAtEnd = instance.memoryPages();
            System.out.printf(
                    "%s kit: %d contexts on one instance; pages after the 10th large item %d, at the end %d,"
                            + " peak %d; %.0f ms per 1.25 MiB item (items 11-%d)%n",
                    language,
                    index,
                    pagesAfterTenth,
                    pagesAtEnd,
                    instance.peakMemoryPages(),
                    largeNanos / 1e6 / (LARGE_ITEMS - 10),
                    LARGE_ITEMS);
            // Thirty items keep one instance within its 32 MiB only if the kit frees what it lent
            // the host (2.5 MiB per item in and out); and over the last twenty its memory grows
            // by less than one item's buffer (20 pages).
            assertThat(pagesAtEnd - pagesAfterTenth)
                    .as("%s memory growth over 20 large items (a leak)", language)
                    .isLessThan(20);
            assertThat(instance.usable())
                    .as("%s: refusals and errors must keep the instance", language)
                    .isTrue();
        }
    }

    private static byte[] context(String text, JsonNode item) throws Exception {
        ObjectNode context = Json.MAPPER.createObjectNode();
        context.putObject("params").put("text", text);
        context.set("$json", item);
        return Json.MAPPER.writeValueAsBytes(context);
    }

    private static JsonNode echo(String text, JsonNode item) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("text", text);
        out.set("item", item.deepCopy());
        return out;
    }

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
