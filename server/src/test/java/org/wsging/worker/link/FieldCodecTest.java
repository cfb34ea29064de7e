package org.wsging.worker.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.Header;

class FieldCodecTest {

    private static List<String> strings(List<Header> fields) {
        return fields.stream().flatMap(h -> java.util.stream.Stream.of(h.name().toString(), h.value().toString())).toList();
    }

    @Test
    void fieldsReadBackAsWrittenAndStopAtTheirEnd() {
        List<Header> fields = List.of(new Header("content-type", "text/plain"), new Header("x-empty", ""),
                new Header("", "v"), new Header("x-latin", "\u00e9\u00ff"));
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeFields(buf, fields);
        buf.writeInt(0x01020304); // what follows the fields in a frame is left unread
        List<Header> read = FieldCodec.readFields(buf, buf.writerIndex());
        assertEquals(strings(fields), strings(read));
        assertEquals(0x01020304, buf.readInt());
        buf.release();
    }

    @Test
    void noFieldsAtAll() {
        ByteBuf buf = Unpooled.buffer().writeShort(0);
        assertEquals(List.of(), FieldCodec.readFields(buf, buf.writerIndex()));
        buf.release();
    }

    @Test
    void aFieldBeyondThePayloadIsALinkError() {
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeFields(buf, List.of(new Header("name", "value")));
        int end = buf.writerIndex();
        for (int cut = 2; cut < end; cut++) {
            ByteBuf copy = buf.copy();
            int at = cut;
            assertThrows(LinkProtocolException.class, () -> FieldCodec.readFields(copy, at), "cut at " + cut);
            copy.release();
        }
        ByteBuf counted = Unpooled.buffer().writeShort(2);
        counted.writeShort(1).writeByte('a').writeShort(1).writeByte('b').writeShort(0).writeShort(5);
        assertThrows(LinkProtocolException.class, () -> FieldCodec.readFields(counted, counted.writerIndex()));
        counted.release();
        buf.release();
    }

    @Test
    void charsAreWrittenAsIsoLatin1BytesWhateverTheirLength() {
        for (String s : new String[] {"", "ab\u00e9", "short\u0100", "a longer value \u00e9\u00ff \u0100 with a char above 0xFF"}) {
            ByteBuf out = Unpooled.directBuffer();
            FieldCodec.writeChars(out, s);
            byte[] expected = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // '?' for the unmappable
            assertEquals(new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1),
                    out.toString(java.nio.charset.StandardCharsets.ISO_8859_1), s);
            out.release();
        }
    }
}
