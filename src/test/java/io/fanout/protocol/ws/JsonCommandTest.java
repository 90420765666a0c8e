package io.fanout.protocol.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fanout.json command parser: the schema, JSON's corners, and hostile input. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JsonCommandTest {

    @Test
    void theCommandsOfTheSchemaParse() throws Exception {
        JsonCommand c = JsonCommand.parse("{\"op\":\"subscribe\",\"channel\":\"a\"}");
        assertEquals("subscribe", c.op());
        assertEquals("a", c.channel());
        assertNull(c.pattern());
        c = JsonCommand.parse(" { \"pattern\" : \"n.*\" , \"op\" : \"psubscribe\" } \n");
        assertEquals("n.*", c.pattern());
        c = JsonCommand.parse("{\"op\":\"publish\",\"channel\":\"a\",\"data\":\"h\\u00e9\\n\\\"\\\\\\/\\ud83d\\ude00\"}");
        assertArrayEquals("hé\n\"\\/😀".getBytes(StandardCharsets.UTF_8), c.data());
        c = JsonCommand.parse("{\"op\":\"publish\",\"channel\":\"a\",\"data64\":\"AAH/\"}");
        assertArrayEquals(new byte[] {0, 1, (byte) 0xFF}, c.data());
    }

    @Test
    void unknownFieldsOfAnyShapeAreIgnored() throws Exception {
        JsonCommand c = JsonCommand.parse("{\"id\":-12.5e+3,\"op\":\"subscribe\",\"x\":[1,{\"y\":[true,false,null]},[]],"
                + "\"channel\":\"a\",\"z\":{}}");
        assertEquals("a", c.channel());
    }

    private static void bad(String json, String fragment) {
        JsonCommand.JsonException e = assertThrows(JsonCommand.JsonException.class, () -> JsonCommand.parse(json), json);
        assertTrue(e.getMessage().contains(fragment), json + " -> " + e.getMessage());
    }

    @Test
    void malformedOrMisshapenCommandsAreRefusedWithAReason() {
        bad("", "unexpected end");
        bad("[]", "expected '{'");
        bad("{\"op\":\"a\"", "expected '}'");
        bad("{\"op\":\"a\"}x", "text after the object");
        bad("{\"channel\":\"a\"}", "missing \"op\"");
        bad("{\"op\":1}", "\"op\" must be a string");
        bad("{\"op\":\"a\",\"op\":\"b\"}", "given twice");
        bad("{\"op\":\"a\",\"x\":01}", "expected '}'");
        bad("{\"op\":\"a\",\"x\":1.}", "bad number");
        bad("{\"op\":\"a\",\"x\":-}", "bad number");
        bad("{\"op\":\"a\",\"x\":tru}", "unexpected character");
        bad("{\"op\":\"a\",\"x\":'s'}", "unexpected character");
        bad("{\"op\":\"a\\q\"}", "bad escape");
        bad("{\"op\":\"a\\u12\"}", "bad \\u escape");
        bad("{\"op\":\"a\\u12G4\"}", "bad \\u escape");
        bad("{\"op\":\"\\ud800\"}", "lone surrogate");
        bad("{\"op\":\"a\tb\"}", "control character");
        bad("{\"op\":\"a\",\"data\":\"x\",\"data64\":\"eA==\"}", "not both");
        bad("{\"op\":\"a\",\"data64\":\"***\"}", "not valid base64");
        bad("{\"op\":\"a\",}", "expected '\"'");
    }

    @Test
    void deepNestingIsRefusedWithoutAStackOverflow() {
        String deep = "{\"op\":\"a\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        bad(deep, "nested deeper than");
        String justEnough = "{\"op\":\"a\",\"x\":" + "[".repeat(JsonCommand.MAX_DEPTH) + "]".repeat(JsonCommand.MAX_DEPTH) + "}";
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> JsonCommand.parse(justEnough));
    }

    @Property(tries = 2000)
    void anyInputEitherParsesOrIsRefusedCleanly(@ForAll String text) {
        try {
            JsonCommand.parse(text);
        } catch (JsonCommand.JsonException expected) {
            // the only failure allowed
        }
    }

    @Property(tries = 1000)
    void anyStringSurvivesTheRoundTripThroughQuote(@ForAll String data) throws Exception {
        String valid = new String(data.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // lone surrogates -> ?
        JsonCommand c = JsonCommand.parse("{\"op\":\"publish\",\"data\":" + JsonEnvelope.quote(valid) + "}");
        assertArrayEquals(valid.getBytes(StandardCharsets.UTF_8), c.data());
    }
}
