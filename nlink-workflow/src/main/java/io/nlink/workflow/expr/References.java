package io.nlink.workflow.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What code (expressions, the Code node) may read of other nodes and of its own input, as n8n
 * offers it: {@code $('X').item} (the item of X this one descends from, by {@code pairedItem}
 * lineage), {@code .itemMatching(i)}, {@code .first()}, {@code .last()}, {@code .all()},
 * {@code $node['X'].json}, and {@code $input.item / first() / last() / all()}; and what it may read of
 * the run: {@code $workflow} (id, name, active), {@code $execution} (id, mode, resumeUrl),
 * {@code $runIndex}, {@code $prevNode} (name, outputIndex, runIndex), {@code $nodeVersion} and
 * {@code $mode}.
 *
 * <p>The sandbox gets plain JSON, never host objects, so this works out on the host what the code
 * can ask for and sends only that: the nodes the code names (all of them when it names one with a
 * computed value), and whole outputs only when the code calls something that needs them. That
 * keeps a per-item call small where it can be; code that calls {@code .all()} per item pays for
 * it per item.
 */
public final class References {
    private static final Pattern NAMED = Pattern.compile(
            "\\$\\(\\s*(['\"`])((?:(?!\\1).)*)\\1\\s*\\)|\\$node\\[\\s*(['\"`])((?:(?!\\3).)*)\\3\\s*]|\\$node\\.([A-Za-z_$][\\w$]*)");
    private static final Pattern COMPUTED =
            Pattern.compile("\\$\\(\\s*[^'\"`\\s]|\\$node\\[\\s*[^'\"`\\s]|\\$node\\s*[^.\\[\\s]|\\$items\\s*\\(");

    private final Map<String, List<List<Item>>> history;
    private final Map<String, ? extends JsonNode> contexts;
    private final Set<String> names = new LinkedHashSet<>();
    private final String zone;
    private final boolean wantsOutputs, wantsMatching, wantsInput, wantsContext, wantsFacts;
    private final JsonNode facts;

    /** The run variables code may name ({@code $workflow}, …): only code that names one gets them. */
    private static final Pattern FACTS =
            Pattern.compile("\\$(workflow|execution|runIndex|prevNode|nodeVersion|mode)\\b");

    /**
     * @param codes   the JavaScript that will run
     * @param history each node that ran before, with its outputs, in the order they ran
     * @param contexts nodes' contexts by name ({@code $node["Loop"].context["noItemsLeft"]}), for the
     *     nodes that keep one (Loop Over Items)
     * @param zone the workflow's time zone, for {@code $now}, {@code $today} and Luxon ({@link Luxon})
     */
    public References(
            Collection<String> codes,
            Map<String, List<List<Item>>> history,
            Map<String, ? extends JsonNode> contexts,
            java.time.ZoneId zone) {
        this(codes, history, contexts, zone, Json.MAPPER.createObjectNode());
    }

    /**
     * As {@link #References(Collection, Map, Map, java.time.ZoneId)}, with what code reads of the
     * run: {@code facts} holds {@code workflow}, {@code execution}, {@code runIndex},
     * {@code prevNode} and {@code nodeVersion} (the engine's {@code NodeRun.facts()}).
     */
    public References(
            Collection<String> codes,
            Map<String, List<List<Item>>> history,
            Map<String, ? extends JsonNode> contexts,
            java.time.ZoneId zone,
            JsonNode facts) {
        this.history = history;
        this.facts = facts;
        this.contexts = contexts;
        this.zone = luxonZone(zone);
        String all = String.join("\n", codes);
        Matcher m = NAMED.matcher(all);
        while (m.find()) {
            String name = m.group(2) != null ? m.group(2) : m.group(4) != null ? m.group(4) : m.group(5);
            if (history.containsKey(name)) names.add(name);
        }
        if (COMPUTED.matcher(all).find()) names.addAll(history.keySet());
        wantsOutputs = all.contains(".all(") || all.contains(".last(") || all.contains("$items");
        wantsMatching = all.contains("itemMatching") || all.contains("pairedItem");
        wantsInput = all.contains("$input.all") || all.contains("$input.last") || all.contains("$input.first");
        wantsContext = all.contains("context");
        wantsFacts = FACTS.matcher(all).find();
    }

