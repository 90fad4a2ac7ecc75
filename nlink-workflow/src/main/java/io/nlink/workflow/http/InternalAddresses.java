package io.nlink.workflow.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * Which addresses are internal: what a workflow's HTTP request must not reach unless the operator
 * allows it (docs/security.md, the SSRF guard). IPv6 forms that carry an IPv4 address (mapped,
 * compatible, NAT64, 6to4) are judged by the IPv4 address they carry.
 */
final class InternalAddresses {
    private InternalAddresses() {}

    /** Why {@code address} is internal ("loopback", …), or null when it is a public address. */
    static String kind(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) return kind4(b);
        if (address instanceof Inet6Address) return kind6(b);
        return "an address of an unknown family";
    }

    private static String kind4(byte[] b) {
        int a0 = b[0] & 0xff, a1 = b[1] & 0xff, a2 = b[2] & 0xff;
        if (a0 == 0) return "an unspecified (0.0.0.0/8) address";
        if (a0 == 127) return "a loopback address";
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168))
            return "a private (RFC 1918) address";
        if (a0 == 100 && (a1 & 0xc0) == 64) return "a carrier-grade NAT (100.64.0.0/10) address";
        if (a0 == 169 && a1 == 254)
            return "a link-local address (169.254.0.0/16, where cloud metadata services answer)";
        if (a0 >= 224 && a0 <= 239) return "a multicast address";
        if (a0 >= 240) return "a reserved (240.0.0.0/4) or broadcast address";
        if (a0 == 192 && a1 == 0 && a2 == 0) return "an IETF protocol (192.0.0.0/24) address";
        if (a0 == 198 && (a1 & 0xfe) == 18) return "a benchmarking (198.18.0.0/15) address";
        return null;
    }

    private static String kind6(byte[] b) {
        boolean first10Zero = allZero(b, 0, 10);
        if (first10Zero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) return embedded("IPv4-mapped", b, 12);
        if (allZero(b, 0, 15) && b[15] == 0) return "the unspecified address (::)";
        if (allZero(b, 0, 15) && b[15] == 1) return "a loopback address";
        if (allZero(b, 0, 12)) return embedded("IPv4-compatible", b, 12);
        int b0 = b[0] & 0xff, b1 = b[1] & 0xff;
        if ((b0 & 0xfe) == 0xfc) return "a unique local (fc00::/7) address";
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) return "a link-local (fe80::/10) address";
        if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) return "a site-local (fec0::/10) address";
        if (b0 == 0xff) return "a multicast address";
        if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            if (allZero(b, 4, 12)) return embedded("NAT64", b, 12);
            if (b[4] == 0 && b[5] == 1) return "a local-use NAT64 (64:ff9b:1::/48) address";
        }
        if (b0 == 0x20 && b1 == 0x02) return embedded("6to4", b, 2);
        if (b0 == 0x20 && b1 == 0x01 && b[2] == 0 && b[3] == 0) return "a Teredo tunnel (2001::/32) address";
        if (b0 == 0x01 && b1 == 0x00 && allZero(b, 2, 8)) return "a discard-only (100::/64) address";
        return null;
    }

    /** An IPv6 address carrying IPv4 address {@code b[at..at+4]}: internal when that one is. */
    private static String embedded(String form, byte[] b, int at) {
        String inner = kind4(Arrays.copyOfRange(b, at, at + 4));
        return inner == null ? null : "an IPv6 address (" + form + ") standing for " + inner;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }
}
