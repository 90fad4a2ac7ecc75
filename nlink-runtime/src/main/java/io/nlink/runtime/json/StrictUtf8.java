package io.nlink.runtime.json;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Well-formed UTF-8 as RFC 3629 defines it (shortest form, no UTF-16 surrogates, at most
 * U+10FFFF), checked a byte at a time so that a stream of any length can be checked as it passes.
 * Jackson lets some ill-formed input through (see {@link Json#parse(byte[])}); every byte nLink
 * reads as JSON goes through this one check.
 */
public final class StrictUtf8 {
    /** Continuation bytes the current sequence still needs. */
    private int needed;
    /** Allowed range of the next continuation byte (narrower right after some lead bytes). */
    private int lo = 0x80;

    private int hi = 0xBF;
    private long position;
    /** The offset of the sequence being read: after a refusal, the first byte of the ill-formed one. */
    private long sequenceStart;

    private StrictUtf8() {}

    /** Feeds the next byte; false when it makes the input ill-formed ({@link #sequenceStart} says where). */
    private boolean accept(int b) {
        b &= 0xFF;
        long at = position++;
        if (needed > 0) {
            if (b < lo || b > hi) return false;
            lo = 0x80;
            hi = 0xBF;
            needed--;
            return true;
        }
        sequenceStart = at;
        if (b < 0x80) return true;
        if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            needed = 2;
            if (b == 0xE0) lo = 0xA0; // overlong below U+0800
            if (b == 0xED) hi = 0x9F; // UTF-16 surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            needed = 3;
            if (b == 0xF0) lo = 0x90; // overlong below U+10000
            if (b == 0xF4) hi = 0x8F; // above U+10FFFF
        } else {
            return false; // a continuation byte, C0/C1 (overlong) or F5..FF
        }
        return true;
    }

    /** Whether the bytes so far end on a character boundary (no sequence cut off). */
    private boolean complete() {
        return needed == 0;
    }

    /** The index of the first byte of the first ill-formed sequence in {@code bytes}, or -1 when there is none. */
    public static int firstInvalid(byte[] bytes) {
        StrictUtf8 check = new StrictUtf8();
        for (byte b : bytes) {
            if (b >= 0 && check.needed == 0) { // ASCII outside a sequence: the common case, kept cheap
                check.position++;
                continue;
            }
            if (!check.accept(b)) return (int) check.sequenceStart;
        }
        return check.complete() ? -1 : (int) check.sequenceStart;
    }

    /**
     * {@code in}, refusing ill-formed UTF-8 as it is read: an {@link IOException} names the byte
     * offset and the byte, so a bad input file points at where to look.
     */
    public static InputStream checking(InputStream in) {
        return new FilterInputStream(in) {
            private final StrictUtf8 check = new StrictUtf8();

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) {
                    ended();
                } else if (!check.accept(b)) {
                    refuse(b);
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n < 0) {
                    ended();
                    return n;
                }
                for (int i = offset; i < offset + n; i++) {
                    if (!check.accept(buffer[i])) refuse(buffer[i] & 0xFF);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                throw new IOException("skipping would leave bytes unchecked");
            }

            private void ended() throws Malformed {
                if (!check.complete()) {
                    throw new Malformed("invalid UTF-8: the input ends inside the character that starts at byte "
                            + check.sequenceStart);
                }
            }

            private void refuse(int b) throws Malformed {
                throw new Malformed("invalid UTF-8 in the character that starts at byte " + check.sequenceStart
                        + " (byte 0x" + Integer.toHexString(b)
                        + " cannot be there): an overlong, surrogate, out-of-range or cut-off encoding");
            }
        };
    }

    /** Ill-formed UTF-8 met by {@link #checking}; the message says where. */
    public static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }
}
