package io.s3broker.upload;

import java.util.Map;
import java.util.function.LongFunction;

import io.s3broker.auth.Caller;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

/**
 * Bytes to add to a multipart upload that exists, as a resumable upload (tus) hands them over. Its parts are placed by
 * their offset: part number {@code offset / unit + 1}, so that every part says itself where its bytes belong, and
 * any request, on any broker, can tell what is stored from S3's list of parts alone
 * (docs/decisions/0031-resumable-upload-tails.md).
 *
 * @param target the object being uploaded (allowed already); its scope signs the parts
 * @param uploadId its multipart upload
 * @param start the offset of the body's first byte, a multiple of {@code unit}
 * @param unit the offset step of part numbers; every part but the object's last is a multiple of it
 * @param end the object's whole length: the body may not pass it, and the part that reaches it is the last
 * @param bodyEnd the offset the body can reach at most: where its Content-Length ends, else {@code end}
 * @param body the bytes from {@code start} on (bytes kept from before first, then the client's), not yet read
 * @param tail where bytes that cannot be a part yet are kept (S3's smallest part is 5 MiB): one object, overwritten
 * @param tailMetadata the user metadata to store with a tail that starts at the given offset
 * @param context the request's Vert.x context: the upload runs on it, and is answered on it
 */
public record AppendRequest(Caller caller, WriteTarget target, String uploadId, long start, long unit, long end,
        long bodyEnd, Multi<Buffer> body, WriteTarget tail, LongFunction<Map<String, String>> tailMetadata,
        Context context) {
}
