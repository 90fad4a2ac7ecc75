package io.nlink.runtime.internal.wasm;

import static io.nlink.runtime.wasm.ModuleInfo.DEALLOCATE_SIGNATURE;
import static io.nlink.runtime.wasm.ModuleInfo.INITIALIZE_SIGNATURE;
import static io.nlink.runtime.wasm.ModuleInfo.REQUIRED_EXPORTS;
import static io.nlink.runtime.wasm.ModuleInfo.START_SIGNATURE;
import static io.nlink.runtime.wasm.ModuleInfo.abiOf;

import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.wasm.ModuleInfo;
import io.nlink.runtime.wasm.ModuleInfo.ExportInfo;
import io.nlink.runtime.wasm.ModuleInfo.ImportInfo;
import io.nlink.runtime.wasm.ModuleInfo.MemoryInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import run.endive.runtime.HostFunction;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.Export;
import run.endive.wasm.types.ExternalType;
import run.endive.wasm.types.FunctionImport;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.Import;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.ValType;

/** Builds a {@link ModuleInfo} from a parsed module: its exports, imports, memory and problems. */
final class ModuleInspector {
    private ModuleInspector() {}

    /** The WASI functions a command node cannot work without: stdin for contexts, stdout for results. */
    static final List<String> COMMAND_IMPORTS = List.of("fd_read", "fd_write");

    static ModuleInfo inspect(WasmModule module, String sha256, long sizeBytes, int memoryCapPages) {
        List<String> problems = new ArrayList<>();
        Map<String, HostFunction> provided = SandboxWasi.catalogue();

        List<ImportInfo> imports = new ArrayList<>();
        MemoryInfo memory = null;
        var importSection = module.importSection();
        for (int i = 0; i < importSection.importCount(); i++) {
            Import imp = importSection.getImport(i);
            if (imp.importType() == ExternalType.FUNCTION) {
                FunctionType type = module.typeSection().getType(((FunctionImport) imp).typeIndex());
                HostFunction host = SandboxWasi.MODULE.equals(imp.module()) ? provided.get(imp.name()) : null;
                boolean ok = host != null && host.functionType().typesMatch(type);
                imports.add(new ImportInfo(imp.module(), imp.name(), "function", signature(type), ok));
                if (host == null) {
                    problems.add("imports function "
                            + imp.module()
                            + "."
                            + imp.name()
                            + signature(type)
                            + ", which the sandbox does not provide: a node may import only"
                            + " WASI preview1 (wasi_snapshot_preview1) functions");
                } else if (!ok) {
                    problems.add("imports "
                            + imp.module()
                            + "."
                            + imp.name()
                            + " as "
                            + signature(type)
                            + " but WASI preview1 defines it as "
                            + signature(host.functionType()));
                }
            } else {
                String kind = imp.importType().name().toLowerCase(java.util.Locale.ROOT);
                imports.add(new ImportInfo(imp.module(), imp.name(), kind, "", false));
                problems.add("imports a "
                        + kind
                        + " ("
                        + imp.module()
                        + "."
                        + imp.name()
                        + "); a node must define its own memory and import nothing but"
                        + " WASI preview1 functions");
                if (imp.importType() == ExternalType.MEMORY) {
                    memory = new MemoryInfo(0, null, true);
                }
            }
        }

        if (memory == null
                && module.memorySection().isPresent()
                && module.memorySection().get().memoryCount() > 0) {
            MemoryLimits limits = module.memorySection().get().getMemory(0).limits();
            Integer max = limits.maximumPages() == MemoryLimits.MAX_PAGES ? null : limits.maximumPages();
            memory = new MemoryInfo(limits.initialPages(), max, false);
            if (limits.initialPages() > memoryCapPages) {
                problems.add("declares an initial memory of "
                        + limits.initialPages()
                        + " pages ("
                        + SandboxLimits.describePages(limits.initialPages())
                        + "), above the sandbox's cap of "
                        + memoryCapPages
                        + " pages ("
                        + SandboxLimits.describePages(memoryCapPages)
                        + "); lower the initial memory (for example the linker's"
                        + " --initial-memory) or the stack size");
            }
        } else if (memory == null) {
            problems.add("defines no linear memory; the host needs one to pass items to execute_node");
        }

        int importedFunctions = importSection.count(ExternalType.FUNCTION);
        List<ExportInfo> exports = new ArrayList<>();
        var exportSection = module.exportSection();
        for (int i = 0; i < exportSection.exportCount(); i++) {
            Export export = exportSection.getExport(i);
            String kind = export.exportType().name().toLowerCase(java.util.Locale.ROOT);
            String sig = "";
            if (export.exportType() == ExternalType.FUNCTION) {
                sig = signature(functionType(module, export.index(), importedFunctions));
            }
            exports.add(new ExportInfo(export.name(), kind, sig));
        }

        Map<String, ExportInfo> byName =
                exports.stream().collect(Collectors.toMap(ExportInfo::name, e -> e, (a, b) -> a));
        switch (abiOf(byName.keySet())) {
            case REACTOR -> checkReactor(byName, problems);
            case COMMAND -> checkCommand(byName, imports, problems);
            case NONE ->
                problems.add("exports neither execute_node" + REQUIRED_EXPORTS.get("execute_node")
                        + " (a reactor node) nor _start (a WASI command node, run through the adapter ABI):"
                        + " see docs/abi.md");
        }

        boolean names = module.nameSection() != null && module.nameSection().functionNameCount() > 0;
        return new ModuleInfo(
                sha256,
                sizeBytes,
                List.copyOf(exports),
                List.copyOf(imports),
                memory,
                byName.containsKey("_initialize"),
                names,
                List.copyOf(problems));
    }

