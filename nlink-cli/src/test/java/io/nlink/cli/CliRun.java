package io.nlink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One in-process {@code nlink} command with its exit code and what it printed. */
record CliRun(int exit, String out, String err) {
    /** Runs {@code nlink ARGS...}, capturing stdout and stderr (one command at a time: they are global). */
    static synchronized CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.execute(args);
            return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Each line of stdout as JSON: what {@code nlink run} writes, one output item a line. */
    List<JsonNode> lines() throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) nodes.add(Json.parse(line));
        }
        return nodes;
    }
}
