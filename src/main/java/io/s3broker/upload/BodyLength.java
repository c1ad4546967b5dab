package io.s3broker.upload;

/**
 * What is known of an upload body's length before any of it is read.
 *
 * @param exact the body's length, or -1 when the client did not declare it
 * @param least the fewest bytes a valid body can have (the exact length when it is declared; for a form with a
 *        Content-Length, all of it but the form's framing), or -1 when nothing is known: that many bytes can be
 *        streamed to S3 as they arrive, in one part, even when the exact length is unknown
 */
public record BodyLength(long exact, long least) {

    /** A raw body: its Content-Length, or -1 when it has none (chunked). */
    public static BodyLength declared(long contentLength) {
        return new BodyLength(contentLength, contentLength);
    }

    /** A body of unknown length that has at least {@code least} bytes. */
    public static BodyLength atLeast(long least) {
        return new BodyLength(-1, least);
    }
}
