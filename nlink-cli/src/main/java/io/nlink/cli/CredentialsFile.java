package io.nlink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.CredentialTypes;
import io.nlink.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The credentials of {@code nlink workflow run --credentials FILE}: a JSON array (or
 * {@code {"credentials": [...]}}) of {@code {"id", "name", "type", "data"}}, each data checked as
 * its type's ({@link CredentialTypes}). Found by id, else by name, as the server finds them. The
 * file is the operator's: keep it out of version control and readable by you alone.
 */
final class CredentialsFile implements CredentialResolver {
    private record Entry(String id, String name, String type, ObjectNode data) {}

    private final Path file;
    private final List<Entry> entries;

    private CredentialsFile(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** @throws IllegalArgumentException naming the file, the entry and what is wrong with it (never a secret) */
    static CredentialsFile read(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode list = root.isObject() ? root.path("credentials") : root;
        if (!list.isArray())
            throw new IllegalArgumentException(
                    file + ": expected a JSON array of credentials, or {\"credentials\": [...]}");
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode c = list.get(i);
            String at = file + ": credentials[" + i + "]";
            String id = c.path("id").isValueNode() && !c.path("id").isNull()
                    ? c.path("id").asText()
                    : null;
            String name = c.path("name").isTextual() ? c.path("name").asText() : null;
            if (id == null && name == null)
                throw new IllegalArgumentException(at + ": give it an id or a name, as the workflow's nodes name it");
            String type = c.path("type").asText("");
            List<String> problems = CredentialTypes.problems(type, c.get("data"));
            if (!problems.isEmpty()) throw new IllegalArgumentException(at + ": " + String.join("; ", problems));
            entries.add(new Entry(id, name, type, CredentialTypes.normalised(type, c.get("data"))));
        }
        return new CredentialsFile(file, List.copyOf(entries));
    }

    @Override
    public ObjectNode data(String type, Workflow.CredentialRef ref) throws MissingCredentialException {
        List<Entry> matches = entries.stream()
                .filter(e -> ref.id() != null && ref.id().equals(e.id()))
                .toList();
        if (matches.isEmpty() && ref.name() != null)
            matches = entries.stream().filter(e -> ref.name().equals(e.name())).toList();
        if (matches.isEmpty())
            throw new MissingCredentialException("credential " + ref.describe() + " (" + type + ") is not in " + file);
        List<Entry> ofType = matches.stream().filter(e -> e.type().equals(type)).toList();
        if (ofType.isEmpty()) {
            throw new MissingCredentialException("credential " + ref.describe() + " in " + file + " is of type "
                    + matches.get(0).type() + "; the node needs " + type);
        }
        return ofType.get(0).data().deepCopy();
    }
}
