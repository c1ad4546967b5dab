package io.s3broker.upload.form;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.s3broker.upload.UploadFailure;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The file part's stream ends only with the whole form: it completes once the closing boundary was read, and fails
 * when a part follows the file or the form breaks off after it, so that an upload is never made visible on a form
 * that turns out invalid. Fed by hand, chunk by chunk, as a request would.
 */
class StreamingFormDecoderTest {

    static final String BOUNDARY = "b0undary";
    static final String HEAD = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n"
            + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n";

    /** A request body pushed by the test. */
    static final class Body implements ReadStream<Buffer> {
        Handler<Buffer> chunks;
        Handler<Void> end;
        Handler<Throwable> errors;
        boolean paused;

        void push(String text) {
            chunks.handle(Buffer.buffer(text.getBytes(StandardCharsets.ISO_8859_1)));
        }

        @Override
        public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
            errors = handler;
            return this;
        }

        @Override
        public ReadStream<Buffer> handler(Handler<Buffer> handler) {
            chunks = handler;
            return this;
        }

        @Override
        public ReadStream<Buffer> pause() {
            paused = true;
            return this;
        }

        @Override
        public ReadStream<Buffer> resume() {
            paused = false;
            return this;
        }

        @Override
        public ReadStream<Buffer> fetch(long amount) {
            return resume();
        }

        @Override
        public ReadStream<Buffer> endHandler(Handler<Void> handler) {
            end = handler;
            return this;
        }
    }

    /** What the file part's stream and the listener saw. */
    static final class Seen implements StreamingFormDecoder.Listener {
        final StringBuilder file = new StringBuilder();
        boolean completed;
        Throwable failed;
        final List<String> told = new ArrayList<>();

        @Override
        public void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part) {
            told.add("file " + partName + " after " + fields);
            part.stream().subscribe().with(chunk -> file.append(chunk.toString(StandardCharsets.ISO_8859_1)),
                    error -> failed = error, () -> completed = true);
        }

        @Override
        public void endedWithoutFile() {
            told.add("no file");
        }

        @Override
        public void failed(Throwable error) {
            told.add("failed " + error.getMessage());
        }
    }

    final Body body = new Body();
    final Seen seen = new Seen();

    private void decode() {
        new StreamingFormDecoder(body, "multipart/form-data; boundary=" + BOUNDARY, -1, seen);
    }

    @Test
    void theFilesStreamCompletesOnlyOnceTheFormHasEnded() {
        decode();
        body.push(HEAD + "the file's bytes");
        body.push("\r\n--" + BOUNDARY);
        assertEquals("the file's bytes", seen.file.toString());
        assertFalse(seen.completed, "the file's content is over, the form is not");
        body.push("--\r\n");
        assertFalse(seen.completed, "the closing boundary is read, the body may still break off");
        body.end.handle(null);
        assertTrue(seen.completed);
        assertNull(seen.failed);
        assertEquals(List.of("file file after {key=k}"), seen.told);
    }

    @Test
    void aFieldAfterTheFileFailsTheFilesStream() {
        decode();
        body.push(HEAD + "bytes\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"region\"\r\n\r\nx\r\n");
        UploadFailure failure = assertInstanceOf(UploadFailure.class, seen.failed);
        assertEquals(UploadFailure.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("[region] came after it"), failure.getMessage());
        assertFalse(seen.completed);
    }

    @Test
    void aSecondFileFailsTheFirstOnesStream() {
        decode();
        body.push(HEAD + "bytes\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"g\"\r\n\r\n");
        assertTrue(seen.failed.getMessage().contains("exactly one file part"), seen.failed.getMessage());
    }

    @Test
    void aFormThatBreaksOffAfterTheFileFailsItsStreamAsARejectedForm() {
        decode();
        body.push(HEAD + "bytes\r\n--" + BOUNDARY + "\r\n");
        body.errors.handle(new IOException("connection reset"));
        UploadFailure failure = assertInstanceOf(UploadFailure.class, seen.failed);
        assertEquals(UploadFailure.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().startsWith("Malformed multipart form or broken connection"), failure.getMessage());
    }

    @Test
    void aFormThatBreaksOffInsideTheFileFailsItsStreamWithWhatBroke() {
        decode();
        body.push(HEAD + "bytes");
        IOException reset = new IOException("connection reset");
        body.errors.handle(reset);
        assertEquals(reset, seen.failed);
    }

    @Test
    void aFormWithoutAFileIsToldSo() {
        decode();
        body.push("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--" + BOUNDARY + "--\r\n");
        body.end.handle(null);
        assertEquals(List.of("no file"), seen.told);
    }
}
