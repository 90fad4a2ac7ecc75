package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * One item flowing through a run: its JSON and n8n's {@code pairedItem} lineage — the input items
 * it was made from. Every built-in node links each output item to the input item(s) it came from,
 * so an expression can ask for "the item of node X this one descends from" ({@code $('X').item}),
 * as n8n users expect, instead of X's first item.
 *
 * <p>Immutable. The JSON is shared, not copied: nodes build new JSON rather than edit what they
 * received.
 *
 * @param json     the item's data ({@code $json})
 * @param node     the node that produced it; null for the items a run was started with
 * @param pairedWith the input items it came from, first the one n8n would name first
 */
public record Item(JsonNode json, String node, List<Item> pairedWith) {
    public Item {
        pairedWith = List.copyOf(pairedWith);
    }

    /** An item a run starts with: no node made it, nothing came before it. */
    public static Item start(JsonNode json) {
        return new Item(json, null, List.of());
    }

    /**
     * The item {@code node} produced that this one descends from — itself when {@code node} made
     * it — or null when its lineage does not pass through {@code node}, or passes through more
     * than one of its items ({@link #linksTo}: n8n refuses such a reference as ambiguous).
     */
    public Item linkedTo(String node) {
        List<Item> found = linksTo(node);
        return found.size() == 1 ? found.get(0) : null;
    }

    /**
     * Every distinct item {@code node} produced that this one descends from, first the one reached
     * through the first links: none when the lineage does not pass through {@code node}; more than
     * one where it forks (an item merged from several) and the branches meet different items of
     * {@code node}. The walk stops at a match: an item of {@code node} made from another of its
     * items (a loop) counts once.
     */
    public List<Item> linksTo(String node) {
        Set<Item> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Item> found = new ArrayList<>();
        ArrayDeque<Item> todo = new ArrayDeque<>();
        todo.push(this);
        while (!todo.isEmpty()) {
            Item at = todo.pop();
            if (!seen.add(at)) continue;
            if (node.equals(at.node)) {
                found.add(at);
                continue;
            }
            for (int i = at.pairedWith.size() - 1; i >= 0; i--) todo.push(at.pairedWith.get(i));
        }
        return found;
    }

    /**
     * The node whose item ends this one's lineage — an item linked to nothing, such as a Code
     * node's item returned without {@code pairedItem}, or a trigger's — following first links; null
     * for an item a run was started with.
     */
    public String lineageEnd() {
        Item at = this;
        while (!at.pairedWith.isEmpty()) at = at.pairedWith.get(0);
        return at.node;
    }

    /** Identity, not content: two equal JSON values made by different nodes are different items. */
    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return (node == null ? "start" : node) + ":" + json;
    }
}
