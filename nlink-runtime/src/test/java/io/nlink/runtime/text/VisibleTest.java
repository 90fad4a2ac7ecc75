package io.nlink.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VisibleTest {
    @Test
    void aLogValueCannotStartALineOrSteerTheTerminal() {
        assertThat(Visible.inLog("node\n2025-01-01 INFO forged\r")).isEqualTo("node\\x0a2025-01-01 INFO forged\\x0d");
        assertThat(Visible.inLog("\u001b[2J\u0000\u007f\u009b\tend")).isEqualTo("\\x1b[2J\\x00\\x7f\\x9b\\x09end");
        assertThat(Visible.inLog("admin\u202Egnp.exe\u2028")).isEqualTo("admin\\u202egnp.exe\\u2028");
        assertThat(Visible.inLog(null)).isEqualTo("null");
    }

    @Test
    void plainTextIsReturnedAsIs() {
        String plain = "Ünïcode — workflow 7 /webhook/orders?x=1 \\x1b";
        assertThat(Visible.inLog(plain)).isSameAs(plain);
        assertThat(Visible.onTerminal(plain)).isSameAs(plain);
    }

    @Test
    void aLogValueCanBeCut() {
        assertThat(Visible.inLog("abcdef", 3)).isEqualTo("abc…");
        assertThat(Visible.inLog("a\nb", 3)).isEqualTo("a\\x0ab");
    }

    @Test
    void terminalOutputKeepsItsLinesButNotItsEscapes() {
        assertThat(Visible.onTerminal("line 1\n\tline 2\r\n\u001b[2J\u001b]0;title\u0007"))
                .isEqualTo("line 1\n\tline 2\\x0d\n\\x1b[2J\\x1b]0;title\\x07");
    }
}
