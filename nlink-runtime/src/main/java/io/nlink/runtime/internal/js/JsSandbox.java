package io.nlink.runtime.internal.js;

import io.nlink.runtime.Cancellation;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.SandboxInstance;
import io.nlink.runtime.internal.Watchdog;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * One GraalJS context running a package's execution.js, the fallback when its wasm cannot run.
 * Same contract as the wasm ABI, one level up: the script defines {@code execute_node(input)},
 * called per item with {@code {"params", "$json"}} and returning {@code [{"json": ...}]} or
 * {@code {"error": "..."}}. Context JSON goes in as text and the result comes out as text, both
 * through JSON functions captured before the script runs, so no host object ever reaches the
 * script and the host decodes results exactly as it decodes a guest's.
 *
 * <p>The context gets nothing: no host classes or objects, no file system, no environment, no
 * threads, processes, native code or other languages. A script past its time bound is cancelled
 * (the context is closed), which discards the instance. GraalJS's community edition has no heap
 * limit, so each run (start-up, and each call) also has an allocation budget
 * ({@link SandboxLimits#jsMemoryBytes()}) that the {@link Watchdog} keeps the same way: a run that
 * allocates past it while the JVM heap is at risk is cancelled (docs/security.md, "JavaScript
 * memory"). Where allocations cannot be counted, a script with a budget does not run at all.
 */
public final class JsSandbox extends SandboxInstance {
    /** Evaluated before the script: keeps the real JSON functions, calls the script's function. */
    private static final String CALLER = """
            (function () {
              const parse = JSON.parse, stringify = JSON.stringify, global = globalThis;
              return function (text) {
                const f = global.execute_node;
                if (typeof f !== 'function') {
                  throw new TypeError('execution.js does not define a function execute_node(input)');
                }
                const result = stringify(f(parse(text)));
                return result === undefined ? '' : result;
              };
            })()
            """;

    private static final Source CALLER_SOURCE =
            Source.newBuilder("js", CALLER, "nlink-caller.js").cached(true).buildLiteral();

    private final Context context;
    private final Value caller;

    private JsSandbox(org.graalvm.polyglot.Engine engine, Source script, SandboxLimits limits) throws SandboxException {
        super(limits);
        this.context = Context.newBuilder("js")
                .engine(engine)
                .allowAllAccess(false)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(name -> false)
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowInnerContextOptions(false)
                .in(new ByteArrayInputStream(new byte[0]))
                .out(stdout)
                .err(stderr)
                .build();
        Watchdog.Deadline guard;
        try {
            guard = guard(limits.initTimeout(), Cancellation.NEVER);
        } catch (IllegalStateException uncounted) {
            closeQuietly(context);
            throw new SandboxException(new NodeFailure(Kind.INSTANTIATION, uncountedMessage(uncounted), null), "");
        }
        try (Watchdog.Deadline deadline = guard) {
            try {
                this.caller = context.eval(CALLER_SOURCE);
                context.eval(script);
                started();
            } catch (PolyglotException | IllegalStateException e) {
                String log = stderr.take();
                closeQuietly(context);
                String when = "while loading execution.js";
                NodeFailure why = deadline.overBudget()
                        ? new NodeFailure(Kind.INSTANTIATION, memoryLimitMessage(when), null)
                        : deadline.expired() || !(e instanceof PolyglotException p)
                                ? new NodeFailure(
                                        Kind.INSTANTIATION, timeLimitMessage(limits.initTimeout(), when), null)
                                : new NodeFailure(
                                        Kind.INSTANTIATION,
                                        "execution.js failed to load: " + p.getMessage() + where(p),
                                        location(p));
                throw new SandboxException(why, log);
            }
        }
    }

    /**
     * Arms the bounds of one run: its time, and its allocation unless the limit is 0; either, or
     * the caller's {@code cancellation}, cancels the context.
     *
     * @throws IllegalStateException when there is an allocation limit that this thread cannot keep
     */
    private Watchdog.Deadline guard(java.time.Duration timeout, Cancellation cancellation) {
        Runnable cancel = () -> context.close(true);
        return limits.jsMemoryBytes() > 0
                ? Watchdog.start(timeout, limits.jsMemoryBytes(), cancellation, cancel)
                : Watchdog.start(timeout, cancellation, cancel);
    }

    /** "the JavaScript allocated more than 64 MiB in one run (its memory limit) <when> …". */
    private String memoryLimitMessage(String when) {
        return "the JavaScript allocated more than " + limits.jsMemoryText() + " in one run (its memory limit) " + when
                + ", with the JVM heap filling up; it was stopped and its context discarded. Keep less data in memory"
                + " at once (fewer or smaller items per run, such as the Code node's runOnceForEachItem mode), or raise the limit"
                + " (nlink run --js-memory) together with the JVM heap (-Xmx)";
    }

    private static String uncountedMessage(IllegalStateException uncounted) {
        return "JavaScript cannot run with its memory limit here: " + uncounted.getMessage()
                + "; it would run unbounded, so it does not run. Run it on a platform thread of a HotSpot JVM,"
                + " or set the JavaScript memory limit to 0 (nlink run --js-memory 0) to accept the risk";
    }

    static JsSandbox create(org.graalvm.polyglot.Engine engine, Source script, SandboxLimits limits)
            throws SandboxException {
        return new JsSandbox(engine, script, limits);
    }

    @Override
    protected String runtime() {
        return JsNode.RUNTIME;
    }

    @Override
    protected byte[] exchange(byte[] input, Cancellation cancellation) throws ItemFailedException {
        String output;
        Watchdog.Deadline guard;
        try {
            guard = guard(limits.itemTimeout(), cancellation);
        } catch (IllegalStateException uncounted) {
            throw new ItemFailedException(new NodeFailure(Kind.MEMORY_LIMIT, uncountedMessage(uncounted), null));
        }
        try (Watchdog.Deadline deadline = guard) {
            try {
                output = caller.execute(new String(input, StandardCharsets.UTF_8))
                        .asString();
            } catch (PolyglotException e) {
                throw new ItemFailedException(
                        deadline.canceled()
                                ? canceled(cancellation, RUNNING, location(e))
                                : deadline.overBudget() ? memoryLimit() : classify(e, deadline.expired()));
            } catch (IllegalStateException e) {
                // the context was closed by the watchdog between two guest statements
                throw new ItemFailedException(
                        deadline.canceled()
                                ? canceled(cancellation, RUNNING, null)
                                : deadline.overBudget() ? memoryLimit() : timeout());
            }
        }
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > limits.maxOutputBytes()) {
            throw outputTooLarge(bytes.length);
        }
        return bytes;
    }

    private NodeFailure classify(PolyglotException e, boolean timedOut) {
        if (timedOut || e.isCancelled()) {
            return timeout();
        }
        if (e.isResourceExhausted()) {
            return new NodeFailure(
                    Kind.MEMORY_LIMIT, "the node ran out of resources: " + e.getMessage() + where(e), location(e));
        }
        if (e.isExit()) {
            return new NodeFailure(Kind.EXIT, "the node exited with code " + e.getExitStatus(), location(e));
        }
        return new NodeFailure(Kind.TRAP, "the node threw " + e.getMessage() + where(e), location(e));
    }

    private NodeFailure memoryLimit() {
        return new NodeFailure(Kind.MEMORY_LIMIT, memoryLimitMessage(RUNNING), null);
    }

    private static final String RUNNING = "while running execute_node";

    private NodeFailure timeout() {
        return new NodeFailure(Kind.TIMEOUT, timeLimitMessage(limits.itemTimeout(), RUNNING), null);
    }

    /** " (execution.js:12)" for errors raised in the script, "" otherwise. */
    private static String where(PolyglotException e) {
        String location = location(e);
        return location == null ? "" : " (" + location + ")";
    }

    /** "execution.js:LINE" of the innermost frame in the script, or null when none is. */
    private static String location(PolyglotException e) {
        SourceSection section = e.getSourceLocation();
        if (!inScript(section)) {
            section = null;
            for (PolyglotException.StackFrame frame : e.getPolyglotStackTrace()) {
                if (inScript(frame.getSourceLocation())) {
                    section = frame.getSourceLocation();
                    break;
                }
            }
        }
        return section == null ? null : JsNode.FILE_NAME + ":" + section.getStartLine();
    }

    private static boolean inScript(SourceSection section) {
        return section != null
                && section.getSource() != null
                && JsNode.FILE_NAME.equals(section.getSource().getName());
    }

    @Override
    public int memoryPages() {
        return 0;
    }

    @Override
    public int peakMemoryPages() {
        return 0;
    }

    @Override
    public void close() {
        retire();
        closeQuietly(context);
    }

    private static void closeQuietly(Context context) {
        try {
            context.close(true);
        } catch (RuntimeException alreadyClosed) {
            // closed by the watchdog, or closing a cancelled context: nothing left to release
        }
    }
}
