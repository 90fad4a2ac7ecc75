package io.nlink.cli;

import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.NodeProperty;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.ModuleInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "validate",
        description =
                "Checks a node package and prints a report: metadata, parameters, module exports and imports, memory, size, SHA-256, and every problem found.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PACKAGE", description = "A node package folder or ZIP.")
    Path packagePath;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        NodePackage pkg;
        try {
            pkg = PackageLoader.load(packagePath);
        } catch (InvalidPackageException e) {
            out.println("Package " + packagePath + ": INVALID");
            e.problems().forEach(p -> out.println("  problem: " + p));
            return Main.INVALID;
        }
        List<String> problems = new ArrayList<>();
        out.println("Package    " + pkg.id()
                + (pkg.manifest().description() == null
                        ? ""
                        : " - " + pkg.manifest().description()));
        out.println("Node       " + pkg.definition().name() + " (\""
                + pkg.definition().displayName() + "\", version "
                + pkg.definition().version() + ")");
        out.println("Parameters");
        for (NodeProperty p : pkg.definition().properties()) {
            out.printf(
                    "  %-16s %-8s%s%s%n",
                    p.name(),
                    p.type().jsonName(),
                    p.required() ? " required" : "",
                    p.defaultValue() == null ? "" : " default " + p.defaultValue());
        }
        out.println("JavaScript "
                + (pkg.javascript() == null
                        ? "none"
                        : "execution.js, " + pkg.javascript().length()
                                + " chars (the fallback when the module cannot run)"));

        if (pkg.wasm() == null) {
            out.println("Module     none");
        } else {
            try {
                ModuleInfo info = NodeRuntime.inspect(pkg.wasm());
                report(out, info);
                problems.addAll(info.problems());
                if (info.runnable()) {
                    try (NodeRuntime runtime = Packages.runtime(false, true)
                            .javascriptFallback(false)
                            .build()) {
                        LoadedNode.Compilation compiled =
                                runtime.load(pkg).compilation().orElseThrow();
                        out.printf(
                                "Compiled   in %d ms%s",
                                compiled.nanos() / 1_000_000,
                                compiled.fromCompileCache() ? " (from the compile cache)" : "");
                        if (compiled.interpretedFunctions().isEmpty()) {
                            out.println(", every function to JVM bytecode");
                        } else {
                            out.println(
                                    ", but " + compiled.interpretedFunctions().size()
                                            + " function(s) are too large and run interpreted (70-80x slower)");
                        }
                    } catch (NoRuntimeException e) {
                        problems.addAll(Packages.wasmProblems(e));
                    }
                }
            } catch (InvalidModuleException e) {
                problems.addAll(e.problems());
            }
        }
        if (problems.isEmpty()) {
            out.println("Result     OK");
            return 0;
        }
        out.println("Result     " + problems.size() + " problem(s)");
        problems.forEach(p -> out.println("  problem: execution.wasm " + p));
        return Main.INVALID;
    }

    private static void report(PrintStream out, ModuleInfo info) {
        out.println("Module     execution.wasm, " + info.sizeBytes() + " bytes");
        out.println("SHA-256    " + info.sha256());
        ModuleInfo.MemoryInfo m = info.memory();
        if (m != null) {
            out.printf(
                    "Memory     initial %d pages (%s), declared maximum %s; runs capped at %d pages (%s)%n",
                    m.initialPages(),
                    SandboxLimits.describePages(m.initialPages()),
                    m.maximumPages() == null ? "none" : m.maximumPages() + " pages",
                    SandboxLimits.PLATFORM_MAX_MEMORY_PAGES,
                    SandboxLimits.describePages(SandboxLimits.PLATFORM_MAX_MEMORY_PAGES));
        }
        out.println("Exports");
        for (ModuleInfo.ExportInfo e : info.exports()) {
            out.printf("  %-16s %s %s%n", e.name(), e.kind(), e.signature());
        }
        out.println("Imports" + (info.imports().isEmpty() ? "    none" : ""));
        for (ModuleInfo.ImportInfo i : info.imports()) {
            out.printf("  %s %s.%s %s%n", i.provided() ? "ok " : "NO ", i.module(), i.name(), i.signature());
        }
        out.println("Names      "
                + (info.functionNames() ? "function names present (traps name the function)" : "no name section"));
    }
}
