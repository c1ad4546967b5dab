package io.s3broker.s3;

import io.s3broker.logging.LogText;

/** A validated bucket, key and region. */
public record ObjectLocation(String region, String bucket, String key) {

    /** For messages and logs: the key is the client's own, never a secret, and escaped as all client input is. */
    @Override
    public String toString() {
        return "s3://" + bucket + "/" + LogText.escape(key);
    }
}
