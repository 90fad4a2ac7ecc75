package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Execution;
import io.nlink.workflow.RunControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executions under way on this server, each with what it has done so far as a list of events
 * ({@code node-started}, {@code node-finished}, then {@code execution-finished}) that the progress
 * stream replays and follows, and the stop that reaches its run. An execution is here from the
 * moment it is started or accepted on this server until its record is final in the database; after
 * that, the database has everything the events said.
 *
 * <p>Memory is bounded by the runs under way, each by its node count (at most
 * {@value #MAX_EVENTS} events): a reader keeps only its place in the list, so a slow reader holds
 * nothing here.
 */
public final class LiveExecutions {
    /** Events kept per execution; past it only the final event is added (a huge workflow's stream says so). */
    static final int MAX_EVENTS = 10_000;

    /** One event of a run: its SSE event name and data. */
    public record Event(String type, ObjectNode data) {}

    private final Map<Long, Live> byId = new ConcurrentHashMap<>();

    /** The execution {@code id} if it is under way here. */
    public Optional<Live> find(long id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Why runs are stopped as soon as they start: set by {@link #drain}, the server shutting down. */
    private volatile String draining;

    /** The entry of execution {@code id}, made when it is not here yet. */
    Live open(long id) {
        Live live = byId.computeIfAbsent(id, Live::new);
        String reason = draining;
        if (reason != null) live.stop(reason); // a run that slipped in as the server stops does not outlive it
        return live;
    }

    /** Ends execution {@code id}'s entry with its final event: readers get it, later ones read the database. */
    void finish(long id, String status, String error, String errorNode) {
        Live live = byId.remove(id);
        if (live == null) return;
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("id", id)
                .put("status", status)
                .put("error", error)
                .put("errorNode", errorNode);
        live.add(new Event("execution-finished", data), true);
    }

    /** How many executions are under way here. */
    int size() {
        return byId.size();
    }

    /**
     * Lets the runs under way here end within {@code grace} (a run that starts meanwhile is stopped
     * at once), then stops the rest with {@code reason}
     * (the node under way is cut short, as by Stop) and waits up to {@code grace} again for their
     * records, so a server that shuts down records how each of its runs ended instead of cutting
     * them off unrecorded. Returns how many had to be stopped.
     */
    int drain(java.time.Duration grace, String reason) throws InterruptedException {
        draining = reason;
        awaitNone(grace);
        List<Live> left = List.copyOf(byId.values());
        left.forEach(live -> live.stop(reason));
        if (!left.isEmpty()) awaitNone(grace);
        return left.size();
    }

    private void awaitNone(java.time.Duration wait) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        while (!byId.isEmpty() && System.nanoTime() - until < 0) Thread.sleep(20);
    }

    /** One execution under way here: its events so far and its stop. */
    public static final class Live implements RunControl.Listener {
        private final long id;
        private final List<Event> events = new ArrayList<>();
        private boolean finished;
        private String stopReason;
        private RunControl control;

        Live(long id) {
            this.id = id;
        }

        public long id() {
            return id;
        }

        /** Asks the run to stop (now if it runs, as soon as it starts if it waits). */
        public synchronized void stop(String reason) {
            if (stopReason == null) stopReason = reason;
            if (control != null) control.stop(reason);
        }

        /** The run's control takes any stop asked for before the run began. */
        synchronized void attach(RunControl run) {
            this.control = run;
            if (stopReason != null) run.stop(stopReason);
        }

        @Override
        public void nodeStarted(String node, List<Integer> itemsIn) {
            ObjectNode data = Json.MAPPER.createObjectNode().put("node", node);
            data.set("itemsIn", counts(itemsIn));
            add(new Event("node-started", data), false);
        }

        @Override
        public void nodeFinished(Execution.NodeRecord record) {
            add(
                    new Event(
                            "node-finished",
                            LiveExecutions.nodeFinished(
                                    record.name(),
                                    record.status(),
                                    record.itemsIn(),
                                    record.itemsOut(),
                                    record.time().toNanos() / 1e6,
                                    record.error())),
                    false);
        }

        private synchronized void add(Event event, boolean last) {
            if (finished) return;
            if (last || events.size() < MAX_EVENTS) events.add(event);
            finished = last;
            notifyAll();
        }

        /**
         * The events from index {@code from} on, waiting up to {@code waitMillis} for one when
         * there is none yet; empty when none came in that time.
         */
        public synchronized List<Event> since(int from, long waitMillis) throws InterruptedException {
            long until = System.currentTimeMillis() + waitMillis;
            while (events.size() <= from && !finished) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) break;
                wait(left);
            }
            return events.size() <= from ? List.of() : List.copyOf(events.subList(from, events.size()));
        }
    }

    /** The data of a node-finished event; the same whether it comes live or from a finished record. */
    static ObjectNode nodeFinished(
            String node, String status, List<Integer> itemsIn, List<Integer> itemsOut, double millis, String error) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("node", node).put("status", status);
        data.set("itemsIn", counts(itemsIn));
        data.set("itemsOut", counts(itemsOut));
        data.put("millis", millis);
        data.put("error", error == null ? null : error.length() <= 1000 ? error : error.substring(0, 1000) + "…");
        return data;
    }

    private static ArrayNode counts(List<Integer> counts) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        counts.forEach(out::add);
        return out;
    }

    /** What a finished execution's record says, as the events a reader would have had live. */
    public static List<Event> replay(ObjectNode record) {
        List<Event> out = new ArrayList<>();
        for (var n : record.path("nodes")) {
            List<Integer> in = new ArrayList<>(), outCounts = new ArrayList<>();
            n.path("itemsIn").forEach(c -> in.add(c.asInt()));
            n.path("itemsOut").forEach(c -> outCounts.add(c.asInt()));
            out.add(new Event(
                    "node-finished",
                    nodeFinished(
                            n.path("name").asText(),
                            n.path("status").asText(),
                            in,
                            outCounts,
                            n.path("millis").asDouble(),
                            n.path("error").isTextual() ? n.path("error").asText() : null)));
        }
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("id", record.path("id").asLong())
                .put("status", record.path("status").asText());
        data.put(
                "error", record.path("error").isTextual() ? record.path("error").asText() : null);
        data.put(
                "errorNode",
                record.path("errorNode").isTextual() ? record.path("errorNode").asText() : null);
        out.add(new Event("execution-finished", data));
        return out;
    }
}
