package io.s3broker.s3;

import java.util.Optional;

import io.s3broker.credentials.ScopeCredentials;

/**
 * Where an object is written, what S3 stores with it, and the scope that allowed the write: every S3 call of the
 * write is signed with that scope's credentials.
 *
 * @param contentType the object's Content-Type; none leaves it to S3
 * @param acl a canned ACL for the object ({@code broker.upload.acl})
 */
public record WriteTarget(ObjectLocation location, Optional<String> contentType, Optional<String> acl,
        ScopeCredentials scope) {
}
