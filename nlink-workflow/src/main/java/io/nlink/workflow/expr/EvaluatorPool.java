package io.nlink.workflow.expr;

import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Started expression evaluators kept for the next node run of the same expressions: starting a
 * GraalJS context (its realm, then the evaluator script) was most of what a Set node with one
 * expression cost per execution (docs/performance.md). An evaluator is kept only while usable
 * (a time or memory limit discards it), at most {@value #MAX_IDLE} idle in all, none idle longer
 * than {@value #IDLE_SECONDS} s.
 *
 * <p>Reuse is safe because the evaluator locks its realm down before any expression runs
 * ({@link Expressions}' script freezes every object an expression can reach and removes
 * RegExp's legacy match statics): nothing an expression does in one run can be seen by the next,
 * as with a fresh context. Thread-safe.
 */
final class EvaluatorPool {
    static final int MAX_IDLE = 16;
    static final long IDLE_SECONDS = 30;

    /** Evaluators of one script under one set of limits. */
    private record Key(NodeExecutable script, SandboxLimits limits) {}

    private record Idle(NodeInstance instance, long since) {}

    /** Least recently used first. */
    private final LinkedHashMap<Key, ArrayDeque<Idle>> idle = new LinkedHashMap<>(16, 0.75f, true);

    private int idleCount;
    /** Evaluators handed out again after an earlier run: for tests and reports. */
    private long reused;

    /** An idle evaluator of {@code script}, or a new one. */
    Lease take(NodeExecutable script, SandboxLimits limits) throws SandboxException {
        Key key = new Key(script, limits);
        synchronized (this) {
            expire();
            ArrayDeque<Idle> kept = idle.get(key);
            Idle top = kept == null ? null : kept.pollLast();
            if (top != null) {
                idleCount--;
                reused++;
                if (kept.isEmpty()) idle.remove(key);
                return new Lease(key, top.instance());
            }
        }
        return new Lease(key, script.newInstance(limits));
    }

    /** One evaluator in use; {@link #close} hands it back, or discards it when it is no longer usable. */
    final class Lease implements AutoCloseable {
        private final Key key;
        final NodeInstance instance;

        private Lease(Key key, NodeInstance instance) {
            this.key = key;
            this.instance = instance;
        }

        @Override
        public void close() {
            if (!instance.usable()) {
                instance.close();
                return;
            }
            NodeInstance evicted = null;
            synchronized (EvaluatorPool.this) {
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new Idle(instance, System.nanoTime()));
                if (++idleCount > MAX_IDLE) evicted = removeEldest();
            }
            if (evicted != null) evicted.close();
        }
    }

    synchronized long reused() {
        return reused;
    }

    /** The least recently used key's oldest evaluator, taken out of the pool. */
    private NodeInstance removeEldest() {
        Iterator<Map.Entry<Key, ArrayDeque<Idle>>> entries = idle.entrySet().iterator();
        Map.Entry<Key, ArrayDeque<Idle>> eldest = entries.next();
        Idle oldest = eldest.getValue().pollFirst();
        if (eldest.getValue().isEmpty()) entries.remove();
        idleCount--;
        return oldest.instance();
    }

    /** Closes evaluators idle too long; called with the lock held. */
    private void expire() {
        long cutoff = System.nanoTime() - IDLE_SECONDS * 1_000_000_000L;
        for (Iterator<ArrayDeque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Idle> kept = it.next();
            while (!kept.isEmpty() && kept.peekFirst().since() < cutoff) {
                kept.pollFirst().instance().close();
                idleCount--;
            }
            if (kept.isEmpty()) it.remove();
        }
    }
}
