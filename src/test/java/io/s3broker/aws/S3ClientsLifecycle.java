package io.s3broker.aws;

/** Lets tests of other packages close the {@link S3Clients} they build, as the container does at shutdown. */
public final class S3ClientsLifecycle {

    private S3ClientsLifecycle() {
    }

    public static void close(S3Clients clients) {
        clients.close();
    }
}
