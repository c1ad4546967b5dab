package io.s3broker.upload.form;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.s3broker.upload.form.MultipartFormParser.MalformedFormException;
import io.vertx.core.buffer.Buffer;

class MultipartFormParserTest {

    private static final String BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    private static final String DELIMITER = "\r\n--" + BOUNDARY;

    /** Every event, with each part's content put back together. */
    static class Recorder implements MultipartFormParser.Handler {
        final List<PartHeaders> parts = new ArrayList<>();
        final List<byte[]> contents = new ArrayList<>();
        final List<Buffer> slices = new ArrayList<>();
        private ByteArrayOutputStream current;
        boolean ended;

        @Override
        public void partStarted(PartHeaders part) {
            assertNull(current, "a part started before the last one ended");
            parts.add(part);
            current = new ByteArrayOutputStream();
        }

        @Override
        public void partData(Buffer data) {
            assertTrue(data.length() > 0, "empty data");
            slices.add(data);
            current.writeBytes(data.getBytes());
        }

        @Override
        public void partEnded() {
            contents.add(current.toByteArray());
            current = null;
        }

        @Override
        public void formEnded() {
            assertNull(current);
            ended = true;
        }
    }

    /** Binary content full of near-delimiters: CRs, CR LF, dashes and every proper prefix of the delimiter. */
    private static byte[] trickyContent() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Random random = new Random(7);
        for (int i = 1; i < DELIMITER.length(); i++) {
            byte[] noise = new byte[random.nextInt(40)];
            random.nextBytes(noise);
            out.writeBytes(noise);
            out.writeBytes(DELIMITER.substring(0, i).getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes(("\r\r\n\r\n-\r\n--\r\n-" + DELIMITER.substring(0, 10) + "--" + BOUNDARY + BOUNDARY).getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(DELIMITER.substring(0, DELIMITER.length() - 1).getBytes(StandardCharsets.ISO_8859_1));
        out.write('\r'); // right before the real delimiter
        return out.toByteArray();
    }

    private static byte[] form(String preamble, byte[] file, String epilogue) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((preamble + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\nmy-bucket"
                + DELIMITER + "  \r\ncontent-disposition: form-data; name=key\r\n\r\na/b \u00e9.bin" + DELIMITER
                + "\r\nContent-Type: application/x-test; charset=binary\r\nContent-Disposition: form-data; name=\"files\";"
                + " filename=\"x;\\\"y\\\".bin\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(file);
        out.writeBytes((DELIMITER + "--" + epilogue).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static Recorder parse(byte[] body, int... splits) {
        Recorder recorder = new Recorder();
        MultipartFormParser parser = new MultipartFormParser(BOUNDARY, recorder);
        int from = 0;
        for (int split : splits) {
            parser.feed(Buffer.buffer(Arrays.copyOfRange(body, from, split)));
            from = split;
        }
        parser.feed(Buffer.buffer(Arrays.copyOfRange(body, from, body.length)));
        parser.end();
        return recorder;
    }

    private static void assertForm(Recorder recorder, byte[] file) {
        assertEquals(3, recorder.parts.size());
        assertEquals(new PartHeaders("bucket", null, null), recorder.parts.get(0));
        assertEquals(new PartHeaders("key", null, null), recorder.parts.get(1));
        assertEquals(new PartHeaders("files", "x;\"y\".bin", "application/x-test; charset=binary"), recorder.parts.get(2));
        assertEquals("my-bucket", new String(recorder.contents.get(0), StandardCharsets.UTF_8));
        assertEquals("a/b \u00e9.bin", new String(recorder.contents.get(1), StandardCharsets.UTF_8));
        assertArrayEquals(file, recorder.contents.get(2));
        assertTrue(recorder.ended);
    }

    @Test
    void readsAFormWholeAndSplitAtEveryByte() {
        byte[] file = trickyContent();
        byte[] body = form("", file, "\r\n");
        assertForm(parse(body), file);
        for (int split = 1; split < body.length; split++) {
            assertForm(parse(body, split), file);
        }
    }

    /**
     * The least length of a last part, from the body's length, is exact when the epilogue is the longest the parser
     * takes, whatever the chunks: the broker streams that many bytes to S3 before it has seen the end.
     */
    @Test
    void knowsTheLeastLengthOfTheLastPartFromTheBodyLength() {
        byte[] file = trickyContent();
        int longest = (int) MultipartFormParser.MAX_EPILOGUE_BYTES;
        for (int epilogue : new int[] { 0, 2, longest - 1, longest }) {
            byte[] body = form("a preamble\r\n", file, "e".repeat(epilogue));
            for (int split = 1; split < body.length; split += 5) {
                List<Long> least = new ArrayList<>();
                MultipartFormParser[] parser = new MultipartFormParser[1];
                parser[0] = new MultipartFormParser(BOUNDARY, new Recorder() {
                    @Override
                    public void partStarted(PartHeaders part) {
                        super.partStarted(part);
                        least.add(parser[0].lastPartContentAtLeast(body.length));
                    }
                });
                parser[0].feed(Buffer.buffer(Arrays.copyOfRange(body, 0, split)));
                parser[0].feed(Buffer.buffer(Arrays.copyOfRange(body, split, body.length)));
                parser[0].end();
                assertEquals(file.length - (longest - epilogue), least.get(2), "epilogue " + epilogue + ", split at " + split);
            }
        }
    }

    @Test
    void readsAFormFedInChunksOfEverySmallSize() {
        byte[] file = trickyContent();
        byte[] body = form("a preamble\r\n", file, "");
        for (int size = 1; size <= DELIMITER.length() + 3; size++) {
            List<Integer> splits = new ArrayList<>();
            for (int at = size; at < body.length; at += size) {
                splits.add(at);
            }
            assertForm(parse(body, splits.stream().mapToInt(Integer::intValue).toArray()), file);
        }
    }

    @Test
    void passesFileContentOnAsSlicesOfTheChunkItCameIn() {
        byte[] file = new byte[60_000];
        new Random(1).nextBytes(file);
        byte[] body = form("", file, "\r\n");
        Buffer chunk = Buffer.buffer(body);
        Recorder recorder = new Recorder();
        MultipartFormParser parser = new MultipartFormParser(BOUNDARY, recorder);
        parser.feed(chunk);
        parser.end();
        assertForm(recorder, file);
        Buffer content = recorder.slices.get(recorder.slices.size() - 1);
        assertEquals(file.length, content.length());
        assertSame(chunk.getByteBuf().array(), content.getByteBuf().array(), "the file content was copied");
    }

    @Test
    void readsRandomFormsFedInRandomChunks() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            String boundary = randomBoundary(random);
            byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            int partCount = 1 + random.nextInt(4);
            List<byte[]> contents = new ArrayList<>();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int part = 0; part < partCount; part++) {
                byte[] content = nearDelimiterContent(random, delimiter);
                contents.add(content);
                body.writeBytes(((part == 0 ? "--" + boundary : "") + "\r\nContent-Disposition: form-data; name=\"p" + part
                        + "\"; filename=\"f\"\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                body.writeBytes(content);
                body.writeBytes(delimiter);
            }
            body.writeBytes("--\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] bytes = body.toByteArray();

            Recorder recorder = new Recorder();
            MultipartFormParser parser = new MultipartFormParser(boundary, recorder);
            for (int from = 0; from < bytes.length;) {
                int to = Math.min(bytes.length, from + 1 + random.nextInt(random.nextBoolean() ? 8 : 600));
                parser.feed(Buffer.buffer(Arrays.copyOfRange(bytes, from, to)));
                from = to;
            }
            parser.end();
            assertEquals(partCount, recorder.contents.size(), "round " + round + ", boundary " + boundary);
            for (int part = 0; part < partCount; part++) {
                assertEquals("p" + part, recorder.parts.get(part).name());
                assertArrayEquals(contents.get(part), recorder.contents.get(part), "round " + round + ", part " + part);
            }
        }
    }

    private static String randomBoundary(Random random) {
        String alphabet = "ab-=_ '()+,./:?0";
        StringBuilder boundary = new StringBuilder();
        int length = 1 + random.nextInt(random.nextBoolean() ? 4 : 70);
        for (int i = 0; i < length; i++) {
            boundary.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return boundary.toString();
    }

    /** Bytes drawn mostly from the delimiter's own, with pieces of it, that never hold the whole delimiter. */
    private static byte[] nearDelimiterContent(Random random, byte[] delimiter) {
        while (true) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int pieces = random.nextInt(12);
            for (int i = 0; i < pieces; i++) {
                switch (random.nextInt(3)) {
                    case 0 -> out.write(delimiter, 0, random.nextInt(delimiter.length)); // a proper prefix
                    case 1 -> out.write(delimiter[random.nextInt(delimiter.length)]);
                    default -> {
                        byte[] noise = new byte[random.nextInt(300)];
                        random.nextBytes(noise);
                        out.writeBytes(noise);
                    }
                }
            }
            byte[] content = out.toByteArray();
            byte[] withDelimiter = Arrays.copyOf(content, content.length + delimiter.length);
            System.arraycopy(delimiter, 0, withDelimiter, content.length, delimiter.length);
            if (indexOf(withDelimiter, delimiter) == content.length) {
                return content;
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void takesAnEmptyFileAndAPartWithoutContentType() {
        Recorder recorder = parse(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=file; filename=\"\"\r\n\r\n"
                + DELIMITER + "--").getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new PartHeaders("file", "", null)), recorder.parts);
        assertEquals(0, recorder.contents.get(0).length);
    }

    @Test
    void refusesAFormWithoutItsClosingBoundary() {
        byte[] body = form("", new byte[100], "");
        byte[] cut = Arrays.copyOf(body, body.length - 2 - BOUNDARY.length() - 10);
        MalformedFormException error = assertThrows(MalformedFormException.class, () -> parse(cut));
        assertTrue(error.getMessage().contains("closing boundary"), error.getMessage());
    }

    @Test
    void refusesMalformedParts() {
        String start = "--" + BOUNDARY + "\r\n";
        assertMalformed("CRLF", "--" + BOUNDARY + "x\r\n");
        assertMalformed("spaces", "--" + BOUNDARY + " ".repeat(1000) + "\r\n");
        assertMalformed("no Content-Disposition", start + "Content-Type: text/plain\r\n\r\nx" + DELIMITER + "--");
        assertMalformed("no name", start + "Content-Disposition: form-data; filename=\"a\"\r\n\r\nx" + DELIMITER + "--");
        assertMalformed("not form-data", start + "Content-Disposition: attachment; name=a\r\n\r\nx" + DELIMITER + "--");
        assertMalformed("no colon", start + "Content-Disposition form-data\r\n\r\n");
        assertMalformed("not closed", start + "Content-Disposition: form-data; name=\"a\r\n\r\n");
        assertMalformed("longer than", start + "X-Long: " + "x".repeat(MultipartFormParser.MAX_HEADER_BYTES) + "\r\n\r\n");
        assertMalformed("before its first boundary", "x".repeat((int) MultipartFormParser.MAX_PREAMBLE_BYTES + 1));
        assertMalformed("more than " + MultipartFormParser.MAX_PARTS + " parts",
                (start + "Content-Disposition: form-data; name=a\r\n\r\nx\r\n").repeat(MultipartFormParser.MAX_PARTS + 1));
    }

    private static void assertMalformed(String messagePart, String body) {
        MalformedFormException error = assertThrows(MalformedFormException.class,
                () -> parse(body.getBytes(StandardCharsets.UTF_8)));
        assertTrue(error.getMessage().contains(messagePart), error.getMessage());
    }

    @Test
    void findsTheBoundaryInTheContentType() {
        assertEquals("abc", MultipartFormParser.boundary("multipart/form-data; boundary=abc"));
        assertEquals("a b:c", MultipartFormParser.boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\""));
        assertThrows(MalformedFormException.class, () -> MultipartFormParser.boundary("multipart/form-data"));
        assertThrows(MalformedFormException.class, () -> MultipartFormParser.boundary("multipart/form-data; boundary="));
        assertThrows(MalformedFormException.class, () -> MultipartFormParser.boundary("multipart/form-data; boundary=" + "b".repeat(71)));
        assertThrows(MalformedFormException.class, () -> MultipartFormParser.boundary(null));
    }
}
