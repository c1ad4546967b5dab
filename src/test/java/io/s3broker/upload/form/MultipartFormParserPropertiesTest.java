package io.s3broker.upload.form;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import io.s3broker.upload.form.Forms.Part;
import io.s3broker.upload.form.MultipartFormParser.MalformedFormException;

/**
 * Properties of the form parser, checked by jqwik on generated forms, cut anywhere: a well-formed form is read
 * exactly as written (no mis-split); any body at all, broken forms included, ends in the parts or a
 * {@link MalformedFormException}, never another exception nor a hang; and how a body is cut into chunks never
 * changes what is read.
 */
class MultipartFormParserPropertiesTest {

    private static final String BOUNDARY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'()+,./:=?";
    private static final Duration HANG = Duration.ofSeconds(5);

    /** A form as written: its boundary, its parts and its body. */
    record Form(String boundary, List<Part> parts) {
        byte[] body() {
            return Forms.body(boundary, parts);
        }
    }

    /** A body to parse with a boundary, which may be anything. */
    record Body(String boundary, byte[] bytes) {
        @Override
        public String toString() {
            return "Body[boundary=" + boundary + ", " + bytes.length + " bytes: "
                    + new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1) + "]";
        }
    }

    @Property(tries = 600)
    void readsEveryWellFormedFormAsWritten(@ForAll("forms") Form form,
            @ForAll @Size(max = 40) List<@IntRange(max = 20_000) Integer> cuts) {
        List<Part> read = assertTimeoutPreemptively(HANG,
                () -> Forms.ours(form.boundary(), Forms.chunks(form.body(), cuts)));
        assertNull(Forms.difference(form.parts(), read));
    }

    @Property(tries = 1_000)
    void endsInPartsOrAMalformedFormWhateverTheBytes(@ForAll("bodies") Body body,
            @ForAll @Size(max = 40) List<@IntRange(max = 20_000) Integer> cuts) {
        assertTimeoutPreemptively(HANG, () -> outcome(body.boundary(), Forms.chunks(body.bytes(), cuts)));
    }

    @Property(tries = 600)
    void readsTheSameWhateverTheChunks(@ForAll("bodies") Body body,
            @ForAll @Size(max = 40) List<@IntRange(max = 20_000) Integer> cuts) {
        String whole = outcome(body.boundary(), List.of(body.bytes()));
        String chunked = assertTimeoutPreemptively(HANG, () -> outcome(body.boundary(), Forms.chunks(body.bytes(), cuts)));
        assertEquals(whole, chunked);
    }

    /** The parts read, or "malformed"; any other exception (or a broken handler protocol) fails the property. */
    private static String outcome(String boundary, List<byte[]> chunks) {
        try {
            return Forms.ours(boundary, chunks).toString();
        } catch (MalformedFormException e) {
            return "malformed";
        }
    }

    @Provide
    Arbitrary<Form> forms() {
        return boundaries().flatMap(boundary -> part(boundary).list().ofMinSize(1).ofMaxSize(5)
                .map(parts -> new Form(boundary, parts)));
    }

    /** Well-formed forms broken by a few edits, forms cut short, and bytes with no form in them at all. */
    @Provide
    Arbitrary<Body> bodies() {
        Arbitrary<Body> edited = Combinators.combine(forms(), edit().list().ofMaxSize(6))
                .as((form, edits) -> new Body(form.boundary(), apply(form.body(), edits)));
        Arbitrary<Body> cutShort = Combinators.combine(forms(), Arbitraries.doubles().between(0, 1))
                .as((form, share) -> {
                    byte[] body = form.body();
                    return new Body(form.boundary(), Arrays.copyOf(body, (int) (body.length * share)));
                });
        Arbitrary<Body> noise = Combinators.combine(boundaries(), fragments("x").list().ofMaxSize(60))
                .as((boundary, pieces) -> new Body(boundary, join(pieces)));
        Arbitrary<Body> noiseAroundDelimiters = boundaries().flatMap(boundary -> fragments(boundary).list()
                .ofMaxSize(60).map(pieces -> new Body(boundary, join(pieces))));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, edited),
                net.jqwik.api.Tuple.of(2, cutShort),
                net.jqwik.api.Tuple.of(1, noise),
                net.jqwik.api.Tuple.of(3, noiseAroundDelimiters));
    }

    private static Arbitrary<String> boundaries() {
        return Arbitraries.strings().withChars(BOUNDARY_CHARS).ofMinLength(1).ofMaxLength(70);
    }

    private static Arbitrary<Part> part(String boundary) {
        Arbitrary<String> names = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-._")
                .ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> filenames = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-._ ü漢")
                .ofMinLength(1).ofMaxLength(30).injectNull(0.4);
        Arbitrary<String> types = Arbitraries.of("application/octet-stream", "image/png", "text/plain; charset=utf-8")
                .injectNull(0.3);
        Arbitrary<byte[]> content = fragments(boundary).list().ofMaxSize(40).map(MultipartFormParserPropertiesTest::join)
                .filter(bytes -> !Forms.holdsDelimiter(bytes, boundary));
        return Combinators.combine(names, filenames, types, content).as(Part::of);
    }

    /** Pieces of content: random bytes, or what looks like a line end, a dash run or the start of a delimiter. */
    private static Arbitrary<byte[]> fragments(String boundary) {
        String delimiter = "\r\n--" + boundary;
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> large = Arbitraries.bytes().array(byte[].class).ofMinSize(1_000).ofMaxSize(5_000);
        Arbitrary<byte[]> prefixes = Arbitraries.integers().between(1, delimiter.length())
                .map(n -> delimiter.substring(0, n).getBytes(StandardCharsets.ISO_8859_1));
        Arbitrary<byte[]> tricks = Arbitraries.of("\r", "\n", "\r\n", "-", "--", "\r\n\r\n", "--" + boundary,
                        "--" + boundary + "--", boundary, " \t", "Content-Disposition: form-data; name=\"x\"\r\n\r\n")
                .map(text -> text.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, random), net.jqwik.api.Tuple.of(1, large),
                net.jqwik.api.Tuple.of(4, prefixes), net.jqwik.api.Tuple.of(6, tricks));
    }

    /** Deletes, inserts or replaces one byte, or cuts the body there. */
    record Edit(int kind, int at, byte value) {
    }

    private static Arbitrary<Edit> edit() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 20_000),
                Arbitraries.of((byte) '\r', (byte) '\n', (byte) '-', (byte) '"', (byte) ';', (byte) ':', (byte) 0,
                        (byte) 0xff, (byte) 'a')).as(Edit::new);
    }

    private static byte[] apply(byte[] body, List<Edit> edits) {
        byte[] result = body;
        for (Edit edit : edits) {
            if (result.length == 0) {
                break;
            }
            int at = edit.at() % result.length;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(result, 0, at);
            switch (edit.kind()) {
                case 0 -> out.write(result, at + 1, result.length - at - 1);
                case 1 -> {
                    out.write(edit.value());
                    out.write(result, at, result.length - at);
                }
                case 2 -> {
                    out.write(edit.value());
                    out.write(result, at + 1, result.length - at - 1);
                }
                default -> {
                    // cut here
                }
            }
            result = out.toByteArray();
        }
        return result;
    }

    private static byte[] join(List<byte[]> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
