package io.nlink.runtime.wasm;

import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.log.SystemLogger;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The WASI preview1 a guest sees: Chicory's implementation with nothing granted (no arguments
 * beyond a program name, no environment, empty stdin, stdout/stderr into the host's bounded
 * capture, every socket call
 * answers ENOTSOCK or EBADF) plus one deliberate addition, an <em>empty root</em>.
 *
 * <p>Why the empty root: with no preopened directory at all, each guest libc fails a file open in
 * its own way (Go reports EBADF, older wasi-libc ENOTCAPABLE). The seed promises node authors
 * {@code fs.ErrNotExist}. So fd 3 is preopened as "/" but backed by nothing: every path lookup
 * under it, for reading or writing, answers ENOENT, and no host file is ever touched.
 */
final class SandboxWasi {
    static final String MODULE = "wasi_snapshot_preview1";
    static final String PROGRAM_NAME = "nlink-node";

    private static final int STDIN_FD = 0;

    /** The one preopened descriptor: an empty, read-only "/". */
    private static final int ROOT_FD = 3;

    private static final int FILETYPE_DIRECTORY = 3;

    /** Every WASI preview1 right (29 bits). */
    private static final long ALL_RIGHTS = (1L << 29) - 1;

    private static final byte[] ROOT_NAME = "/".getBytes(StandardCharsets.UTF_8);

    /** For each path function, the positions of its directory-descriptor arguments. */
    private static final Map<String, int[]> DIRECTORY_ARGUMENTS =
            Map.ofEntries(
                    Map.entry("path_open", new int[] {0}),
                    Map.entry("path_filestat_get", new int[] {0}),
                    Map.entry("path_filestat_set_times", new int[] {0}),
                    Map.entry("path_create_directory", new int[] {0}),
                    Map.entry("path_remove_directory", new int[] {0}),
                    Map.entry("path_unlink_file", new int[] {0}),
                    Map.entry("path_readlink", new int[] {0}),
                    Map.entry("path_symlink", new int[] {2}),
                    Map.entry("path_rename", new int[] {0, 2}),
                    Map.entry("path_link", new int[] {0, 3}));

    /** WASI preview1 errno values (Chicory keeps its enum package-private). */
    private static final int ESUCCESS = 0;

    private static final int EBADF = 8;
    private static final int ENAMETOOLONG = 37;
    private static final int ENOENT = 44;
    private static final int ENOTSOCK = 57;

    /** Socket calls, refused with an error code (Chicory would trap on them). */
    private static final java.util.Set<String> SOCKET_CALLS = java.util.Set.of("sock_accept", "sock_recv", "sock_send");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOGGER = new SystemLogger();

    private final WasiPreview1 wasi;
    private final HostFunction[] functions;

    SandboxWasi(OutputStream stdout, OutputStream stderr) {
        this(stdout, stderr, null);
    }

    /**
     * @param stdinRead answers {@code fd_read} on fd 0 in place of the empty stdin, or null; a
     *     command guest's contexts come this way (see {@link CommandChannel})
     */
    SandboxWasi(OutputStream stdout, OutputStream stderr, WasmFunctionHandle stdinRead) {
        WasiOptions options =
                WasiOptions.builder()
                        .withArguments(List.of(PROGRAM_NAME))
                        .withStdin(new ByteArrayInputStream(new byte[0]), false)
                        .withStdout(stdout, false)
                        .withStderr(stderr, false)
                        .withRandom(RANDOM)
                        .withClock(Clock.systemUTC())
                        .build();
        this.wasi = WasiPreview1.builder().withLogger(LOGGER).withOptions(options).build();
        HostFunction[] base = wasi.toHostFunctions();
        this.functions = new HostFunction[base.length];
        for (int i = 0; i < base.length; i++) {
            functions[i] = stdinRead != null && base[i].name().equals("fd_read")
                    ? withStdin(base[i], stdinRead)
                    : withEmptyRoot(base[i]);
        }
    }

    HostFunction[] functions() {
        return functions;
    }

    void close() {
        wasi.close();
    }

    private static HostFunction withEmptyRoot(HostFunction original) {
        String name = original.name();
        WasmFunctionHandle next = original.handle();
        WasmFunctionHandle handle;
        if (name.equals("fd_prestat_get")) {
            handle =
                    (instance, args) -> {
                        if ((int) args[0] != ROOT_FD) {
                            return next.apply(instance, args);
                        }
                        int buf = (int) args[1];
                        instance.memory().writeI32(buf, 0); // preopentype: directory
                        instance.memory().writeI32(buf + 4, ROOT_NAME.length);
                        return errno(ESUCCESS);
                    };
        } else if (name.equals("fd_fdstat_get")) {
            // libcs ask for the preopen's type and rights before they open a path under it
            // (wasi-libc and Rust's std do): a directory, with every right, since path_open
            // answers ENOENT anyway.
            handle =
                    (instance, args) -> {
                        if ((int) args[0] != ROOT_FD) {
                            return next.apply(instance, args);
                        }
                        int buf = (int) args[1];
                        instance.memory().writeByte(buf, (byte) FILETYPE_DIRECTORY);
                        instance.memory().writeShort(buf + 2, (short) 0);
                        instance.memory().writeLong(buf + 8, ALL_RIGHTS);
                        instance.memory().writeLong(buf + 16, ALL_RIGHTS);
                        return errno(ESUCCESS);
                    };
        } else if (name.equals("fd_prestat_dir_name")) {
            handle =
                    (instance, args) -> {
                        if ((int) args[0] != ROOT_FD) {
                            return next.apply(instance, args);
                        }
                        if ((int) args[2] < ROOT_NAME.length) {
                            return errno(ENAMETOOLONG);
                        }
                        instance.memory().write((int) args[1], ROOT_NAME);
                        return errno(ESUCCESS);
                    };
        } else if (DIRECTORY_ARGUMENTS.containsKey(name)) {
            int[] positions = DIRECTORY_ARGUMENTS.get(name);
            handle =
                    (instance, args) -> {
                        for (int position : positions) {
                            if ((int) args[position] == ROOT_FD) {
                                return errno(ENOENT);
                            }
                        }
                        return next.apply(instance, args);
                    };
        } else if (SOCKET_CALLS.contains(name)) {
            // No descriptor in the sandbox is a socket: the standard streams and the root say so,
            // any other number does not exist.
            handle = (instance, args) -> errno((int) args[0] <= ROOT_FD ? ENOTSOCK : EBADF);
        } else {
            return original;
        }
        return new HostFunction(original.module(), name, original.functionType(), handle);
    }

    private static HostFunction withStdin(HostFunction fdRead, WasmFunctionHandle stdinRead) {
        WasmFunctionHandle next = fdRead.handle();
        WasmFunctionHandle handle = (instance, args) -> (int) args[0] == STDIN_FD ? stdinRead.apply(instance, args) : next.apply(instance, args);
        return new HostFunction(fdRead.module(), fdRead.name(), fdRead.functionType(), handle);
    }

    private static long[] errno(int errno) {
        return new long[] {errno};
    }

    /** The functions a guest may import, for checking a module's imports before it runs. */
    static Map<String, HostFunction> catalogue() {
        SandboxWasi probe = new SandboxWasi(OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        try {
            var byName = new java.util.LinkedHashMap<String, HostFunction>();
            for (HostFunction f : probe.functions) {
                byName.put(f.name(), f);
            }
            return java.util.Collections.unmodifiableMap(byName);
        } finally {
            probe.close();
        }
    }

}
