package io.nlink.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.batch.ItemBatch;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One node run over a stream of items, spread over every member of the cluster: the coordinator
 * (this process) cuts the items into chunks, hands each chunk to the member with the most free
 * lanes, and passes the results on in input order as soon as the head chunks are back.
 *
 * <p>What is guaranteed:
 * <ul>
 *   <li><b>Order and completeness:</b> the sink sees every item's result once, in input order.
 *   <li><b>Member loss:</b> a chunk whose member leaves or dies before answering runs again on
 *       another member; since a chunk's results are taken from exactly one answer, no item
 *       appears twice (node runs have no side effects outside their sandbox, so a rerun is safe).
 *   <li><b>Joiners:</b> a member that joins during the batch gets chunks from then on.
 *   <li><b>Flat memory:</b> each member gets at most {@link Options#chunksInFlightPerLane()}
 *       chunks per lane at a time, and at most twice the cluster's share waits to be emitted
 *       behind a slow head chunk, so neither the coordinator nor a member holds the whole batch.
 * </ul>
 * Used by one thread.
 */
public final class ClusterBatch implements ItemBatch {
    /**
     * How a distributed batch runs.
     *
     * @param chunkSize             items per chunk. Default 256: large enough that the round trip
     *                              (well under a millisecond on a LAN) is small beside the chunk's
     *                              work, small enough that a lost member costs little to redo
     * @param continueOnFail        as for a local batch: a failed item becomes a failed result and
     *                              the batch goes on; when false (the default) it stops after the
     *                              first failed item in input order
     * @param chunksInFlightPerLane chunks handed to a member per lane before its answers are in.
     *                              Default 2: a lane never waits for the network, and memory stays
     *                              bounded by lanes × 2 × chunkSize items
     */
    public record Options(int chunkSize, boolean continueOnFail, int chunksInFlightPerLane) {
        public static final Options DEFAULTS = new Options(256, false, 2);

        public Options {
            if (chunkSize < 1 || chunkSize > 1_000_000)
                throw new IllegalArgumentException("chunkSize must be 1..1000000, got " + chunkSize);
            if (chunksInFlightPerLane < 1 || chunksInFlightPerLane > 64) {
                throw new IllegalArgumentException("chunksInFlightPerLane must be 1..64, got " + chunksInFlightPerLane);
            }
        }

        public Options withChunkSize(int value) {
            return new Options(value, continueOnFail, chunksInFlightPerLane);
        }

        public Options withContinueOnFail(boolean value) {
            return new Options(chunkSize, value, chunksInFlightPerLane);
        }
    }

    private final NlinkCluster cluster;
    private final String packageSha256;
    private final String paramsJson;
    private final SandboxLimits limits;
    private final Options options;

    private final MemberLoad load = new MemberLoad();
    private final Map<String, Long> itemsPerMember = new TreeMap<>();
    private final Object completions = new Object();
    /** Answers received so far (guarded by {@link #completions}): the coordinator sleeps only while it is unchanged. */
    private long answers;

    private long nextIndex;
    private int rerunChunks;
    private long itemsIn, itemsOut, failures, callNanos, instanceNanos, fallbacks;
    private int instances, recycled, peakPages;

    ClusterBatch(NlinkCluster cluster, String packageSha256, ObjectNode params, SandboxLimits limits, Options options) {
        this.cluster = cluster;
        this.packageSha256 = packageSha256;
        this.paramsJson = Json.write(params);
        this.limits = limits;
        this.options = options;
    }

    /** A chunk on its way: what it carries and the member working on it. */
    private static final class Chunk {
        final ChunkTask task;
        final int size;
        Member member;
        CompletableFuture<byte[]> answer;
        /** The answer opened with the cluster's secret, once it is in. */
        byte[] opened;

        int attempts;
        boolean released;

        Chunk(ChunkTask task, int size) {
            this.task = task;
            this.size = size;
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when a member cannot run the package, or a chunk outlived
     *     {@value NlinkCluster#MAX_ATTEMPTS} members
     */
    @Override
    public boolean run(Iterator<JsonNode> items, Consumer<ItemResult> sink) {
        ArrayDeque<Chunk> pending = new ArrayDeque<>();
        while (true) {
            long seen = answersSoFar(); // before looking: an answer that lands while we look is not slept through
            for (Chunk c : pending) {
                if (settled(c) && (lostMember(c) || refused(c))) resubmit(c); // at once, not when it reaches the head
            }
            while (!pending.isEmpty()
                    && settled(pending.peek())
                    && !lostMember(pending.peek())
                    && !refused(pending.peek())) {
                if (!emit(pending.poll(), sink)) return false;
            }
            fill(items, pending);
            if (pending.isEmpty() && !items.hasNext()) return true;
            awaitAnswerAfter(seen);
        }
    }

    private void fill(Iterator<JsonNode> items, ArrayDeque<Chunk> pending) {
        // Twice the lanes' share in all: answers that wait behind a slow head chunk cannot pile up.
        int window = 2 * cluster.totalLanes() * options.chunksInFlightPerLane();
        while (items.hasNext() && pending.size() < window) {
            Member target = memberWithFreeLane();
            if (target == null) return;
            ArrayNode array = Json.MAPPER.createArrayNode();
            while (array.size() < options.chunkSize() && items.hasNext()) array.add(items.next());
            ChunkTask task = cluster.newChunk(
                    packageSha256, paramsJson, limits, options.continueOnFail(), nextIndex, Json.writeBytes(array));
            nextIndex += array.size();
            Chunk chunk = new Chunk(task, array.size());
            submit(chunk, target);
            pending.add(chunk);
        }
    }

    /** The member with the most free lanes, or null when every lane has its share. */
    private Member memberWithFreeLane() {
        Member best = load.roomiest(cluster.workers(), this::chunkCapacity);
        return best != null && load.room(best, this::chunkCapacity) > 0 ? best : null;
    }

    /** Chunks a member may hold at once: its share per lane. */
    private int chunkCapacity(Member m) {
        return NlinkCluster.lanes(m) * options.chunksInFlightPerLane();
    }

    private void submit(Chunk chunk, Member member) {
        chunk.member = member;
        chunk.attempts++;
        chunk.released = false;
        chunk.answer = new CompletableFuture<>();
        chunk.opened = null;
        chunk.task.sealFor(member);
        load.handOut(member);
        CompletableFuture<byte[]> answer = chunk.answer;
        cluster.executor().submitToMember(chunk.task, member, new ExecutionCallback<byte[]>() {
            @Override
            public void onResponse(byte[] response) {
                answer.complete(response);
                signal();
            }

            @Override
            public void onFailure(Throwable t) {
                answer.completeExceptionally(t);
                signal();
            }
        });
    }

    /** A chunk whose member left goes to the least busy member now, ahead of any new chunk. */
    private void resubmit(Chunk chunk) {
        if (chunk.attempts >= NlinkCluster.MAX_ATTEMPTS) {
            throw new IllegalStateException(
                    "items " + chunk.task.firstIndex + ".." + (chunk.task.firstIndex + chunk.size - 1)
                            + " were lost with " + NlinkCluster.MAX_ATTEMPTS + " members in a row; giving up");
        }
        Member target = load.roomiest(cluster.workers(), this::chunkCapacity);
        if (target == null) throw new IllegalStateException("no member with lanes is left in the cluster");
        rerunChunks++;
        submit(chunk, target);
    }

    /** Whether the chunk's answer is in; the first time it is seen, its lane counts as free again. */
    private boolean settled(Chunk c) {
        if (!c.answer.isDone()) return false;
        if (!c.released) {
            c.released = true;
            load.takeBack(c.member);
        }
        return true;
    }

    /** Whether a finished chunk failed because its member went away (so it must run elsewhere). */
    private boolean lostMember(Chunk c) {
        if (!c.answer.isCompletedExceptionally()) return false;
        try {
            c.answer.get();
            return false;
        } catch (ExecutionException e) {
            return cluster.memberLost(e.getCause(), c.member);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    /**
     * Whether a finished chunk's member refused it or answered with something the cluster's secret
     * does not open: that member does not hold the secret, gets no more work, and the chunk runs
     * elsewhere. Otherwise the opened answer is kept for {@link #emit}.
     */
    private boolean refused(Chunk c) {
        if (c.opened != null || c.answer.isCompletedExceptionally()) return false;
        try {
            c.opened = c.task.openAnswer(c.answer.join());
            return false;
        } catch (MessageSeal.Refused e) {
            cluster.shun(c.member, e.getMessage());
            return true;
        }
    }

    /** Hands a chunk's results on in order; false when one of them stops the batch. */
    private boolean emit(Chunk chunk, Consumer<ItemResult> sink) {
        ChunkResults answer;
        try {
            chunk.answer.get(); // a failure, told as the member's
            answer = ChunkResults.decode(chunk.opened);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "member " + NlinkCluster.address(chunk.member) + " failed items " + chunk.task.firstIndex + "..: "
                            + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "member " + NlinkCluster.address(chunk.member) + " answered with unreadable results: "
                            + e.getMessage(),
                    e);
        }
        if (answer.error() != null) {
            throw new IllegalStateException(
                    "member " + answer.member() + " cannot run " + packageSha256 + ": " + answer.error());
        }
        instances += answer.instances();
        recycled += answer.recycled();
        instanceNanos += answer.instanceNanos();
        itemsPerMember.merge(answer.member(), (long) answer.results().size(), Long::sum);
        for (ItemResult r : answer.results()) {
            itemsIn++;
            itemsOut += r.items().size();
            callNanos += r.nanos();
            peakPages = Math.max(peakPages, r.memoryPages());
            if (r.fallbackWhy() != null) fallbacks++;
            sink.accept(r);
            if (!r.ok()) {
                failures++;
                if (!options.continueOnFail()) return false;
            }
        }
        return true;
    }

    private void signal() {
        synchronized (completions) {
            answers++;
            completions.notifyAll();
        }
    }

    private long answersSoFar() {
        synchronized (completions) {
            return answers;
        }
    }

    /**
     * Sleeps until an answer beyond the first {@code seen} is in, or 50 ms have passed (so that a
     * member that joined, whose lanes no answer announces, gets work soon).
     */
    private void awaitAnswerAfter(long seen) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        synchronized (completions) {
            try {
                for (long left = deadline - System.nanoTime();
                        answers == seen && left > 0;
                        left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(completions, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cluster", e);
            }
        }
    }

    /** The totals a local batch reports; instances are those the members started for this batch. */
    @Override
    public BatchSummary summary() {
        return new BatchSummary(
                itemsIn,
                itemsOut,
                failures,
                instances,
                recycled,
                peakPages,
                limits.memoryPages(),
                callNanos,
                instanceNanos,
                fallbacks);
    }

    /** Items each member ran, by address; a rerun chunk counts where it ran last. */
    public Map<String, Long> itemsPerMember() {
        return Collections.unmodifiableMap(new TreeMap<>(itemsPerMember));
    }

    /** Chunks that ran again because their member left before answering. */
    public int rerunChunks() {
        return rerunChunks;
    }

    /** Nothing to release: chunks still out when a batch stops finish on their members and are dropped. */
    @Override
    public void close() {}
}
