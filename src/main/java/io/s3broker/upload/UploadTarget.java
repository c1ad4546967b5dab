package io.s3broker.upload;

import java.util.Optional;

import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.s3.ObjectLocation;

/**
 * Where an upload goes, what S3 stores with it, and the credentials of the write scope that allows it: every S3
 * call of the upload is signed with those.
 */
public record UploadTarget(ObjectLocation location, String contentType, Optional<String> acl,
        ScopeCredentials credentials) {
}
