package org.wsging.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BindAddressTest {

    @Test
    void parsesHostsAndIpv6() {
        assertEquals(new BindAddress("127.0.0.1", 8000), BindAddress.parse("127.0.0.1:8000"));
        assertEquals(new BindAddress("::1", 8080), BindAddress.parse("[::1]:8080"));
        assertEquals("[::1]:8080", BindAddress.parse("[::1]:8080").toString());
        assertEquals(new BindAddress("localhost", 0), BindAddress.parse("localhost:0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8000", ":8000", "host:", "host:x", "host:70000", "::1:8000", "[::1]8000", "[::1]:", "h:-1"})
    void refusesMalformed(String text) {
        assertThrows(IllegalArgumentException.class, () -> BindAddress.parse(text));
    }

    @Test
    void authorityBracketsIpv6() {
        assertEquals("[::1]:80", BindAddress.authority(new InetSocketAddress("::1", 80)));
        assertEquals("127.0.0.1:80", BindAddress.authority(new InetSocketAddress("127.0.0.1", 80)));
    }
}
