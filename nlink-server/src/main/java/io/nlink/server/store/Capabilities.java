package io.nlink.server.store;

import io.nlink.runtime.wasm.ModuleInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A node's capability sheet: what the module can touch, read off its real imports and said in
 * terms of what nLink's sandbox gives it. A module with no imports touches nothing.
 */
final class Capabilities {
    /**
     * One line of the sheet.
     *
     * @param id      stable key: compute, clock, random, logs, stdin, files, environment, network, exit
     * @param label   what the node asks for
     * @param granted what the sandbox gives it
     * @param imports the imports behind this line, as module.name
     */
    record Capability(String id, String label, String granted, List<String> imports) {}

    private record Kind(String id, String label, String granted) {}

    private static final Kind CLOCK = new Kind("clock", "Reads the clock", "the real time and a monotonic clock");
    private static final Kind RANDOM = new Kind("random", "Draws random numbers", "random bytes from the host");
    private static final Kind LOGS =
            new Kind("logs", "Writes to stdout/stderr", "captured per item as the node's log, bounded");
    private static final Kind STDIN = new Kind("stdin", "Reads stdin", "an empty stream");
    private static final Kind FILES =
            new Kind("files", "Asks for files", "an empty, read-only root: every path does not exist");
    private static final Kind ENVIRONMENT = new Kind(
            "environment", "Reads arguments and environment", "no environment variables; the argument nlink-node");
    private static final Kind NETWORK = new Kind("network", "Uses sockets", "nothing: every socket call fails");
    private static final Kind EXIT =
            new Kind("exit", "Can stop itself", "exit ends the item with an error and the instance is replaced");
    private static final Kind SCHEDULING = new Kind(
            "scheduling", "Yields or waits", "yield returns at once; waits count against the item's time bound");
    private static final Kind OTHER =
            new Kind("other", "Other imports", "refused at upload: the sandbox does not provide them");

    private Capabilities() {}

    static List<Capability> of(ModuleInfo module) {
        Map<Kind, TreeSet<String>> found = new LinkedHashMap<>();
        for (ModuleInfo.ImportInfo imp : module.imports()) {
            if (!imp.kind().equals("function")) continue;
            found.computeIfAbsent(kind(imp), k -> new TreeSet<>()).add(imp.module() + "." + imp.name());
        }
        List<Capability> sheet = new ArrayList<>();
        if (found.isEmpty()) {
            sheet.add(new Capability(
                    "compute", "Computes only", "no imports: the node touches nothing outside its memory", List.of()));
        }
        for (Kind kind : List.of(CLOCK, RANDOM, LOGS, STDIN, FILES, ENVIRONMENT, NETWORK, EXIT, SCHEDULING, OTHER)) {
            TreeSet<String> imports = found.get(kind);
            if (imports != null)
                sheet.add(new Capability(kind.id(), kind.label(), kind.granted(), List.copyOf(imports)));
        }
        return sheet;
    }

    /** The sheet of a JavaScript-only node: its sandbox allows no host access at all. */
    static List<Capability> javascript() {
        return List.of(new Capability(
                "compute",
                "Computes only",
                "JavaScript without host classes, files, network, environment or threads; console output is captured",
                List.of()));
    }

    private static Kind kind(ModuleInfo.ImportInfo imp) {
        if (!imp.provided() || !imp.module().startsWith("wasi_snapshot_preview1")) return OTHER;
        String name = imp.name();
        if (name.startsWith("clock_")) return CLOCK;
        if (name.equals("random_get")) return RANDOM;
        if (name.startsWith("sock_")) return NETWORK;
        if (name.startsWith("environ_") || name.startsWith("args_")) return ENVIRONMENT;
        if (name.equals("proc_exit") || name.equals("proc_raise")) return EXIT;
        if (name.equals("sched_yield") || name.equals("poll_oneoff")) return SCHEDULING;
        if (name.equals("fd_read")) return STDIN;
        if (name.equals("fd_write")) return LOGS;
        return FILES; // path_*, fd_* other than read/write: the file-system calls
    }
}