    private static void checkReactor(Map<String, ExportInfo> byName, List<String> problems) {
        for (var required : REQUIRED_EXPORTS.entrySet()) {
            requireFunction(byName, required.getKey(), required.getValue(), true, problems);
        }
        requireFunction(byName, "deallocate", DEALLOCATE_SIGNATURE, false, problems);
        requireFunction(byName, "_initialize", INITIALIZE_SIGNATURE, false, problems);
    }

    /** A command reads its contexts through fd_read and answers through fd_write, so it must import both. */
    private static void checkCommand(Map<String, ExportInfo> byName, List<ImportInfo> imports, List<String> problems) {
        requireFunction(byName, "_start", START_SIGNATURE, true, problems);
        List<String> missing = COMMAND_IMPORTS.stream()
                .filter(name -> imports.stream()
                        .noneMatch(i -> i.module().equals(SandboxWasi.MODULE)
                                && i.name().equals(name)))
                .toList();
        if (!missing.isEmpty()) {
            problems.add(
                    "does not export allocate and execute_node, and as a WASI command (it exports _start) it cannot"
                            + " exchange items: it imports no "
                            + String.join(" or ", missing)
                            + "; build a reactor (Go: -buildmode=c-shared; C: -mexec-model=reactor) or a command"
                            + " that reads NDJSON contexts from stdin and writes one result line each to stdout"
                            + " (docs/abi.md)");
        }
    }

    private static void requireFunction(
            Map<String, ExportInfo> exports, String name, String expected, boolean required, List<String> problems) {
        ExportInfo export = exports.get(name);
        if (export == null) {
            if (required) {
                problems.add("does not export " + name + expected);
            }
        } else if (!export.kind().equals("function")) {
            problems.add("exports " + name + " as a " + export.kind() + ", expected a function " + expected);
        } else if (!export.signature().equals(expected)) {
            problems.add("exports " + name + export.signature() + ", expected " + name + expected);
        }
    }

    static FunctionType functionType(WasmModule module, int functionIndex, int importedFunctions) {
        if (functionIndex < importedFunctions) {
            int seen = 0;
            var imports = module.importSection();
            for (int i = 0; i < imports.importCount(); i++) {
                if (imports.getImport(i) instanceof FunctionImport f && seen++ == functionIndex) {
                    return module.typeSection().getType(f.typeIndex());
                }
            }
        }
        return module.functionSection().getFunctionType(functionIndex - importedFunctions, module.typeSection());
    }

    static String signature(FunctionType type) {
        return "("
                + type.params().stream().map(ModuleInspector::typeName).collect(Collectors.joining(", "))
                + ") -> "
                + (type.returns().size() == 1
                        ? typeName(type.returns().get(0))
                        : "("
                                + type.returns().stream()
                                        .map(ModuleInspector::typeName)
                                        .collect(Collectors.joining(", "))
                                + ")");
    }

    private static String typeName(ValType type) {
        if (type.equals(ValType.I32)) return "i32";
        if (type.equals(ValType.I64)) return "i64";
        if (type.equals(ValType.F32)) return "f32";
        if (type.equals(ValType.F64)) return "f64";
        if (type.equals(ValType.V128)) return "v128";
        return "ref";
    }
}
