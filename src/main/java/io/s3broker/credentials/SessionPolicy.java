package io.s3broker.credentials;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The inline session policy of a scope's AssumeRole: the role's rights narrowed to the scope's grants. Compact JSON,
 * because Ceph RGW cannot parse a policy with spaces.
 */
public final class SessionPolicy {

    /** STS refuses an inline session policy of more than 2048 characters. */
    public static final int MAX_LENGTH = 2048;
    private static final Pattern PARTITION = Pattern.compile("arn:([a-z-]+):iam:.*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String partition;
    private final Optional<String> acl;

    /**
     * @param roleArn the role assumed, whose partition ({@code aws}, {@code aws-cn}, {@code aws-us-gov}) the
     *        policy's resources must name
     * @param acl the canned ACL uploads set, if any, which needs {@code s3:PutObjectAcl}
     */
    public SessionPolicy(String roleArn, Optional<String> acl) {
        Matcher matcher = PARTITION.matcher(roleArn);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Not a role ARN: " + roleArn);
        }
        this.partition = matcher.group(1);
        this.acl = acl;
    }

    /** The policy of {@code scope}; null for an {@link Scope#unrestricted() unrestricted} one, which has none. */
    public String forScope(Scope scope) {
        if (scope.unrestricted()) {
            return null;
        }
        List<Map<String, Object>> statements = new ArrayList<>();
        if (scope.grants().isEmpty()) {
            statements.add(statement("Deny", List.of("s3:*"), List.of("*"), null));
        }
        for (Grant grant : scope.grants()) {
            String objects = "arn:" + partition + ":s3:::" + grant.bucket() + "/" + grant.prefix() + "*";
            String bucket = "arn:" + partition + ":s3:::" + grant.bucket();
            if (grant.access() == Access.DELETE) {
                statements.add(statement("Allow", List.of("s3:DeleteObject"), List.of(objects), null));
            } else if (grant.access() == Access.LIST_UPLOADS) {
                statements.add(statement("Allow", List.of("s3:ListBucketMultipartUploads"), List.of(bucket), null));
            } else if (grant.access() == Access.READ) {
                statements.add(statement("Allow", List.of("s3:GetObject"), List.of(objects), null));
                // Without ListBucket, S3 answers a HeadObject of a missing key with 403, not 404. The broker's own
                // credentials may list the bucket; vended ones only their prefix (a HeadObject carries no prefix).
                statements.add(statement("Allow", List.of("s3:ListBucket"), List.of(bucket), scope.vended()
                        ? Map.of("StringLike", Map.of("s3:prefix", List.of(grant.prefix() + "*")))
                        : null));
            } else {
                List<String> actions = new ArrayList<>(List.of("s3:PutObject", "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts"));
                if (!scope.vended()) {
                    // The broker reads an uploaded object's ETag back with a HeadObject (RGW leaves it empty).
                    actions.add("s3:GetObject");
                }
                statements.add(statement("Allow", actions, List.of(objects), null));
                // The ACL uploads set, and no other: vended credentials could otherwise make their objects public.
                acl.ifPresent(value -> statements.add(statement("Allow", List.of("s3:PutObjectAcl"), List.of(objects),
                        Map.of("StringEquals", Map.of("s3:x-amz-acl", List.of(value))))));
            }
        }
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", statements);
        try {
            return JSON.writeValueAsString(policy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> statement(String effect, List<String> actions, List<String> resources,
            Map<String, Object> condition) {
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("Effect", effect);
        statement.put("Action", actions);
        statement.put("Resource", resources);
        if (condition != null) {
            statement.put("Condition", condition);
        }
        return statement;
    }
}
