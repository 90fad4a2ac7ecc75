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
import run.endive.wasm.types.OpCode;
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

    /**
     * Limits on a module's shape, checked on its bytes before the engine parses or compiles it,
     * because parse and compile time grow with these and an upload is small for what it asks
     * (docs/reliability.md, "What loading a module costs", has the measurements). Each is at least
     * five times what the largest real guest needs: the Python kit (13.6 MB: 10,391 functions, 81
     * types, 1,714 exports, a 3.7 MB code section, its largest function 50 KB) and the Go probe
     * (4.5 MB: 49,792 data segments, its largest function 29 KB).
     */
    static final int MAX_TYPES = 5_000;

    static final int MAX_IMPORTS = 1_000;

    static final int MAX_FUNCTIONS = 50_000;

    static final int MAX_EXPORTS = 20_000;

    static final int MAX_DATA_SEGMENTS = 250_000;

    static final int MAX_ELEMENT_SECTION_BYTES = 1 << 20;

    static final int MAX_CODE_BYTES = 16 << 20;

    static final int MAX_FUNCTION_BYTES = 512 << 10;

    /**
     * Locals one function may declare: what one JVM method can hold. The binary format counts
     * them in a few bytes (four billion in six), and the parser makes a list entry per local.
     */
    static final int MAX_LOCALS = 65_536;

    /**
     * What of the module's shape is over the limits above, read from the section headers and the
     * code section's body sizes and local declarations only (linear in the number of sections and
     * functions, no instruction decoded). Bytes that are not well formed stop the scan without a
     * problem: the parser then says what is wrong with them.
     */
    static List<String> shapeProblems(byte[] wasm) {
        List<String> problems = new ArrayList<>();
        Bytes in = new Bytes(wasm, 8);
        while (in.position < wasm.length) {
            int id = wasm[in.position++] & 0xFF;
            long size = in.u32();
            long end = in.position + size;
            if (size < 0 || end > wasm.length) break;
            switch (id) {
                case 1 ->
                    overLimit(
                            problems,
                            in.u32(),
                            MAX_TYPES,
                            "function types",
                            "the compiler's time grows with their square (100,000 took 52 s)");
                case 2 -> overLimit(problems, in.u32(), MAX_IMPORTS, "imports", "a node imports WASI functions only");
                case 3 ->
                    overLimit(
                            problems,
                            in.u32(),
                            MAX_FUNCTIONS,
                            "functions",
                            "each is compiled to a JVM method; 100,000 took 6-29 s");
                case 7 -> overLimit(problems, in.u32(), MAX_EXPORTS, "exports", "a node needs four or five");
                case 9 ->
                    overLimit(
                            problems,
                            size,
                            MAX_ELEMENT_SECTION_BYTES,
                            "bytes of element segments",
                            "each entry is parsed and kept by the host");
                case 11 ->
                    overLimit(
                            problems,
                            in.u32(),
                            MAX_DATA_SEGMENTS,
                            "data segments",
                            "each is parsed and copied into every new instance");
                case 10 -> codeProblems(in, size, problems);
                default -> {}
            }
            in.position = (int) end;
        }
        return problems;
    }

    private static void codeProblems(Bytes in, long sectionBytes, List<String> problems) {
        if (overLimit(
                problems,
                sectionBytes,
                MAX_CODE_BYTES,
                "bytes of code",
                "compile time grows with it (a 3.7 MB code section takes 5-25 s)")) {
            return;
        }
        long bodies = in.u32();
        long largest = 0;
        int largestIndex = -1;
        long mostLocals = 0;
        int mostLocalsIndex = -1;
        for (int i = 0; i < bodies && in.position < in.bytes.length; i++) {
            long size = in.u32();
            long end = in.position + size;
            if (size < 0 || end > in.bytes.length) return;
            if (size > largest) {
                largest = size;
                largestIndex = i;
            }
            long locals = 0;
            long declarations = in.u32();
            for (long d = 0; d < declarations && in.position < end && locals <= MAX_LOCALS; d++) {
                locals += in.u32();
                in.valueType();
            }
            if (locals > mostLocals) {
                mostLocals = locals;
                mostLocalsIndex = i;
            }
            in.position = (int) end;
        }
        if (largest > MAX_FUNCTION_BYTES) {
            problems.add("has a function (body " + largestIndex + " of the code section) of " + largest
                    + " bytes, more than the sandbox's limit of " + MAX_FUNCTION_BYTES
                    + " (compiling one function takes time and host memory in proportion to its size);"
                    + " split the function or build with optimisation (-O2, --release)");
        }
        if (mostLocals > MAX_LOCALS) {
            problems.add("has a function (body " + mostLocalsIndex + " of the code section) that declares more than "
                    + MAX_LOCALS + " locals, the sandbox's limit (each is a slot of every call's frame);"
                    + " split the function or build with optimisation");
        }
    }

    /** Labels of one br_table: ten times the Python kit's largest (about 3,100; Go's about 1,000). */
    static final int MAX_BR_TABLE_LABELS = 30_000;

    /** Blocks, loops and ifs open at once in one function: nine times Go's deepest (549). */
    static final int MAX_NESTING = 5_000;

    /**
     * The control-flow shapes the function-size limit does not bound tightly enough, read from
     * the parsed instructions (one pass, before the compile): a br_table of half a million labels
     * fits in 512 KiB and ran the compiler past 30 s of CPU time. Nesting 10,000 deep cost 0.3 s;
     * deeper was not measured (wat2wasm cannot assemble it), so it is bounded near real use.
     */
    static List<String> controlFlowProblems(WasmModule module) {
        List<String> problems = new ArrayList<>();
        int imported = module.importSection().count(ExternalType.FUNCTION);
        int functions = module.codeSection().functionBodyCount();
        for (int f = 0; f < functions && problems.isEmpty(); f++) {
            for (var instruction : module.codeSection().getFunctionBody(f).instructions()) {
                if (instruction.opcode() == OpCode.BR_TABLE && instruction.operandCount() - 1 > MAX_BR_TABLE_LABELS) {
                    problems.add("function " + (imported + f) + " has a br_table of " + (instruction.operandCount() - 1)
                            + " labels, more than the sandbox's limit of " + MAX_BR_TABLE_LABELS
                            + " (the compiler's time grows faster than their number); split the switch");
                    break;
                }
                if (instruction.depth() > MAX_NESTING) {
                    problems.add(
                            "function " + (imported + f) + " nests blocks more than " + MAX_NESTING
                                    + " deep, the sandbox's limit (no real guest nests deeper than about 550); flatten the function");
                    break;
                }
            }
        }
        return problems;
    }

    /** Adds a problem when {@code value} exceeds {@code limit}; true when it did. */
    private static boolean overLimit(List<String> problems, long value, long limit, String what, String why) {
        if (value <= limit) return false;
        problems.add("declares " + value + " " + what + ", more than the sandbox's limit of " + limit + " (" + why
                + "); a module this large is not a node the host can load: build a smaller one (fewer"
                + " dependencies, optimised, without debug information)");
        return true;
    }

    /** Reads the unsigned LEB128 numbers of a module's binary format without ever throwing. */
    private static final class Bytes {
        final byte[] bytes;
        int position;

        Bytes(byte[] bytes, int position) {
            this.bytes = bytes;
            this.position = position;
        }

        /** The next u32, or -1 when the bytes end or the number is longer than a u32 may be. */
        long u32() {
            long value = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (position >= bytes.length) return -1;
                int b = bytes[position++] & 0xFF;
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value > 0xFFFF_FFFFL ? -1 : value;
            }
            return -1;
        }

        /** Skips one value type: a byte, or a typed reference with its heap type (GC proposal). */
        void valueType() {
            if (position >= bytes.length) return;
            int type = bytes[position++] & 0xFF;
            if (type == 0x63 || type == 0x64) {
                u32(); // the heap type, an s33: its bytes are what matters here, not its value
            }
        }
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
