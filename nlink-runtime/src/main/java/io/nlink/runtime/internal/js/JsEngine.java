package io.nlink.runtime.internal.js;

import io.nlink.runtime.Sha256;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * Prepares {@code execution.js} files for running: one shared GraalJS engine per process (so
 * parsed code is shared by every context that runs the same script) and a small cache of prepared
 * scripts keyed by SHA-256. Thread-safe.
 *
 * <p>Without a JVMCI compiler GraalJS runs in Truffle's interpreter; with the Graal compiler jars
 * on the upgrade module path and JVMCI enabled (scripts/java-env.sh does it for {@code nlink serve})
 * it compiles hot scripts. docs/performance.md has both against Node's V8.
 */
public final class JsEngine implements io.nlink.runtime.JavaScript, AutoCloseable {
    private static final int CACHE_SIZE = 32;

    /** Created on first use: a GraalJS engine costs tens of MB of heap and ~0.5 s, and most batches never need it. */
    private Engine engine;

    private final Map<String, JsNode> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsNode> eldest) {
            if (size() <= CACHE_SIZE) return false;
            eldest.getValue().closeSpare(); // lanes still holding it start their own contexts
            return true;
        }
    };

    private final Duration spareIdle;

    /** An engine whose nodes keep a started context ready for 30 s after use. */
    public JsEngine() {
        this(Duration.ofSeconds(30));
    }

    /**
     * @param spareIdle how long each script keeps one started context ready for its next batch
     *     ({@link io.nlink.runtime.internal.ReadyInstances}), or {@link Duration#ZERO} for none. A context
     *     takes about 10 ms to start; the cost is its memory while it waits.
     */
    public JsEngine(Duration spareIdle) {
        this.spareIdle = io.nlink.runtime.internal.ReadyInstances.checkIdle(spareIdle);
    }

    private Engine engine() {
        if (engine == null) {
            engine = Engine.newBuilder("js")
                    // Without a JVMCI compiler GraalJS warns on every context; we know, and say so in the docs.
                    .option("engine.WarnInterpreterOnly", "false")
                    .build();
        }
        return engine;
    }

    /** The prepared script for this source text; the script itself runs when an instance starts. */
    @Override
    public JsNode load(String script) {
        String key = Sha256.hex(script.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        synchronized (cache) {
            return cache.computeIfAbsent(
                    key,
                    k -> new JsNode(
                            engine(),
                            Source.newBuilder("js", script, JsNode.FILE_NAME)
                                    .cached(true)
                                    .buildLiteral(),
                            spareIdle));
        }
    }

    @Override
    public void close() {
        synchronized (cache) {
            cache.values().forEach(JsNode::closeSpare);
            if (engine != null) {
                engine.close(true); // a spare may still be starting on the warmer thread: cancel it
            }
        }
    }
}
