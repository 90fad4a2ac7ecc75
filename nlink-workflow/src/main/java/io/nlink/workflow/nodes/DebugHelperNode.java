package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Debug Helper (n8n-nodes-base.debugHelper), version 1, by {@code category}:
 * <ul>
 *   <li>doNothing: outputs nothing, as n8n's does (it returns no items);
 *   <li>throwError (the default): fails each item with {@code throwErrorMessage} ("Node has thrown
 *       an error"), whatever {@code throwErrorType} names (n8n's three types differ only in their
 *       class);
 *   <li>randomData: {@code randomDataCount} (10) generated records per input item of
 *       {@code randomDataType} (user, the default; email, address, creditCard, uuid, macAddress,
 *       ipv4, ipv6, latLong, semver, url, nanoid with {@code nanoidAlphabet} and
 *       {@code nanoidLength}), one item each or, with {@code randomDataSingleArray}, one item
 *       {@code {"generatedItems": […]}}. With {@code randomDataSeed} the data are the same on
 *       every run (and for every input item, as n8n reseeds per item); without, they differ. The
 *       records are nLink's own (n8n's faker library cannot be reproduced): same fields, other
 *       values. A kind whose value is not an object (uuid, ipv4…) comes as {@code {"<kind>": value}},
 *       an item being an object;
 *   <li>oom: refused. n8n's fills the host's memory on purpose; nLink never lets a workflow
 *       exhaust the host.
 * </ul>
 * Bounded: at most {@link #MAX_RECORDS} records per run (n8n sets no bound).
 */
final class DebugHelperNode implements NodeType {
    /** The most records one run may generate, over all its input items. */
    static final int MAX_RECORDS = 10_000;

    private static final int MAX_NANOID_LENGTH = 1024;
    private static final SecureRandom SEEDS = new SecureRandom();
    private static final String NANOID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static final String[] FIRST_NAMES = {
        "Ada",
        "Alan",
        "Grace",
        "Linus",
        "Margaret",
        "Dennis",
        "Barbara",
        "Ken",
        "Frances",
        "Edsger",
        "Radia",
        "Tim",
        "Hedy",
        "John",
        "Katherine",
        "Donald",
        "Joan",
        "Niklaus",
        "Sophie",
        "Bjarne"
    };
    private static final String[] LAST_NAMES = {
        "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra",
        "Perlman", "Berners-Lee", "Lamarr", "Backus", "Johnson", "Knuth", "Clarke", "Wirth", "Wilson", "Stroustrup"
    };
    private static final String[] STREETS = {
        "Main Street", "Oak Avenue", "Maple Road", "Cedar Lane", "Park Drive", "Elm Street", "Lake View", "Hill Road"
    };
    private static final String[] CITIES = {
        "Springfield", "Riverside", "Fairview", "Franklin", "Greenville", "Bristol", "Clinton", "Salem", "Madison"
    };
    private static final String[] STATES = {
        "California", "Texas", "New York", "Florida", "Ohio", "Oregon", "Georgia", "Maine", "Nevada", "Utah"
    };
    private static final String[] COUNTRIES = {
        "United States", "Canada", "Germany", "France", "Japan", "Brazil", "Kenya", "India", "Australia", "Norway"
    };
    private static final String[] DOMAINS = {"example.com", "example.org", "example.net", "mail.test", "inbox.test"};
    private static final String[] WORDS = {"alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "orbit", "pixel"};
    private static final String[] TLDS = {"com", "org", "net", "io", "dev"};

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        int[] generated = {0};
        run.eachItem(run.input(0), outputs, (i, item, p) -> {
            switch (p.path("category").asText("throwError")) {
                case "doNothing" -> {}
                case "throwError" ->
                    throw new IllegalArgumentException(
                            p.path("throwErrorMessage").asText("Node has thrown an error"));
                case "oom" ->
                    throw new NodeFailedException("category \"oom\" (Out Of Memory) is refused: it exhausts the"
                            + " memory of the host on purpose, and nLink never lets a workflow do that;"
                            + " choose another category");
                case "randomData" -> {
                    int count = p.path("randomDataCount").asInt(10);
                    if (count < 0 || generated[0] + count > MAX_RECORDS) {
                        throw new IllegalArgumentException("randomDataCount: " + count + " records here, "
                                + generated[0] + " before in this run: at most " + MAX_RECORDS
                                + " per run; ask for fewer");
                    }
                    generated[0] += count;
                    String seed = p.path("randomDataSeed").asText("");
                    SplittableRandom random = seed.isEmpty() ? new SplittableRandom(SEEDS.nextLong()) : seeded(seed);
                    Generator generator = generator(p);
                    List<JsonNode> records = new ArrayList<>(count);
                    for (int n = 0; n < count; n++) records.add(generator.next(random));
                    if (p.path("randomDataSingleArray").asBoolean(false)) {
                        ObjectNode out = Json.MAPPER.createObjectNode();
                        out.putArray("generatedItems").addAll(records);
                        outputs.get(0).add(run.item(out, item));
                    } else {
                        for (JsonNode record : records) outputs.get(0).add(run.item(record, item));
                    }
                }
                default ->
                    throw new IllegalArgumentException("category: \""
                            + p.path("category").asText() + "\" is not doNothing, throwError, oom or randomData");
            }
        });
        return outputs;
    }

    /** One record of the chosen kind. */
    @FunctionalInterface
    private interface Generator {
        JsonNode next(SplittableRandom random);
    }

    /** The same seed text gives the same numbers, on every machine and run. */
    private static SplittableRandom seeded(String seed) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int b = 0; b < 8; b++) value = value << 8 | (digest[b] & 0xff);
            return new SplittableRandom(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Generator generator(JsonNode p) {
        String kind = p.path("randomDataType").asText("user");
        return switch (kind) {
            case "user" -> DebugHelperNode::user;
            case "email" ->
                r -> Json.MAPPER
                        .createObjectNode()
                        .put("email", email(r, pick(r, FIRST_NAMES), pick(r, LAST_NAMES)))
                        .put("confirmed", r.nextBoolean());
            case "address" -> DebugHelperNode::address;
            case "creditCard" -> DebugHelperNode::creditCard;
            case "latLong" ->
                r -> Json.MAPPER
                        .createObjectNode()
                        .put("lat", Math.round((r.nextDouble() * 180 - 90) * 1e6) / 1e6)
                        .put("long", Math.round((r.nextDouble() * 360 - 180) * 1e6) / 1e6);
            case "uuid" -> r -> wrapped(kind, uuid(r));
            case "macAddress" -> r -> wrapped(kind, hexGroups(r, 6, 1, ":"));
            case "ipv4" ->
                r -> wrapped(
                        kind, r.nextInt(1, 256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256));
            case "ipv6" -> r -> wrapped(kind, hexGroups(r, 8, 2, ":"));
            case "semver" -> r -> wrapped(kind, r.nextInt(10) + "." + r.nextInt(20) + "." + r.nextInt(50));
            case "url" -> r -> wrapped(kind, "https://www." + pick(r, WORDS) + pick(r, WORDS) + "." + pick(r, TLDS));
            case "nanoid" -> {
                String alphabet = p.path("nanoidAlphabet").asText(NANOID_ALPHABET);
                String lengthText = p.path("nanoidLength").asText("16").strip();
                int length;
                try {
                    length = Integer.parseInt(lengthText);
                } catch (NumberFormatException e) {
                    length = -1;
                }
                if (alphabet.isEmpty())
                    throw new IllegalArgumentException("nanoidAlphabet: give at least one character");
                if (length < 1 || length > MAX_NANOID_LENGTH) {
                    throw new IllegalArgumentException("nanoidLength: expected a whole number from 1 to "
                            + MAX_NANOID_LENGTH + "; got \"" + lengthText + "\"");
                }
                int[] symbols = alphabet.codePoints().toArray();
                int size = length;
                yield r -> {
                    StringBuilder id = new StringBuilder(size);
                    for (int c = 0; c < size; c++) id.appendCodePoint(symbols[r.nextInt(symbols.length)]);
                    return wrapped(kind, id.toString());
                };
            }
            default ->
                throw new IllegalArgumentException("randomDataType: \"" + kind
                        + "\" is not one of address, latLong, creditCard, email, ipv4, ipv6, macAddress, nanoid, url,"
                        + " user, uuid, semver");
        };
    }

    private static JsonNode user(SplittableRandom r) {
        String first = pick(r, FIRST_NAMES), last = pick(r, LAST_NAMES);
        StringBuilder password = new StringBuilder();
        for (int c = 0; c < 12; c++) password.append(NANOID_ALPHABET.charAt(r.nextInt(NANOID_ALPHABET.length())));
        return Json.MAPPER
                .createObjectNode()
                .put("uid", uuid(r))
                .put("email", email(r, first, last))
                .put("firstname", first)
                .put("lastname", last)
                .put("password", password.toString());
    }

    private static JsonNode address(SplittableRandom r) {
        return Json.MAPPER
                .createObjectNode()
                .put("firstname", pick(r, FIRST_NAMES))
                .put("lastname", pick(r, LAST_NAMES))
                .put("street", r.nextInt(1, 1000) + " " + pick(r, STREETS))
                .put("city", pick(r, CITIES))
                .put("zip", String.format(Locale.ROOT, "%05d", r.nextInt(100_000)))
                .put("state", pick(r, STATES))
                .put("country", pick(r, COUNTRIES));
    }

    /** A card number that passes the Luhn check, as real card numbers do; never a real card's (the test ranges). */
    private static JsonNode creditCard(SplittableRandom r) {
        boolean master = r.nextBoolean();
        StringBuilder number = new StringBuilder(master ? "5" + r.nextInt(1, 6) : "4");
        while (number.length() < 15) number.append(r.nextInt(10));
        number.append(luhnDigit(number));
        return Json.MAPPER
                .createObjectNode()
                .put("type", master ? "MasterCard" : "Visa")
                .put("number", number.toString())
                .put("ccv", String.format(Locale.ROOT, "%03d", r.nextInt(1000)))
                .put("exp", String.format(Locale.ROOT, "%02d/%02d", r.nextInt(1, 13), r.nextInt(1, 41)))
                .put("holder_name", pick(r, FIRST_NAMES) + " " + pick(r, LAST_NAMES));
    }

    private static int luhnDigit(CharSequence digits) {
        int sum = 0;
        for (int i = digits.length() - 1, doubled = 1; i >= 0; i--, doubled ^= 1) {
            int d = digits.charAt(i) - '0';
            if (doubled == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }

    private static String email(SplittableRandom r, String first, String last) {
        return (first + "." + last).toLowerCase(Locale.ROOT).replace("-", "") + r.nextInt(100) + "@" + pick(r, DOMAINS);
    }

    /** A version 4 UUID drawn from {@code r}, so a seed fixes it too. */
    private static String uuid(SplittableRandom r) {
        long high = (r.nextLong() & ~0xF000L) | 0x4000L;
        long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new java.util.UUID(high, low).toString();
    }

    private static String hexGroups(SplittableRandom r, int groups, int bytesEach, String separator) {
        StringBuilder out = new StringBuilder();
        for (int g = 0; g < groups; g++) {
            if (g > 0) out.append(separator);
            for (int b = 0; b < bytesEach; b++) out.append(String.format(Locale.ROOT, "%02x", r.nextInt(256)));
        }
        return out.toString();
    }

    private static ObjectNode wrapped(String kind, String value) {
        return Json.MAPPER.createObjectNode().put(kind, value);
    }

    private static String pick(SplittableRandom r, String[] from) {
        return from[r.nextInt(from.length)];
    }
}
