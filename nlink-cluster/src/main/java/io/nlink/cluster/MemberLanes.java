package io.nlink.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A member's side of distributed batches: runs the chunks other members (or this one) send it.
 * Packages are loaded once per member (fetched from the {@link PackageShelf}, verified, compiled
 * or taken from the compiled-module cache) and each chunk borrows a pooled lane, one sandbox
 * instance that stays warm from chunk to chunk and batch to batch. The member's executor runs at
 * most {@link ClusterConfig#lanes()} chunks at once, so that many lanes per node are kept; a lane
 * unused for {@link ClusterConfig#idleLaneTimeout()} is closed, giving its guest memory back.
 */
final class MemberLanes implements AutoCloseable {
    static final String USER_CONTEXT_KEY = "nlink.memberLanes";

    /** Nodes kept loaded per member; the least recently used one is dropped with its lanes. */
    private static final int LOADED_NODES = 16;

    private record LaneKey(String packageSha256, SandboxLimits limits) {}

    /** A lane waiting for its next chunk, and since when ({@link System#nanoTime()}). */
    private record IdleLane(BatchRunner runner, long since) {}

    private final NodeRuntime runtime;
    private final SandboxLimits ceiling;
    private final int maxIdleLanes;
    private final long idleNanos;
    private final ScheduledExecutorService idleCheck;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile PackageShelf shelf;
    private volatile String memberAddress = "?";
    private final Map<String, LoadedNode> loaded = new LinkedHashMap<>(16, 0.75f, true);
    /** Per node and limits, the idle lanes, the most recently used first. */
    private final Map<LaneKey, Deque<IdleLane>> idle = new HashMap<>();

    MemberLanes(NodeRuntime runtime, int maxIdleLanes, Duration idleTimeout, SandboxLimits ceiling) {
        this.runtime = runtime;
        this.ceiling = ceiling;
        this.maxIdleLanes = maxIdleLanes;
        this.idleNanos = idleTimeout.toNanos();
        this.idleCheck = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "nlink-idle-lanes");
            t.setDaemon(true);
            return t;
        });
        // Checked twice per timeout: a lane is closed between one and one and a half timeouts after its last chunk.
        long period = Math.max(idleNanos / 2, TimeUnit.MILLISECONDS.toNanos(100));
        idleCheck.scheduleWithFixedDelay(this::closeIdleLanes, period, period, TimeUnit.NANOSECONDS);
    }

    /** The member is up: chunks may run. */
    void ready(PackageShelf shelf, String memberAddress) {
        this.shelf = shelf;
        this.memberAddress = memberAddress;
        started.countDown();
    }

    /** Runs one chunk; never throws: a chunk this member cannot run answers with the reason. */
    byte[] run(ChunkTask task) {
        BatchRunner lane = null;
        SandboxLimits limits = capped(task.limits);
        LaneKey key = new LaneKey(task.packageSha256, limits);
        try {
            if (!started.await(1, TimeUnit.MINUTES)) {
                return ChunkResults.failed(memberAddress, "this member did not finish starting within a minute")
                        .encode();
            }
            LoadedNode node = loaded(task.packageSha256, limits);
            JsonNode params = Json.parse(task.paramsJson);
            JsonNode items = Json.parse(task.itemsJson);
            if (!(params instanceof ObjectNode paramsObject) || !items.isArray()) {
                return ChunkResults.failed(
                                memberAddress, "malformed chunk: parameters must be an object and items an array")
                        .encode();
            }
            lane = borrow(key, node, paramsObject);
            BatchSummary before = lane.summary();
            List<ItemResult> results = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                ItemResult r = lane.next(paramsObject, items.get(i));
                results.add(reindexed(r, task.firstIndex + i));
                if (!r.ok() && !task.continueOnFail) break;
            }
            BatchSummary after = lane.summary();
            return new ChunkResults(
                            results,
                            after.instances() - before.instances(),
                            after.recycled() - before.recycled(),
                            after.instanceNanos() - before.instanceNanos(),
                            memberAddress,
                            null)
                    .encode();
        } catch (Exception e) {
            return ChunkResults.failed(memberAddress, e.getMessage() == null ? e.toString() : e.getMessage())
                    .encode();
        } finally {
            if (lane != null) giveBack(key, lane);
        }
    }

    /**
     * A peer's limits, none above this member's own: a chunk can ask for less memory or output
     * than this member allows, never more. Timeouts are the sender's (its --timeout).
     */
    SandboxLimits capped(SandboxLimits asked) {
        long js = ceiling.jsMemoryBytes() == 0
                ? asked.jsMemoryBytes()
                : asked.jsMemoryBytes() == 0
                        ? ceiling.jsMemoryBytes()
                        : Math.min(asked.jsMemoryBytes(), ceiling.jsMemoryBytes());
        return new SandboxLimits(
                Math.min(asked.memoryPages(), ceiling.memoryPages()),
                asked.itemTimeout(),
                asked.initTimeout(),
                Math.min(asked.maxContextBytes(), ceiling.maxContextBytes()),
                Math.min(asked.maxOutputBytes(), ceiling.maxOutputBytes()),
                Math.min(asked.maxLogBytes(), ceiling.maxLogBytes()),
                js);
    }

    private static ItemResult reindexed(ItemResult r, long index) {
        return new ItemResult(
                index,
                r.runtime(),
                r.items(),
                r.failure(),
                r.stdout(),
                r.stderr(),
                r.logsTruncated(),
                r.nanos(),
                r.memoryPages(),
                r.fallbackWhy());
    }

    private LoadedNode loaded(String sha256, SandboxLimits limits) throws Exception {
        synchronized (loaded) {
            LoadedNode hit = loaded.get(sha256);
            if (hit != null) return hit;
        }
        // Loading may compile a module for seconds: done outside the lock, so other nodes' chunks go on.
        byte[] zip = shelf.fetch(sha256);
        LoadedNode node;
        try {
            node = runtime.load(PackageLoader.loadZip(sha256, new ByteArrayInputStream(zip)), limits);
        } catch (NoRuntimeException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        List<BatchRunner> dropped = new ArrayList<>();
        synchronized (loaded) {
            LoadedNode raced = loaded.putIfAbsent(sha256, node);
            if (raced != null) return raced;
            if (loaded.size() > LOADED_NODES) {
                String eldest = loaded.keySet().iterator().next();
                loaded.remove(eldest);
                synchronized (idle) {
                    idle.entrySet().removeIf(e -> {
                        if (!e.getKey().packageSha256().equals(eldest)) return false;
                        e.getValue().forEach(lane -> dropped.add(lane.runner()));
                        return true;
                    });
                }
            }
        }
        dropped.forEach(BatchRunner::close);
        return node;
    }

    private BatchRunner borrow(LaneKey key, LoadedNode node, ObjectNode params) {
        synchronized (idle) {
            Deque<IdleLane> lanes = idle.get(key);
            if (lanes != null && !lanes.isEmpty()) return lanes.pop().runner();
        }
        // One lane = a one-instance batch runner that lives on; each item brings its own parameters.
        return node.batch(params, BatchOptions.DEFAULTS, key.limits());
    }

    private void giveBack(LaneKey key, BatchRunner lane) {
        synchronized (idle) {
            Deque<IdleLane> lanes = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (lanes.size() < maxIdleLanes) {
                lanes.push(new IdleLane(lane, System.nanoTime()));
                return;
            }
        }
        lane.close();
    }

    /** Closes the lanes idle for longer than the timeout; the least recently used sit at each deque's tail. */
    private void closeIdleLanes() {
        long now = System.nanoTime();
        List<BatchRunner> expired = new ArrayList<>();
        synchronized (idle) {
            for (var it = idle.values().iterator(); it.hasNext(); ) {
                Deque<IdleLane> lanes = it.next();
                while (!lanes.isEmpty() && now - lanes.peekLast().since() >= idleNanos) {
                    expired.add(lanes.removeLast().runner());
                }
                if (lanes.isEmpty()) it.remove();
            }
        }
        expired.forEach(MemberLanes::closeQuietly);
    }

    /** Lanes waiting for a chunk now; for tests. */
    int idleLanes() {
        synchronized (idle) {
            return idle.values().stream().mapToInt(Deque::size).sum();
        }
    }

    private static void closeQuietly(BatchRunner lane) {
        try {
            lane.close();
        } catch (RuntimeException e) {
            // closing frees the instance; one that fails to close is garbage all the same
        }
    }

    @Override
    public void close() {
        idleCheck.shutdownNow();
        List<BatchRunner> all = new ArrayList<>();
        synchronized (idle) {
            idle.values().forEach(lanes -> lanes.forEach(lane -> all.add(lane.runner())));
            idle.clear();
        }
        all.forEach(BatchRunner::close);
    }
}
