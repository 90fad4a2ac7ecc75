package io.nlink.workflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The address classes the SSRF guard refuses, and the operator's allowances. */
class InternalAddressesTest {
    private static String kind(String literal) throws Exception {
        return InternalAddresses.kind(InetAddress.getByName(literal));
    }

    /** An IPv6 address as its 16 bytes, kept IPv6 (InetAddress.getByName turns a mapped form into IPv4). */
    private static String kind6(String literal) throws Exception {
        return InternalAddresses.kind(Inet6Address.getByAddress(
                null,
                InetAddress.getByName(literal).getAddress().length == 16
                        ? InetAddress.getByName(literal).getAddress()
                        : mapped(InetAddress.getByName(literal).getAddress()),
                null));
    }

    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    @Test
    void internalClassesAreNamedAndPublicAddressesPass() throws Exception {
        assertThat(kind("127.8.9.10")).isEqualTo("a loopback address");
        assertThat(kind("10.255.0.1")).contains("private");
        assertThat(kind("172.31.255.255")).contains("private");
        assertThat(kind("172.32.0.1")).isNull();
        assertThat(kind("192.168.0.1")).contains("private");
        assertThat(kind("169.254.169.254")).contains("link-local");
        assertThat(kind("100.127.255.255")).contains("carrier-grade NAT");
        assertThat(kind("100.128.0.1")).isNull();
        assertThat(kind("0.1.2.3")).contains("unspecified");
        assertThat(kind("239.1.1.1")).contains("multicast");
        assertThat(kind("255.255.255.255")).contains("broadcast");
        assertThat(kind("198.19.1.1")).contains("benchmarking");
        assertThat(kind("8.8.8.8")).isNull();
        assertThat(kind("::1")).isEqualTo("a loopback address");
        assertThat(kind("::")).contains("unspecified");
        assertThat(kind("fc12::1")).contains("unique local");
        assertThat(kind("fe80::1")).contains("link-local");
        assertThat(kind("ff02::1")).contains("multicast");
        assertThat(kind("2606:4700::1111")).isNull();
        // IPv4 carried in IPv6: judged by the IPv4 address.
        assertThat(kind6("127.0.0.1")).isEqualTo("an IPv6 address (IPv4-mapped) standing for a loopback address");
        assertThat(kind6("169.254.169.254")).contains("IPv4-mapped").contains("link-local");
        assertThat(kind6("8.8.8.8")).isNull();
        assertThat(kind("::a9fe:a9fe")).contains("IPv4-compatible").contains("link-local");
        assertThat(kind("64:ff9b::a00:1")).contains("NAT64").contains("private");
        assertThat(kind("64:ff9b::808:808")).isNull();
        assertThat(kind("2002:c0a8:0101::1")).contains("6to4").contains("private");
        assertThat(kind("2001:0:4136:e378::1")).contains("Teredo");
    }

    @Test
    void operatorsAllowHostsAddressesAndNetworks() throws Exception {
        EgressPolicy policy =
                EgressPolicy.DEFAULTS.allowing("10.1.0.0/16, api.internal, *.corp.example, ::1, [fd00::]/8");
        assertThat(policy.allowsAddress(InetAddress.getByName("10.1.200.3"))).isTrue();
        assertThat(policy.allowsAddress(InetAddress.getByName("10.2.0.1"))).isFalse();
        assertThat(policy.allowsAddress(InetAddress.getByName("::1"))).isTrue();
        assertThat(policy.allowsAddress(InetAddress.getByName("fdab::1"))).isTrue();
        assertThat(policy.allowsAddress(InetAddress.getByName("fe80::1"))).isFalse();
        assertThat(policy.allowsHost("API.internal")).isTrue();
        assertThat(policy.allowsHost("db.corp.example")).isTrue();
        assertThat(policy.allowsHost("corp.example")).isFalse();
        assertThat(policy.allowsHost("evil-api.internal")).isFalse();
        assertThat(EgressPolicy.DEFAULTS.allowsAddress(InetAddress.getByName("127.0.0.1")))
                .isFalse();
        assertThatThrownBy(() -> EgressPolicy.DEFAULTS.allowing("10.0.0.0/33"))
                .hasMessageContaining("\"10.0.0.0/33\" is neither a host name");
        assertThatThrownBy(() -> EgressPolicy.DEFAULTS.allowing("http://x"))
                .hasMessageContaining("is neither a host name");
    }
}
