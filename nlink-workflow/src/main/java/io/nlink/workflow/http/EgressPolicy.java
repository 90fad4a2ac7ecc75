package io.nlink.workflow.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Where a workflow's HTTP requests may go, and how much they may take (docs/security.md, the SSRF
 * guard). By default every public address, and no internal one (loopback, private, link-local,
 * …: {@link InternalAddresses}); the operator allows internal hosts or networks by name
 * ({@code --allow-http-to}).
 *
 * @param allowed          what the operator allows beyond public addresses: host names (exact,
 *                         or {@code *.example.com} for its subdomains), addresses and CIDR
 *                         networks ({@code 10.1.0.0/16}, {@code fd00::/8}). Default none
 * @param maxResponseBytes largest response body read (after decompression). Default 16 MiB
 * @param maxTime          the longest one request may take, redirects included, from DNS to the
 *                         last byte; a node's {@code options.timeout} may only shorten it. Default 5 minutes
 * @param tls              the TLS context for https (its trusted certificates); null for the JVM's default
 */
public record EgressPolicy(List<String> allowed, long maxResponseBytes, Duration maxTime, SSLContext tls) {
    public static final EgressPolicy DEFAULTS =
            new EgressPolicy(List.of(), 16L * 1024 * 1024, Duration.ofMinutes(5), null);

    /** The name operators know the setting by, for messages. */
    public static final String SETTING = "--allow-http-to (NLINK_ALLOW_HTTP_TO)";

    public EgressPolicy {
        allowed = List.copyOf(allowed);
        Objects.requireNonNull(maxTime, "maxTime");
        if (maxResponseBytes < 1) throw new IllegalArgumentException("maxResponseBytes must be at least 1");
        if (maxTime.isNegative() || maxTime.isZero()) throw new IllegalArgumentException("maxTime must be positive");
        for (String entry : allowed) parse(entry);
    }

    /**
     * This policy allowing {@code entries} too: a comma-separated list as the setting takes it.
     *
     * @throws IllegalArgumentException naming an entry that is neither a host name, an address nor a network
     */
    public EgressPolicy allowing(String entries) {
        List<String> all = new ArrayList<>(allowed);
        for (String entry : entries.split(",")) {
            if (!entry.isBlank()) all.add(entry.strip());
        }
        return new EgressPolicy(all, maxResponseBytes, maxTime, tls);
    }

    public EgressPolicy withMaxResponseBytes(long value) {
        return new EgressPolicy(allowed, value, maxTime, tls);
    }

    public EgressPolicy withMaxTime(Duration value) {
        return new EgressPolicy(allowed, maxResponseBytes, value, tls);
    }

    public EgressPolicy withTls(SSLContext value) {
        return new EgressPolicy(allowed, maxResponseBytes, maxTime, value);
    }

    /** Whether the operator allowed {@code host} by name, whatever it resolves to. */
    boolean allowsHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : allowed) {
            Allowance a = parse(entry);
            if (a.host() == null) continue;
            if (a.host().startsWith("*.") ? h.endsWith(a.host().substring(1)) : h.equals(a.host())) return true;
        }
        return false;
    }

    /** Whether the operator allowed {@code address}: it is in an allowed network. */
    boolean allowsAddress(InetAddress address) {
        for (String entry : allowed) {
            Allowance a = parse(entry);
            if (a.network() != null && a.contains(address)) return true;
        }
        return false;
    }

    /** One entry: a host name, or a network (an address is a network of one). */
    private record Allowance(String host, byte[] network, int prefix) {
        boolean contains(InetAddress address) {
            byte[] b = address.getAddress();
            if (b.length != network.length) return false;
            int full = prefix / 8, rest = prefix % 8;
            for (int i = 0; i < full; i++) if (b[i] != network[i]) return false;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    private static Allowance parse(String entry) {
        String e = entry.strip().toLowerCase(Locale.ROOT);
        if (e.startsWith("[") && e.contains("]")) e = e.substring(1, e.indexOf(']')) + e.substring(e.indexOf(']') + 1);
        String address = e.contains("/") ? e.substring(0, e.indexOf('/')) : e;
        if (literal(address)) {
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(address).getAddress(); // a literal: no DNS lookup
            } catch (UnknownHostException x) {
                throw invalid(entry);
            }
            int prefix = bytes.length * 8;
            if (e.contains("/")) {
                try {
                    prefix = Integer.parseInt(e.substring(e.indexOf('/') + 1));
                } catch (NumberFormatException x) {
                    throw invalid(entry);
                }
                if (prefix < 0 || prefix > bytes.length * 8) throw invalid(entry);
            }
            return new Allowance(null, bytes, prefix);
        }
        if (e.matches("(\\*\\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?")) {
            return new Allowance(e.endsWith(".") ? e.substring(0, e.length() - 1) : e, null, 0);
        }
        throw invalid(entry);
    }

    /** An IPv4 dotted quad or an IPv6 literal: parsed without any lookup. */
    private static boolean literal(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9a-f:.]+"));
    }

    private static IllegalArgumentException invalid(String entry) {
        return new IllegalArgumentException(
                "allowed HTTP destination \"" + entry + "\" is neither a host name (api.internal, *.internal),"
                        + " an address (10.0.0.5, ::1) nor a network (10.0.0.0/8, fd00::/8)");
    }
}
