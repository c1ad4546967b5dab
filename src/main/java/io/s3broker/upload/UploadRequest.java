package io.s3broker.upload;

import io.s3broker.auth.Caller;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

/**
 * One upload as a route hands it over: who sends it, where it goes (allowed already), what is known of its length,
 * and the body, not yet read.
 *
 * @param context the request's Vert.x context: the upload runs on it, and is answered on it
 */
public record UploadRequest(Caller caller, WriteTarget target, BodyLength length, Multi<Buffer> body, Context context) {
}
