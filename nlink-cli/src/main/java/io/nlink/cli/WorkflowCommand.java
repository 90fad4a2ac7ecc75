package io.nlink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.server.db.Database;
import io.nlink.server.store.NodeStore;
import io.nlink.server.store.StoreNodeResolver;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.Execution;
import io.nlink.workflow.InvalidWorkflowException;
import io.nlink.workflow.NodeResolver;
import io.nlink.workflow.PackageResolver;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowEngine;
import io.nlink.workflow.WorkflowParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "workflow",
        description = "Works with workflows (n8n's JSON format; docs/workflows.md).",
        subcommands = {WorkflowCommand.Run.class})
final class WorkflowCommand {
    @Command(
            name = "run",
            description = {
                "Runs a workflow once, without a server: from its Manual Trigger (or --trigger) with the given items,",
                "and writes the last node's output items as NDJSON; a line per node on stderr. Community nodes come",
                "from --node folders/ZIPs, else from the Community Store installed in --data-dir; a workflow of built-in nodes needs neither."
            })
    static final class Run implements Callable<Integer> {
        @Parameters(
                index = "0",
                paramLabel = "FILE",
                description = "The workflow JSON (an n8n export works when it uses nLink's node types).")
        Path file;

        @Option(
                names = "--input",
                paramLabel = "FILE|-",
                description = "The trigger's items: a JSON array or NDJSON; - for stdin. Default: one empty item.")
        String input;

        @Option(
                names = "--node",
                paramLabel = "PACKAGE",
                description = "A community node's package folder or ZIP; repeat for several.")
        List<Path> nodes = new ArrayList<>();

        /** Without --node: the Community Store in the server's data directory holds the nodes. */
        @Mixin
        DataDirOption data;

        @Option(
                names = "--trigger",
                paramLabel = "NAME",
                description = "The trigger node to start from. Default: the first Manual Trigger.")
        String trigger;

        @Option(
                names = "--execution",
                paramLabel = "FILE",
                description =
                        "Also write the whole execution record (per node: items, times, errors, logs, samples) as JSON.")
        Path executionFile;

        @Option(
                names = "--credentials",
                paramLabel = "FILE",
                description =
                        "The credentials the workflow's nodes name: a JSON array of {id, name, type, data} (docs/workflows.md, Credentials). Default: none.")
        Path credentialsFile;

        @Mixin
        HttpEgressOptions http;

        @Override
        public Integer call() throws Exception {
            PrintStream err = System.err;
            Workflow workflow;
            try {
                workflow = WorkflowParser.parse(file.toString(), Files.readAllBytes(file));
            } catch (InvalidWorkflowException e) {
                err.println("nlink: " + file + " cannot run:");
                e.problems().forEach(p -> err.println("  - " + p));
                return Main.INVALID;
            }
            List<JsonNode> items = input == null ? null : readItems();
            try (NodeRuntime runtime = Packages.runtime(false, true).build()) {
                Database db = null;
                try {
                    NodeResolver resolver;
                    if (!nodes.isEmpty() || !workflow.needsCommunityNodes()) {
                        // Built-in nodes only: nothing to resolve, so no Community Store is opened or required.
                        resolver = new PackageResolver(runtime, SandboxLimits.DEFAULTS, nodes);
                    } else {
                        db = openStore(err);
                        if (db == null) return Main.INVALID;
                        resolver = new StoreNodeResolver(new NodeStore(db, runtime, SandboxLimits.DEFAULTS));
                    }
                    CredentialResolver credentials =
                            credentialsFile == null ? CredentialResolver.NONE : CredentialsFile.read(credentialsFile);
                    Execution execution = new WorkflowEngine(resolver, runtime.javascript(), SandboxLimits.DEFAULTS)
                            .withEgress(http.policy())
                            .withCredentials(credentials)
                            .run(workflow, trigger, items);
                    report(execution, err);
                    return execution.status() == Execution.Status.SUCCESS ? 0 : Main.ITEM_FAILED;
                } catch (InvalidPackageException e) {
                    err.println("nlink: " + e.getMessage());
                    return Main.INVALID;
                } catch (IllegalArgumentException e) {
                    err.println("nlink: " + e.getMessage());
                    return Main.INVALID;
                } finally {
                    if (db != null) db.close();
                }
            }
        }

        private Database openStore(PrintStream err) {
            if (!Files.isDirectory(data.path.resolve("db"))) {
                err.println("nlink: no Community Store in " + data.path
                        + " (no nodes were ever installed there); give the workflow's"
                        + " community nodes with --node PACKAGE, or point --data-dir at the server's data directory");
                return null;
            }
            try {
                return Database.open(null, null, null, data.path);
            } catch (SQLException e) {
                err.println("nlink: cannot open the Community Store in " + data.path + " (" + e.getMessage() + ");"
                        + " a running server holds it: stop it, or give the nodes with --node");
                return null;
            }
        }

        private List<JsonNode> readItems() throws IOException {
            List<JsonNode> items = new ArrayList<>();
            try (InputStream in = input.equals("-") ? System.in : Files.newInputStream(Path.of(input));
                    ItemReader reader = new ItemReader(in, input.equals("-") ? "stdin" : input)) {
                reader.forEachRemaining(items::add);
            }
            return items;
        }

        private void report(Execution execution, PrintStream err) throws IOException {
            for (JsonNode item : execution.output()) {
                System.out.println(Json.write(Json.MAPPER.createObjectNode().set("json", item)));
            }
            System.out.flush();
            for (Execution.NodeRecord n : execution.nodes()) {
                err.printf(
                        "nlink: %-24s %-8s %-7s in %s out %s %8.1f ms%s%s%n",
                        n.name(),
                        n.status(),
                        n.runtime(),
                        n.itemsIn(),
                        n.itemsOut(),
                        n.time().toNanos() / 1e6,
                        n.tries() > 1 ? " (" + n.tries() + " tries)" : "",
                        n.itemErrors().isEmpty()
                                ? ""
                                : " (" + n.itemErrors().size() + " item(s) failed and continued)");
            }
            if (execution.error() != null)
                err.println("nlink: the run stopped at \"" + execution.errorNode() + "\": " + execution.error());
            err.printf(
                    "nlink: %s in %.1f ms, %d item(s) out of \"%s\"%n",
                    execution.status().id(),
                    execution.time().toNanos() / 1e6,
                    execution.output().size(),
                    execution.lastNode());
            if (executionFile != null)
                Files.writeString(executionFile, execution.toJson().toPrettyString());
        }
    }
}
