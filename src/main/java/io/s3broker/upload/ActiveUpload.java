package io.s3broker.upload;

import java.util.concurrent.CompletableFuture;

/** An upload under way, which shutdown may have to abort. */
interface ActiveUpload {

    /** Stops the upload; whatever it wrote to S3 is removed before {@link #done()} completes. */
    void abort(Throwable reason);

    CompletableFuture<?> done();
}
