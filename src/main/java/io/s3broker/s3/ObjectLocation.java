package io.s3broker.s3;

/** A validated bucket, key and region. */
public record ObjectLocation(String region, String bucket, String key) {

    /** For messages and logs: the key is the client's own, never a secret. */
    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
