package io.nlink.server.auth;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxies whose {@code X-Forwarded-For} the server believes (docs/security.md,
 * Signing in). Without any, the client address is the connection's, whatever the headers say,
 * since any client can write them. A connection from a trusted proxy is attributed to the
 * nearest address in {@code X-Forwarded-For} that is not itself a trusted proxy, read from the
 * right (the hop the proxy appended) leftwards: entries further left were written by the client
 * and cannot move the attribution past an address the proxy saw. Only IP literals are read;
 * nothing is looked up in DNS. Immutable.
 */
public final class TrustedProxies {
    /** One CIDR block: an address and how many leading bits must match. */
    private record Block(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) return false;
            int full = bits / 8;
            for (int i = 0; i < full; i++) if (address[i] != network[i]) return false;
            int rest = bits % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Block> blocks;

    private TrustedProxies(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /**
     * Parses CIDR blocks such as {@code 10.0.0.5/32}, {@code 10.0.0.0/8} or {@code fd00::/8}; an
     * address without {@code /bits} is that address alone.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address or block
     */
    public static TrustedProxies parse(List<String> cidrs) {
        List<Block> blocks = new ArrayList<>();
        for (String cidr : cidrs) {
            String text = cidr.strip();
            String[] parts = text.split("/", 2);
            byte[] network = literal(parts[0]);
            if (network == null)
                throw new IllegalArgumentException(
                        "trusted proxy \"" + cidr + "\" is not an IP address or CIDR block such as 10.0.0.5/32");
            int bits = network.length * 8;
            if (parts.length == 2) {
                try {
                    bits = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw new IllegalArgumentException(
                            "trusted proxy \"" + cidr + "\": the prefix length must be 0.." + network.length * 8);
                }
            }
            blocks.add(new Block(network, bits));
        }
        return new TrustedProxies(blocks);
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * The client's address for a connection from {@code peer} that carried {@code forwardedFor}
     * (the X-Forwarded-For values in the order received; empty for none).
     */
    public String clientAddress(String peer, List<String> forwardedFor) {
        if (!trusted(peer)) return peer;
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) hops.add(hop.strip());
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (literal(hop) == null) break; // unreadable: keep the last address a trusted hop vouched for
            client = hop;
            if (!trusted(hop)) break;
        }
        return client;
    }

    private boolean trusted(String address) {
        byte[] bytes = literal(address);
        if (bytes == null) return false;
        for (Block b : blocks) if (b.contains(bytes)) return true;
        return false;
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for anything else (never a DNS lookup). */
    private static byte[] literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) return null;
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        var v4 = IPV4.matcher(bare);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) return null;
                bytes[i] = (byte) octet;
            }
            return bytes;
        }
        // Only IPv6 literals reach getByName, which parses them without a lookup.
        if (!bare.contains(":") || !IPV6_CHARACTERS.matcher(bare).matches()) return null;
        try {
            byte[] bytes = InetAddress.getByName(bare).getAddress();
            // An IPv4-mapped IPv6 address is its IPv4 address.
            if (bytes.length == 16 && isMappedIpv4(bytes)) return java.util.Arrays.copyOfRange(bytes, 12, 16);
            return bytes;
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final java.util.regex.Pattern IPV6_CHARACTERS = java.util.regex.Pattern.compile("[0-9A-Fa-f:.]+");

    private static boolean isMappedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
