package io.nlink.runtime.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one UTF-8 check agrees with the JDK's strict decoder, on arrays and on streams. */
class StrictUtf8Test {
    @Test
    void agreesWithTheJdksStrictDecoderOnRandomBytes() throws IOException {
        Random random = new Random(42);
        int refused = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] bytes = new byte[random.nextInt(8)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly the bytes that matter: lead bytes, continuations, the edges of each range.
                bytes[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x80 + random.nextInt(0x80));
            }
            boolean jdk = decodes(bytes);
            assertThat(StrictUtf8.firstInvalid(bytes) < 0).as("%s", hex(bytes)).isEqualTo(jdk);
            assertThat(readsThrough(bytes)).as("stream: %s", hex(bytes)).isEqualTo(jdk);
            if (!jdk) refused++;
        }
        assertThat(refused).as("the sample holds ill-formed input").isGreaterThan(1_000);
    }

    @Test
    void namesTheFirstByteOfTheBadCharacter() {
        byte[] overlongSlash = {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        assertThat(StrictUtf8.firstInvalid(overlongSlash)).isEqualTo(6);
        byte[] surrogate = {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        assertThat(StrictUtf8.firstInvalid(surrogate)).isEqualTo(1);
        byte[] cutOff = {'a', 'b', (byte) 0xF0, (byte) 0x9F, (byte) 0x9A};
        assertThat(StrictUtf8.firstInvalid(cutOff)).isEqualTo(2);
        assertThat(StrictUtf8.firstInvalid("Grüße 🚀".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(-1);

        assertThatThrownBy(() ->
                        StrictUtf8.checking(new ByteArrayInputStream(surrogate)).readAllBytes())
                .isInstanceOf(StrictUtf8.Malformed.class)
                .hasMessageStartingWith(
                        "invalid UTF-8 in the character that starts at byte 1 (byte 0xa0 cannot be there)");
        assertThatThrownBy(() ->
                        StrictUtf8.checking(new ByteArrayInputStream(cutOff)).readAllBytes())
                .isInstanceOf(StrictUtf8.Malformed.class)
                .hasMessage("invalid UTF-8: the input ends inside the character that starts at byte 2");
    }

    private static boolean decodes(byte[] bytes) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Reads through the checking stream a byte, then a block, at a time. */
    private static boolean readsThrough(byte[] bytes) throws IOException {
        try (InputStream in = StrictUtf8.checking(new ByteArrayInputStream(bytes))) {
            if (in.read() < 0) return true;
            in.readAllBytes();
            return true;
        } catch (StrictUtf8.Malformed e) {
            return false;
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) out.append(String.format("%02x ", b & 0xFF));
        return out.toString().trim();
    }
}
