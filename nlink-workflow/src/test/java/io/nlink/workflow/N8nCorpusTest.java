package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The n8n compatibility corpus: real n8n exports from public repositories
 * (src/test/resources/n8n-corpus, each file's origin and licence in its README.md), kept byte for
 * byte as published. Each has the outcome written in {@code expectations.json}:
 * <ul>
 *   <li>{@code runs}: imports and a manual run ends in success;</li>
 *   <li>{@code imports}: imports, but the run stops ({@code reason}: the node and its error — a
 *       SaaS node, a credential, a node nLink lacks at run time);</li>
 *   <li>{@code refused}: the import is refused ({@code reason}: the parser's message).</li>
 * </ul>
 * and, for every node whose output n8n recorded in the export's {@code pinData} (n8n's own test
 * workflows keep their expected outputs there), whether ours is {@code equal} to it item by item,
 * {@code differs}, or the node did {@code not run}. Numbers compare by value (n8n's 3 is our 3.0).
 *
 * <p>n8n's test workflows feed their data through {@code n8n-nodes-testing.testData}, a node of
 * n8n's test harness that outputs its {@code data} parameter; this test plays that node the same
 * way (as pinned output). A pin on the trigger the run starts from is the run's input, as in n8n's
 * manual runs; an export started by its Webhook node gets the item of a request to it
 * ({@link #webhookRequest}). HTTP requests get 5 s; a run gets 60 s.
 *
 * <p>Any difference from the expectations fails the test, listing every difference. After a change
 * meant to move outcomes (a new node, a fix), rewrite the file and review its diff:
 * {@code mvn -pl nlink-workflow -am test -Dtest=N8nCorpusTest -Dcorpus.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class N8nCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/n8n-corpus");
    static final Path EXPECTATIONS = CORPUS.resolve("expectations.json");
    static final String TEST_DATA_NODE = "n8n-nodes-testing.testData";
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    /** JSON equality with numbers compared by value: n8n's 3 and our 3.0 are the same number. */
    static final Comparator<JsonNode> BY_VALUE =
            (a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.asDouble(), b.asDouble()) : a.equals(b) ? 0 : 1;

    @Test
    void everyExportHasItsExpectedOutcome() throws Exception {
        // n8n exports name no nLink community node: the engine gets none.
        WorkflowEngine engine = new WorkflowEngine(
                        new PackageResolver(Fixtures.RUNTIME, SandboxLimits.DEFAULTS, List.of()),
                        Fixtures.JS,
                        SandboxLimits.DEFAULTS)
                .withEgress(EgressPolicy.DEFAULTS.withMaxTime(Duration.ofSeconds(5)));
        Map<String, ObjectNode> actual = new TreeMap<>();
        List<Path> exports;
        try (Stream<Path> files = Files.walk(CORPUS)) {
            exports = files.filter(p -> p.toString().endsWith(".json") && !p.equals(EXPECTATIONS))
                    .sorted()
                    .toList();
        }
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try {
            for (Path file : exports) {
                actual.put(CORPUS.relativize(file).toString().replace('\\', '/'), outcome(engine, watchdog, file));
            }
        } finally {
            watchdog.shutdownNow();
        }
        printSummary(actual);

        ObjectNode written = Json.MAPPER.createObjectNode();
        actual.forEach(written::set);
        if (Boolean.getBoolean("corpus.update")) {
            Files.writeString(
                    EXPECTATIONS,
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(written) + "\n",
                    StandardCharsets.UTF_8);
            System.out.println("n8n corpus: wrote " + EXPECTATIONS + "; review its diff");
            return;
        }
        JsonNode expected = Json.parse(Files.readAllBytes(EXPECTATIONS));
        List<String> differences = new ArrayList<>();
        for (var e : expected.properties()) {
            if (!actual.containsKey(e.getKey()))
                differences.add(e.getKey() + ": in expectations.json but not in the corpus");
        }
        actual.forEach((name, got) -> {
            JsonNode want = expected.get(name);
            if (want == null) differences.add(name + ": not in expectations.json; got " + got);
            else if (!want.equals(got)) differences.add(name + ":\n    expected " + want + "\n    got      " + got);
        });
        assertThat(differences)
                .as(
                        "outcomes differing from src/test/resources/n8n-corpus/expectations.json (rewrite it with -Dcorpus.update=true after an intended change)")
                .isEmpty();
    }

    /** Imports and runs one export, and compares the outputs n8n recorded in it with ours. */
    static ObjectNode outcome(WorkflowEngine engine, ScheduledExecutorService watchdog, Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ObjectNode out = Json.MAPPER.createObjectNode();
        Workflow workflow;
        try {
            workflow = WorkflowParser.parse(file.getFileName().toString(), bytes);
        } catch (InvalidWorkflowException e) {
            return out.put("outcome", "refused")
                    .put("reason", refusal(file.getFileName().toString(), e.getMessage()));
        }
        JsonNode definition = Json.parse(bytes);
        Map<String, List<JsonNode>> recorded = PinData.of(definition);
        Map<String, List<JsonNode>> pins = new LinkedHashMap<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (node.type().equals(TEST_DATA_NODE) && !node.disabled())
                pins.put(node.name(), testData(node.parameters().path("data")));
        }
        String start = startNode(workflow);
        if (start == null) return out.put("outcome", "imports").put("reason", "no trigger to start a run from");
        List<JsonNode> input = recorded.get(start);
        if (input == null) input = webhookRequest(workflow.node(start).orElseThrow());
        RunControl control = new RunControl(new RunControl.Listener() {}, pins);
        var stop = watchdog.schedule(
                () -> control.stop("the corpus run limit of " + RUN_LIMIT.toSeconds() + " s"),
                RUN_LIMIT.toMillis(),
                TimeUnit.MILLISECONDS);
        Execution run;
        try {
            run = engine.run(workflow, start, input, response -> {}, control);
        } finally {
            stop.cancel(false);
        }
        if (run.status() == Execution.Status.SUCCESS) out.put("outcome", "runs");
        else out.put("outcome", "imports").put("reason", "node \"" + run.errorNode() + "\": " + run.error());

        ObjectNode compared = Json.MAPPER.createObjectNode();
        for (var pin : new TreeMap<>(recorded).entrySet()) {
            String name = pin.getKey();
            if (name.equals(start)
                    || pins.containsKey(name)
                    || workflow.node(name).isEmpty()) continue;
            compared.put(name, compare(run, name, pin.getValue()));
        }
        if (!compared.isEmpty()) out.set("recorded", compared);
        return out;
    }

    /**
     * {@code equal}, {@code differs} (where first, and n8n's item there: ours may hold the time or
     * a random value, which would make the expectation unstable), or {@code not run}.
     */
    static String compare(Execution run, String node, List<JsonNode> theirs) {
        // A node after a loop is skipped while the loop goes round and runs once it is done: its last run counts.
        Execution.NodeRecord record = run.nodes().stream()
                .filter(n -> n.name().equals(node))
                .filter(n -> n.status().equals("success") || n.status().equals("disabled"))
                .reduce((first, second) -> second)
                .orElse(null);
        if (record == null) return "not run";
        int count = record.itemsOut().isEmpty() ? 0 : record.itemsOut().get(0);
        List<JsonNode> ours =
                record.sample().isEmpty() ? List.of() : record.sample().get(0);
        if (count != theirs.size()) return "differs: " + count + " items, n8n " + theirs.size();
        // The record keeps the first items of each output (Execution.SAMPLE_ITEMS): those are compared.
        for (int i = 0; i < ours.size(); i++) {
            if (!ours.get(i).equals(BY_VALUE, theirs.get(i))) {
                System.out.printf("  %s: item %d is %s, n8n's %s%n", node, i, ours.get(i), theirs.get(i));
                return "differs: item " + i + ", n8n's is " + theirs.get(i);
            }
        }
        return "equal";
    }

    /**
     * For an export started by its Webhook node, the item of a request to it as n8n makes one (and
     * nLink's server, WebhookTest): {@code headers} (lower-case names), {@code params},
     * {@code query}, {@code body}, {@code webhookUrl} and {@code executionMode}; the request is an
     * empty JSON POST from curl to localhost:5678, n8n's default address. Null for other triggers.
     */
    static List<JsonNode> webhookRequest(Workflow.Node trigger) {
        if (!trigger.type().equals("n8n-nodes-base.webhook")) return null;
        String path = trigger.parameters().path("path").asText("").replaceAll("^/+", "");
        ObjectNode item = Json.MAPPER.createObjectNode();
        item.putObject("headers")
                .put("host", "localhost:5678")
                .put("user-agent", "curl/8.5.0")
                .put("accept", "*/*")
                .put("content-type", "application/json")
                .put("content-length", "2");
        item.putObject("params");
        item.putObject("query");
        item.putObject("body");
        item.put("webhookUrl", "http://localhost:5678/webhook/" + path);
        item.put("executionMode", "production");
        return List.of(item);
    }

    /** What n8n's test harness node outputs: its {@code data}, an array of items or one item. */
    static List<JsonNode> testData(JsonNode data) {
        List<JsonNode> items = new ArrayList<>();
        if (data.isArray()) data.forEach(items::add);
        else if (data.isObject()) items.add(data);
        return items;
    }

    /** The trigger a manual run starts from, as the engine picks it: the first Manual Trigger, else the first trigger. */
    static String startNode(Workflow workflow) {
        return workflow.nodes().stream()
                .filter(n -> n.type().equals("n8n-nodes-base.manualTrigger"))
                .findFirst()
                .or(() -> workflow.nodes().stream()
                        .filter(n -> io.nlink.workflow.nodes.BuiltinNodes.of(n.type())
                                .trigger())
                        .findFirst())
                .map(Workflow.Node::name)
                .orElse(null);
    }

    static void printSummary(Map<String, ObjectNode> actual) {
        int runs = 0, imports = 0, refused = 0, recorded = 0, equal = 0, fullyEqual = 0;
        Map<String, Integer> causes = new TreeMap<>();
        for (ObjectNode o : actual.values()) {
            String outcome = o.get("outcome").asText();
            switch (outcome) {
                case "runs" -> runs++;
                case "imports" -> imports++;
                default -> refused++;
            }
            if (o.has("reason"))
                causes.merge(outcome + ": " + cause(o.get("reason").asText()), 1, Integer::sum);
            boolean all = o.has("recorded");
            for (JsonNode v : o.path("recorded")) {
                recorded++;
                if (v.asText().equals("equal")) equal++;
                else all = false;
            }
            if (all && outcome.equals("runs")) fullyEqual++;
        }
        System.out.printf(
                "n8n corpus: %d exports; %d run, %d import but stop, %d refused; %d of %d recorded node outputs equal n8n's;"
                        + " %d exports run with every recorded output equal%n",
                actual.size(), runs, imports, refused, equal, recorded, fullyEqual);
        causes.forEach((cause, n) -> System.out.printf("  %3d  %s%n", n, cause));
    }

    /**
     * The parser's message without the file name it starts with and without the list of the types
     * nLink has, which grows with every new node and is not this export's outcome.
     */
    static String refusal(String file, String message) {
        String reason = message.startsWith(file + ": ") ? message.substring(file.length() + 2) : message;
        int list = reason.indexOf(". nLink has ");
        return list < 0 ? reason : reason.substring(0, list);
    }

    /** A reason shortened to its kind, for the summary's grouping. */
    static String cause(String reason) {
        String r = reason.replaceAll("(?s)^node \"[^\"]*\": ", "").replaceAll("^item \\d+: ", "");
        int cut = r.indexOf(':');
        return (cut > 0 && cut < 90 ? r.substring(0, cut) : r.substring(0, Math.min(r.length(), 90))).strip();
    }
}
