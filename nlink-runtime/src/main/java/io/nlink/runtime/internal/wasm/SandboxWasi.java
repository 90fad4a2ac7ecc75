package io.nlink.runtime.internal.wasm;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import run.endive.log.Logger;
import run.endive.log.SystemLogger;
import run.endive.runtime.HostFunction;
import run.endive.runtime.WasmFunctionHandle;
import run.endive.wasi.WasiOptions;
import run.endive.wasi.WasiPreview1;

/**
 * The WASI preview1 a guest sees: Endive's implementation with nothing granted (no arguments
 * beyond a program name, no environment, empty stdin, stdout/stderr into the host's bounded
 * capture, every socket call
 * answers ENOTSOCK or EBADF) plus one deliberate addition, an <em>empty root</em>.
 *
 * <p>Why the empty root: with no preopened directory at all, each guest libc fails a file open in
 * its own way (Go reports EBADF, older wasi-libc ENOTCAPABLE). The seed promises node authors
 * {@code fs.ErrNotExist}. So fd 3 is preopened as "/" but backed by nothing: every path lookup
 * under it, for reading or writing, answers ENOENT, and no host file is ever touched.
 *
 * <p>Every call whose work or host memory grows with a guest-supplied count or length is the
 * sandbox's own ({@link GuestIo}, the path calls below): the host never allocates from a guest's
 * number, and the item's time bound interrupts a long call as it does a guest loop.
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

    /**
     * For each path function, the positions of its directory-descriptor arguments. Every one is
     * answered here without reading the path: under the root it does not exist, and no other
     * descriptor is a directory. The engine's versions would first copy the guest's path string,
     * of whatever length the guest names, into the host.
     */
    private static final Map<String, int[]> DIRECTORY_ARGUMENTS = Map.ofEntries(
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

    /** WASI preview1 errno values (the engine keeps its enum package-private). */
    private static final int ESUCCESS = 0;

    private static final int EBADF = 8;
    private static final int EISDIR = 31;
    private static final int ENAMETOOLONG = 37;
    private static final int ENOENT = 44;
    private static final int ENOTDIR = 54;
    private static final int ENOTSOCK = 57;
    private static final int ESPIPE = 70;

    /** Socket calls, refused with an error code (the engine would trap on them). */
    private static final java.util.Set<String> SOCKET_CALLS = java.util.Set.of("sock_accept", "sock_recv", "sock_send");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOGGER = new SystemLogger();

    /**
     * The calls that leave nothing behind in the WASI state, whatever their arguments: those
     * answered here or by {@link GuestIo}, and those of the engine's that only read, or that change
     * only what no sandbox descriptor has (no file can be opened, so flags, sizes, times and offsets
     * of files never apply; streams refuse flags). Read against Endive 1.0.0's WasiPreview1, where
     * only {@code fd_close} and {@code fd_renumber} change the descriptor table; any call not
     * listed, including one a newer engine adds, counts as a change (SandboxWasiStateTest), and an
     * instance whose guest made one is never reset for another batch.
     */
    static final java.util.Set<String> LEAVE_NO_STATE = java.util.Set.of(
            "args_get",
            "args_sizes_get",
            "environ_get",
            "environ_sizes_get",
            "clock_res_get",
            "clock_time_get",
            "sched_yield",
            "proc_exit",
            "proc_raise",
            "random_get",
            "poll_oneoff",
            "fd_write",
            "fd_read",
            "fd_pread",
            "fd_pwrite",
            "fd_readdir",
            "fd_fdstat_get",
            "fd_filestat_get",
            "fd_prestat_get",
            "fd_prestat_dir_name",
            "fd_fdstat_set_flags",
            "fd_fdstat_set_rights",
            "fd_seek",
            "fd_tell",
            "fd_advise",
            "fd_allocate",
            "fd_sync",
            "fd_datasync",
            "fd_filestat_set_size",
            "fd_filestat_set_times",
            "path_open",
            "path_filestat_get",
            "path_filestat_set_times",
            "path_create_directory",
            "path_remove_directory",
            "path_unlink_file",
            "path_readlink",
            "path_symlink",
            "path_rename",
            "path_link",
            "sock_accept",
            "sock_recv",
            "sock_send",
            "sock_shutdown");

    private final WasiPreview1 wasi;
    private final HostFunction[] functions;
    /** Whether the guest made a call outside {@link #LEAVE_NO_STATE}. */
    private boolean stateChanged;

    SandboxWasi(OutputStream stdout, OutputStream stderr) {
        this(stdout, stderr, null);
    }

    /**
     * @param stdinRead answers {@code fd_read} on fd 0 in place of the empty stdin, or null; a
     *     command guest's contexts come this way (see {@link CommandChannel})
     */
    SandboxWasi(OutputStream stdout, OutputStream stderr, WasmFunctionHandle stdinRead) {
        WasiOptions options = WasiOptions.builder()
                .withArguments(List.of(PROGRAM_NAME))
                .withStdin(new ByteArrayInputStream(new byte[0]), false)
                .withStdout(stdout, false)
                .withStderr(stderr, false)
                .withRandom(RANDOM)
                .withClock(Clock.systemUTC())
                .build();
        this.wasi =
                WasiPreview1.builder().withLogger(LOGGER).withOptions(options).build();
        HostFunction[] base = wasi.toHostFunctions();
        this.functions = new HostFunction[base.length];
        for (int i = 0; i < base.length; i++) {
            HostFunction f = bounded(base[i], stdout, stderr, stdinRead);
            functions[i] = LEAVE_NO_STATE.contains(f.name()) ? f : markingStateChanged(f);
        }
    }

    private HostFunction markingStateChanged(HostFunction f) {
        WasmFunctionHandle next = f.handle();
        return new HostFunction(f.module(), f.name(), f.functionType(), (instance, args) -> {
            stateChanged = true;
            return next.apply(instance, args);
        });
    }

    /** Whether the guest may have changed the WASI state (a descriptor closed, renumbered, moved…). */
    boolean stateChanged() {
        return stateChanged;
    }

    HostFunction[] functions() {
        return functions;
    }

    void close() {
        wasi.close();
    }

    /**
     * The calls whose work the guest sizes, answered by {@link GuestIo} with checked ranges,
     * chunked copies and the interrupt checked; every other call as {@link #withEmptyRoot}.
     */
    private static HostFunction bounded(
            HostFunction original, OutputStream stdout, OutputStream stderr, WasmFunctionHandle stdinRead) {
        WasmFunctionHandle handle = switch (original.name()) {
            case "fd_write" -> GuestIo.fdWrite(stdout, stderr);
            case "fd_read" -> {
                WasmFunctionHandle stdin = stdinRead != null ? stdinRead : GuestIo.EMPTY_STDIN_READ;
                yield (instance, args) -> switch ((int) args[0]) {
                    case STDIN_FD -> stdin.apply(instance, args);
                    case ROOT_FD -> errno(EISDIR);
                    default -> errno(EBADF);
                };
            }
            // nothing in the sandbox can be read or written at an offset: streams and a directory
            case "fd_pread", "fd_pwrite" ->
                (instance, args) -> errno(
                        (int) args[0] < ROOT_FD && (int) args[0] >= 0
                                ? ESPIPE
                                : (int) args[0] == ROOT_FD ? EISDIR : EBADF);
            // the root lists as empty; nothing else is a directory
            case "fd_readdir" ->
                (instance, args) -> {
                    int fd = (int) args[0];
                    if (fd != ROOT_FD) {
                        return errno(fd >= 0 && fd < ROOT_FD ? ENOTDIR : EBADF);
                    }
                    instance.memory().writeI32((int) args[4], 0);
                    return errno(ESUCCESS);
                };
            case "random_get" -> GuestIo.randomGet(RANDOM);
            case "poll_oneoff" -> GuestIo.POLL_ONEOFF;
            default -> null;
        };
        return handle == null
                ? withEmptyRoot(original)
                : new HostFunction(original.module(), original.name(), original.functionType(), handle);
    }

    private static HostFunction withEmptyRoot(HostFunction original) {
        String name = original.name();
        WasmFunctionHandle next = original.handle();
        WasmFunctionHandle handle;
        if (name.equals("fd_prestat_get")) {
            handle = (instance, args) -> {
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
            handle = (instance, args) -> {
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
            handle = (instance, args) -> {
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
            handle = (instance, args) -> {
                int answer = ENOENT;
                for (int position : positions) {
                    int fd = (int) args[position];
                    if (fd != ROOT_FD) {
                        answer = fd >= 0 && fd < ROOT_FD ? ENOTDIR : EBADF;
                    }
                }
                return errno(answer);
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
