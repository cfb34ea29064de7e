package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Negotiation of permessage-deflate from the client's offers (RFC 7692 §5, §7.1). */
class PermessageDeflateTest {

    private static String response(String... fields) {
        DeflateParameters accepted = PermessageDeflate.negotiate(List.of(fields));
        return accepted == null ? null : accepted.responseHeaderValue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "permessage-deflate | permessage-deflate",
        "permessage-deflate; client_max_window_bits | permessage-deflate",
        "permessage-deflate; client_max_window_bits=10 | permessage-deflate",
        "permessage-deflate; server_no_context_takeover | permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover | permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=15 | permessage-deflate; server_max_window_bits=15",
        "permessage-deflate; server_max_window_bits=\"15\" | permessage-deflate; server_max_window_bits=15",
        "PerMessage-Deflate ;Server_No_Context_Takeover | permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=15; "
                + "client_max_window_bits=8 | permessage-deflate; server_no_context_takeover; "
                + "client_no_context_takeover; server_max_window_bits=15",
        "x-webkit-deflate-frame, permessage-deflate | permessage-deflate",
        "permessage-deflate; server_max_window_bits=8 | permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=14 | permessage-deflate; server_max_window_bits=14",
        " , permessage-deflate ,, | permessage-deflate",
    })
    void anAcceptableOfferIsAnsweredWithWhatTheServerDoes(String offer, String expected) {
        assertEquals(expected, response(offer));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "permessage-deflate; server_max_window_bits",       // needs a value
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=015",   // leading zero
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=true",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",   // twice
        "permessage-deflate; mystery_parameter",
        "x-webkit-deflate-frame",
        "permessage-compress",
    })
    void anOfferThatCannotBeHonouredIsDeclined(String offer) {
        assertNull(response(offer));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "permessage-deflate; =15",
        "permessage-deflate;; server_no_context_takeover",
        "permessage-deflate server_no_context_takeover",
        "permessage-deflate; client_max_window_bits=\"10",
        "\"permessage-deflate\"",
        "permessage-deflate; a=b=c",
        "permessage-deflate, ;x",
        "permessage-deflate; server_max_window_bits=1 5",
    })
    void aMalformedFieldMeansNoCompressionNeverAnError(String offer) {
        assertNull(response(offer));
    }

    @Test
    void theFirstAcceptableOfferWinsAcrossOffersAndFields() {
        // as Autobahn 13.7 offers: a small server window first, then fallbacks
        assertEquals("permessage-deflate; client_no_context_takeover; server_max_window_bits=8",
                response("permessage-deflate; client_no_context_takeover; server_max_window_bits=8, "
                        + "permessage-deflate; client_no_context_takeover", "permessage-deflate"));
        assertEquals("permessage-deflate; server_no_context_takeover",
                response("permessage-deflate; server_max_window_bits=16",
                        "permessage-deflate; server_no_context_takeover"));
    }

    @Test
    void aServerWindowBelow15IsKeptWithStoredBlocks() {
        assertTrue(PermessageDeflate.negotiate(List.of("permessage-deflate; server_max_window_bits=9")).storedBlocksOnly());
        assertFalse(PermessageDeflate.negotiate(List.of("permessage-deflate; server_max_window_bits=15")).storedBlocksOnly());
        assertFalse(PermessageDeflate.negotiate(List.of("permessage-deflate")).storedBlocksOnly());
    }

    @Test
    void noOfferNoCompression() {
        assertNull(PermessageDeflate.negotiate(List.of()));
        assertNull(PermessageDeflate.negotiate(null));
        assertNull(response(""));
    }

    @Test
    void parametersTheServerCannotHonourAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DeflateParameters(false, false, 7, 0));
        assertThrows(IllegalArgumentException.class, () -> new DeflateParameters(false, false, 0, 16));
        assertEquals("permessage-deflate; client_max_window_bits=9",
                new DeflateParameters(false, false, 0, 9).responseHeaderValue());
    }
}