    /**
     * The context of one call: for the item at {@code index} of {@code items} (or, with index -1,
     * for the whole input at once, as the Code node's all-items mode runs).
     */
    public ObjectNode context(List<Item> items, int index) {
        ObjectNode ctx = Json.MAPPER.createObjectNode();
        ctx.put("index", Math.max(index, 0));
        ctx.put("perItem", index >= 0);
        ctx.put("zone", zone);
        ArrayNode ran = ctx.putArray("ran");
        history.keySet().forEach(ran::add);
        ObjectNode first = ctx.putObject("first"), last = ctx.putObject("last"), paired = ctx.putObject("paired");
        ObjectNode outputs = ctx.putObject("outputs"), matching = ctx.putObject("matching");
        for (String name : names) {
            List<Item> main = mainOutput(name);
            first.set(name, main.isEmpty() ? null : main.get(0).json());
            last.set(name, main.isEmpty() ? null : main.get(main.size() - 1).json());
            if (index >= 0 && index < items.size()) {
                List<Item> links = items.get(index).linksTo(name);
                paired.set(name, links.size() == 1 ? links.get(0).json() : null);
                if (links.size() > 1) ctx.withObjectProperty("ambiguous").put(name, links.size());
                else if (links.isEmpty()) {
                    String end = items.get(index).lineageEnd();
                    // The run's first node is where every lineage starts: only a later one broke it.
                    if (end != null
                            && !history.isEmpty()
                            && !end.equals(history.keySet().iterator().next()))
                        ctx.withObjectProperty("unlinked").put(name, end);
                }
            }
            if (wantsOutputs) {
                ArrayNode out = outputs.putArray(name);
                main.forEach(i -> out.add(i.json()));
            }
            if (wantsMatching || index < 0) {
                ArrayNode match = matching.putArray(name);
                for (Item item : items) {
                    Item linked = item.linkedTo(name);
                    match.add(linked == null ? null : linked.json());
                }
            }
        }
        if (wantsFacts) ctx.set("facts", facts);
        if (wantsContext) {
            ObjectNode contextsJson = ctx.putObject("contexts");
            contexts.forEach(contextsJson::set);
        }
        if (wantsInput || index < 0) {
            ArrayNode input = ctx.putArray("input");
            items.forEach(i -> input.add(i.json()));
        } else if (!items.isEmpty()) {
            ctx.set("inputFirst", items.get(0).json());
        }
        return ctx;
    }

    /** A zone as Luxon names it: an IANA name, or "UTC" with its offset (Java's "Z" and "+02:00" are not Luxon's). */
    static String luxonZone(java.time.ZoneId zone) {
        java.time.ZoneId normal = zone.normalized();
        if (!(normal instanceof java.time.ZoneOffset offset)) return normal.getId();
        return offset.getTotalSeconds() == 0 ? "UTC" : "UTC" + offset.getId();
    }

    /** A node's first output (n8n's default branch for {@code $('X')}), or nothing when it had none. */
    private List<Item> mainOutput(String name) {
        List<List<Item>> outputs = history.get(name);
        return outputs == null || outputs.isEmpty() ? List.of() : outputs.get(0);
    }

