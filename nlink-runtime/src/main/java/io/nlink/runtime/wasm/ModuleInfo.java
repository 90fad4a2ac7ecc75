package io.nlink.runtime.wasm;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a module is, as far as nLink cares: its ABI exports and their signatures, every import
 * and whether the sandbox provides it, its declared memory, and every problem that stops it from
 * running as a node. Built from the parsed module before anything is compiled or instantiated.
 *
 * @param sha256      hex SHA-256 of the module bytes; the compile cache key
 * @param sizeBytes   module size
 * @param exports     every exported function, memory, table and global
 * @param imports     every import, with whether nLink's sandbox satisfies it
 * @param memory      the module's own memory, or null when it defines none
 * @param hasInitialize whether {@code _initialize} is exported (called once per instance)
 * @param functionNames whether a name section names functions (traps then name the function)
 * @param problems    empty when the module can run; otherwise one sentence per problem
 */
public record ModuleInfo(
        String sha256,
        long sizeBytes,
        List<ExportInfo> exports,
        List<ImportInfo> imports,
        MemoryInfo memory,
        boolean hasInitialize,
        boolean functionNames,
        List<String> problems) {

    /** The exports of the nLink ABI, with the signatures the host calls them with. */
    public static final Map<String, String> REQUIRED_EXPORTS =
            Map.of("allocate", "(i32) -> i32", "execute_node", "(i32, i32) -> i64");

    public static final String DEALLOCATE_SIGNATURE = "(i32, i32) -> ()";
    public static final String INITIALIZE_SIGNATURE = "() -> ()";
    public static final String START_SIGNATURE = "() -> ()";

    /**
     * How the host exchanges items with a module: the reactor ABI ({@code allocate} and {@code
     * execute_node}, docs/abi.md) or the command adapter (a WASI command reading NDJSON contexts
     * on stdin and writing one result line per context on stdout).
     */
    public enum Abi {
        REACTOR,
        COMMAND,
        /** Neither: the module cannot run as a node. */
        NONE
    }

    public record ExportInfo(String name, String kind, String signature) {}

    public record ImportInfo(String module, String name, String kind, String signature, boolean provided) {}

    /** @param maximumPages the declared maximum, or null when the module declares none */
    public record MemoryInfo(int initialPages, Integer maximumPages, boolean imported) {}

    public boolean runnable() {
        return problems.isEmpty();
    }

    /** The ABI the host uses with this module, chosen by its exports. */
    public Abi abi() {
        return abiOf(exports.stream().map(ExportInfo::name).collect(Collectors.toSet()));
    }

    public boolean exportsDeallocate() {
        return exports.stream().anyMatch(e -> e.name().equals("deallocate"));
    }

    /**
     * Which ABI a module's exports select: {@code execute_node} (or the reactor's {@code allocate}
     * without it, which is a broken reactor) means the reactor ABI, else {@code _start} the
     * command adapter.
     */
    public static Abi abiOf(java.util.Set<String> exportNames) {
        if (exportNames.contains("execute_node")
                || (exportNames.contains("allocate") && !exportNames.contains("_start"))) {
            return Abi.REACTOR;
        }
        return exportNames.contains("_start") ? Abi.COMMAND : Abi.NONE;
    }
}
