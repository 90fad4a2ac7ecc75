package io.nlink.runtime.js;

import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.LogCapture;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.Watchdog;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
 * limit; the context and output byte limits still apply (docs/limits.md).
 */
public final class JsSandbox implements NodeInstance {
    /** Evaluated before the script: keeps the real JSON functions, calls the script's function. */
    private static final String CALLER =
            """
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

    private static final Source CALLER_SOURCE = Source.newBuilder("js", CALLER, "nlink-caller.js").cached(true).buildLiteral();

    private final SandboxLimits limits;
    private final Context context;
    private final Value caller;
    private final LogCapture stdout;
    private final LogCapture stderr;
    private final String initStdout;
    private final String initStderr;
    private boolean usable = true;

    private JsSandbox(
            SandboxLimits limits, Context context, Value caller, LogCapture stdout, LogCapture stderr) {
        this.limits = limits;
        this.context = context;
        this.caller = caller;
        this.stdout = stdout;
        this.stderr = stderr;
        this.initStdout = stdout.take();
        this.initStderr = stderr.take();
    }

    static JsSandbox create(org.graalvm.polyglot.Engine engine, Source script, SandboxLimits limits) throws SandboxException {
        LogCapture stdout = new LogCapture(limits.maxLogBytes());
        LogCapture stderr = new LogCapture(limits.maxLogBytes());
        Context context =
                Context.newBuilder("js")
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
        try (Watchdog.Deadline deadline = Watchdog.start(limits.initTimeout(), () -> context.close(true))) {
            try {
                Value caller = context.eval(CALLER_SOURCE);
                context.eval(script);
                return new JsSandbox(limits, context, caller, stdout, stderr);
            } catch (PolyglotException e) {
                String log = stderr.take();
                closeQuietly(context);
                NodeFailure why = deadline.expired()
                        ? new NodeFailure(Kind.INSTANTIATION, "execution.js was stopped after running longer than its time limit of "
                                + describe(limits.initTimeout()) + " while loading", null)
                        : new NodeFailure(Kind.INSTANTIATION, "execution.js failed to load: " + e.getMessage() + where(e), location(e));
                throw new SandboxException(why, log);
            }
        }
    }

    @Override
    public ItemResult call(long index, byte[] context) {
        if (!usable) {
            throw new IllegalStateException("this sandbox failed earlier; take a fresh one from its JsNode");
        }
        long start = System.nanoTime();
        if (context.length > limits.maxContextBytes()) {
            return result(index, start, List.of(), new NodeFailure(Kind.CONTEXT_TOO_LARGE,
                    "the item's context is " + context.length + " bytes, over the sandbox's limit of " + limits.maxContextBytes() + " bytes"));
        }
        String output;
        try (Watchdog.Deadline deadline = Watchdog.start(limits.itemTimeout(), () -> this.context.close(true))) {
            try {
                output = caller.execute(new String(context, StandardCharsets.UTF_8)).asString();
            } catch (PolyglotException e) {
                return fail(index, start, classify(e, deadline.expired()));
            } catch (IllegalStateException e) {
                // the context was closed by the watchdog between two guest statements
                return fail(index, start, timeout());
            }
        }
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > limits.maxOutputBytes()) {
            return fail(index, start, new NodeFailure(Kind.OUTPUT_TOO_LARGE,
                    "the node returned a result of " + bytes.length + " bytes, over the sandbox's output limit of " + limits.maxOutputBytes() + " bytes"));
        }
        return switch (ItemCodec.decodeResult(bytes)) {
            case ItemCodec.Items items -> result(index, start, items.items(), null);
            case ItemCodec.Refused refused -> result(index, start, List.of(), new NodeFailure(Kind.NODE_ERROR, refused.error()));
            case ItemCodec.Invalid invalid -> fail(index, start, new NodeFailure(Kind.BAD_RESULT, "the node " + invalid.why()));
        };
    }

    private NodeFailure classify(PolyglotException e, boolean timedOut) {
        if (timedOut || e.isCancelled()) {
            return timeout();
        }
        if (e.isResourceExhausted()) {
            return new NodeFailure(Kind.MEMORY_LIMIT, "the node ran out of resources: " + e.getMessage() + where(e), location(e));
        }
        if (e.isExit()) {
            return new NodeFailure(Kind.EXIT, "the node exited with code " + e.getExitStatus(), location(e));
        }
        return new NodeFailure(Kind.TRAP, "the node threw " + e.getMessage() + where(e), location(e));
    }

    private NodeFailure timeout() {
        return new NodeFailure(Kind.TIMEOUT, "the node was stopped after running longer than its time limit of "
                + describe(limits.itemTimeout()) + " while running execute_node", null);
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
        return section != null && section.getSource() != null && JsNode.FILE_NAME.equals(section.getSource().getName());
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private ItemResult fail(long index, long start, NodeFailure failure) {
        if (failure.kind().discardsInstance()) {
            usable = false;
        }
        return result(index, start, List.of(), failure);
    }

    private ItemResult result(long index, long start, List<com.fasterxml.jackson.databind.JsonNode> items, NodeFailure failure) {
        boolean truncated = stdout.truncated() || stderr.truncated();
        return new ItemResult(index, JsNode.RUNTIME, items, failure, stdout.take(), stderr.take(), truncated, System.nanoTime() - start, 0);
    }

    @Override
    public boolean usable() {
        return usable;
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
    public String initStdout() {
        return initStdout;
    }

    @Override
    public String initStderr() {
        return initStderr;
    }

    @Override
    public void close() {
        usable = false;
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