    /**
     * JavaScript defining {@code __references(ctx, json)}: from a context made by
     * {@link #context}, the {@code $node}, {@code $} and {@code $input} that expressions and the
     * Code node offer. Errors say what to do instead, as n8n's item-linking errors do. ({@code $now}
     * and {@code $today} come from {@link Luxon#script}'s {@code __dates(ctx.zone)}.)
     */
    public static final String JS = """
            function __references(ctx, json) {
              const wrap = function (j) { return j === undefined || j === null ? undefined : { json: j }; };
              const known = function (name) {
                if (ctx.ran.indexOf(name) < 0) throw new Error('no node named "' + name + '" has run before this one');
              };
              const $ = function (name) {
                known(name);
                const m = ctx.matching[name];
                return {
                  get item() {
                    if (!ctx.perItem) throw new Error('$("' + name + '").item is for code that runs once per item; here use $("' + name + '").itemMatching(index)');
                    const p = ctx.paired[name];
                    if (p === null || p === undefined) {
                      const forks = (ctx.ambiguous || {})[name], end = (ctx.unlinked || {})[name];
                      if (forks) throw new Error('this item is linked to ' + forks + ' different items of "' + name + '" (its pairedItem lineage forks, as after a merge), so $("' + name + '").item is ambiguous, as n8n finds it; use $("' + name + '").first(), .last() or .all()');
                      if (end) throw new Error('no item of "' + name + '" is linked to this item: its pairedItem lineage ends at "' + end + '", which output it without pairedItem (n8n cannot link it either); have "' + end + '" return pairedItem (a Code node: {json, pairedItem: inputIndex}), or use $("' + name + '").first() or .all()');
                      throw new Error('no item of "' + name + '" is linked to this item (its pairedItem lineage does not pass through "' + name + '"); use $("' + name + '").first() or .all()');
                    }
                    return { json: p };
                  },
                  itemMatching: function (i) {
                    if (!m) throw new Error('itemMatching: no pairing was recorded for "' + name + '"');
                    if (typeof i !== 'number' || i < 0 || i >= m.length) throw new Error('itemMatching(' + i + '): there is no input item ' + i);
                    if (m[i] === null) throw new Error('no item of "' + name + '" is linked to input item ' + i);
                    return { json: m[i] };
                  },
                  first: function () { return wrap(ctx.first[name]); },
                  last: function () { return wrap(ctx.last[name]); },
                  all: function () { return (ctx.outputs[name] || []).map(wrap); },
                  context: (ctx.contexts || {})[name] || {},
                  isExecuted: true
                };
              };
              const $node = {};
              ctx.ran.forEach(function (name) {
                Object.defineProperty($node, name, { enumerable: true, get: function () {
                  const p = ctx.paired[name];
                  return { json: p !== null && p !== undefined ? p : ctx.first[name], context: (ctx.contexts || {})[name] || {} };
                } });
              });
              // A node with a context that has not run yet (a loop node reading its own): its context only.
              Object.keys(ctx.contexts || {}).forEach(function (name) {
                if (ctx.ran.indexOf(name) >= 0) return;
                Object.defineProperty($node, name, { enumerable: true, get: function () { return { json: undefined, context: ctx.contexts[name] }; } });
              });
              const inputAll = function () { return (ctx.input || []).map(wrap); };
              const $input = {
                item: ctx.perItem ? { json: json } : undefined,
                all: inputAll,
                first: function () { return ctx.input ? wrap(ctx.input[0]) : wrap(ctx.inputFirst); },
                last: function () { const a = ctx.input || []; return wrap(a[a.length - 1]); }
              };
              // What code reads of the run, as n8n names it; $execution.resumeUrl only where a run can be resumed.
              // Where the caller gave none (the editor's preview): a manual run of an unsaved workflow.
              const facts = ctx.facts || {};
              const workflow = facts.workflow || { id: null, name: null, active: false };
              const execution = facts.execution || { id: null, mode: 'manual', resumeUrl: null };
              return { $node: $node, $: $, $input: $input,
                $workflow: workflow, $execution: execution, $runIndex: facts.runIndex || 0,
                $prevNode: facts.prevNode, $nodeVersion: facts.nodeVersion, $mode: execution.mode };
            }
            """;
}
