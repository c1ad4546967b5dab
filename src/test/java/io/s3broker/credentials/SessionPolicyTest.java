package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The inline session policy of a scope: compact JSON, the role's partition, the actions of each access only. */
class SessionPolicyTest {

    static final Duration HOUR = Duration.ofHours(1);

    @Test
    void aReadScopeAllowsGetObjectUnderItsPrefixAndListBucketInCompactJson() {
        String policy = new SessionPolicy("arn:aws:iam::123456789012:role/r", Optional.empty())
                .forScope(Scope.of(new Grant(Access.READ, "photos", "public/"), HOUR));
        assertFalse(policy.contains(" "), "RGW takes compact JSON only: " + policy);
        assertTrue(policy.contains("\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::photos/public/*\"]"), policy);
        assertTrue(policy.contains("\"Action\":[\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::photos\"]"), policy);
        assertFalse(policy.contains("PutObject"), policy);
    }

    @Test
    void aWriteScopeAllowsTheUploadActionsAndTheAclOnlyWhenConfigured() {
        Scope write = Scope.of(new Grant(Access.WRITE, "photos", "in/"), HOUR);
        String plain = new SessionPolicy("arn:aws-cn:iam::123456789012:role/r", Optional.empty()).forScope(write);
        assertTrue(plain.contains("\"s3:PutObject\",\"s3:AbortMultipartUpload\""), plain);
        assertTrue(plain.contains("arn:aws-cn:s3:::photos/in/*"), "the partition of the role: " + plain);
        assertFalse(plain.contains("PutObjectAcl"), plain);
        assertFalse(plain.contains("ListBucket"), plain);
    }

    @Test
    void theAclStatementAllowsOnlyTheConfiguredAcl() {
        SessionPolicy policies = new SessionPolicy("arn:aws:iam::1:role/r", Optional.of("bucket-owner-full-control"));
        String acl = "{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObjectAcl\"],\"Resource\":[\"arn:aws:s3:::photos/in/*\"],"
                + "\"Condition\":{\"StringEquals\":{\"s3:x-amz-acl\":[\"bucket-owner-full-control\"]}}}";
        for (Scope scope : List.of(Scope.of(new Grant(Access.WRITE, "photos", "in/"), HOUR),
                new Scope(List.of(new Grant(Access.WRITE, "photos", "in/")), "alice", Duration.ofMinutes(15)))) {
            String policy = policies.forScope(scope);
            assertTrue(policy.contains(acl), policy);
            // Nowhere else: the upload actions' statement has no s3:PutObjectAcl of its own.
            assertEquals(policy.indexOf("s3:PutObjectAcl"), policy.lastIndexOf("s3:PutObjectAcl"), policy);
        }
    }

    @Test
    void theBrokersOwnGrantsForResumableUploadsAllowOnlyDeletingTheirStatesAndListingUploads() {
        SessionPolicy policies = new SessionPolicy("arn:aws:iam::1:role/r", Optional.empty());
        String delete = policies.forScope(Scope.of(new Grant(Access.DELETE, "photos", "tus/alice/.tus/"), HOUR));
        assertEquals("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:DeleteObject\"],"
                + "\"Resource\":[\"arn:aws:s3:::photos/tus/alice/.tus/*\"]}]}", delete);
        String list = policies.forScope(Scope.of(new Grant(Access.LIST_UPLOADS, "photos", "tus/"), HOUR));
        assertEquals("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"s3:ListBucketMultipartUploads\"],\"Resource\":[\"arn:aws:s3:::photos\"]}]}", list);
    }

    @Test
    void anUnrestrictedScopeHasNoPolicy() {
        assertEquals(null, new SessionPolicy("arn:aws:iam::1:role/r", Optional.empty()).forScope(Scope.unrestricted(HOUR)));
    }

    @Test
    void vendedScopesListOnlyTheirPrefixesAndTheProbeDeniesAll() {
        SessionPolicy policies = new SessionPolicy("arn:aws:iam:::role/r", Optional.empty());
        String vended = policies.forScope(new Scope(List.of(new Grant(Access.READ, "photos", "public/"),
                new Grant(Access.WRITE, "photos", "in/")), "alice", Duration.ofMinutes(15)));
        assertTrue(vended.contains("\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"public/*\"]}}"), vended);
        assertFalse(vended.contains("\"s3:PutObject\",\"s3:AbortMultipartUpload\",\"s3:ListMultipartUploadParts\",\"s3:GetObject\""),
                "vended write scopes cannot read back: " + vended);
        assertEquals("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"s3:*\"],"
                + "\"Resource\":[\"*\"]}]}", policies.forScope(Scope.probe(HOUR)));
    }

    @Test
    void aLongAllowListMakesAPolicyOverTheStsLimit() {
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            grants.add(new Grant(Access.READ, "photos", "a-rather-long-prefix-number-" + i + "/"));
        }
        String policy = new SessionPolicy("arn:aws:iam:::role/r", Optional.empty()).forScope(new Scope(grants, "bob", HOUR));
        assertTrue(policy.length() > SessionPolicy.MAX_LENGTH, "length " + policy.length());
    }

    @Test
    void notARoleArnIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SessionPolicy("role/r", Optional.empty()));
    }
}
