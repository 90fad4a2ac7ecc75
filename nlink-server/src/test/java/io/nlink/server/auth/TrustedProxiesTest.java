package io.nlink.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address a request is attributed to, for each shape of X-Forwarded-For. */
class TrustedProxiesTest {
    private final TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "fd00::/8", "192.0.2.1"));

    @Test
    void theHeaderIsReadOnlyFromATrustedProxyAndFromTheRight() {
        assertThat(proxies.clientAddress("203.0.113.5", List.of("198.51.100.1")))
                .as("not a proxy: its own address")
                .isEqualTo("203.0.113.5");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("198.51.100.1"))).isEqualTo("198.51.100.1");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("6.6.6.6, 198.51.100.1")))
                .as("what the client wrote is left of the hop")
                .isEqualTo("198.51.100.1");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("198.51.100.1, 10.9.9.9")))
                .as("a chain of trusted proxies")
                .isEqualTo("198.51.100.1");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("198.51.100.1", "192.0.2.1")))
                .as("several headers, in order")
                .isEqualTo("198.51.100.1");
        assertThat(proxies.clientAddress("10.1.2.3", List.of()))
                .as("no header: the proxy")
                .isEqualTo("10.1.2.3");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("unknown")))
                .as("unreadable: the proxy")
                .isEqualTo("10.1.2.3");
        assertThat(proxies.clientAddress("10.1.2.3", List.of("2001:db8::1, 10.0.0.1")))
                .isEqualTo("2001:db8::1");
        assertThat(proxies.clientAddress("fd12::1", List.of("[2001:db8::2]"))).isEqualTo("[2001:db8::2]");
        assertThat(proxies.clientAddress("11.0.0.1", List.of("198.51.100.1")))
                .as("outside 10/8")
                .isEqualTo("11.0.0.1");
        assertThat(TrustedProxies.NONE.clientAddress("10.1.2.3", List.of("198.51.100.1")))
                .isEqualTo("10.1.2.3");
    }

    @Test
    void entriesThatAreNotAddressesOrBlocksAreRefused() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
                .hasMessageContaining("prefix length must be 0..32");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("localhost")))
                .hasMessageContaining("\"localhost\" is not an IP address");
    }
}
