package io.fanout.protocol.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The UTF-8 checks agree with the JDK's strict decoder, whole and split anywhere. */
class Utf8ValidatorPropertyTest {

    static boolean jdkSaysValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Provide
    Arbitrary<byte[]> nearlyUtf8() {
        // Mostly real text, with random bytes mixed in, so both answers are common.
        Arbitrary<byte[]> text = Arbitraries.strings().ofMaxLength(40).map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
        Arbitrary<byte[]> lead = Arbitraries.of((byte) 0xC0, (byte) 0xC2, (byte) 0xE0, (byte) 0xED, (byte) 0xF0,
                (byte) 0xF4, (byte) 0xF5, (byte) 0x80, (byte) 0xBF, (byte) 0xA0, (byte) 0x8F, (byte) 0x90)
                .array(byte[].class).ofMaxSize(6);
        return Arbitraries.oneOf(text, noise, lead).list().ofMaxSize(4).map(parts -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            parts.forEach(out::writeBytes);
            return out.toByteArray();
        });
    }

    @Property(tries = 3000)
    void wholeBufferCheckAgreesWithTheJdk(@ForAll("nearlyUtf8") byte[] b) {
        assertEquals(jdkSaysValid(b), Utf8Validator.isValid(ByteBuffer.wrap(b)));
    }

    @Property(tries = 3000)
    void incrementalCheckAgreesAtAnySplit(@ForAll("nearlyUtf8") byte[] b, @ForAll @IntRange(max = 200) int splitSeed) {
        int split = b.length == 0 ? 0 : splitSeed % (b.length + 1);
        Utf8Validator v = new Utf8Validator();
        ByteBuffer buf = ByteBuffer.wrap(b);
        boolean ok = v.update(buf, 0, split) && v.update(buf, split, b.length) && v.isComplete();
        assertEquals(jdkSaysValid(b), ok);
    }

    @Property(tries = 500)
    void asciiOfAnyLengthIsValid(@ForAll @Size(max = 100) byte[] raw) {
        byte[] ascii = raw.clone();
        for (int i = 0; i < ascii.length; i++) {
            ascii[i] &= 0x7F;
        }
        org.junit.jupiter.api.Assertions.assertTrue(Utf8Validator.isValid(ByteBuffer.wrap(ascii)));
    }
}
