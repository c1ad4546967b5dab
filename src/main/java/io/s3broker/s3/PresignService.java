package io.s3broker.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.CredentialsCache;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;

/** Checks objects and presigns GET URLs with the cached role credentials. */
@ApplicationScoped
public class PresignService {

    private final S3Clients clients;
    private final CredentialsCache credentials;
    private final S3Calls calls;
    private final HeadObjectClient heads;
    private final Duration s3Timeout;
    private final Clock clock = Clock.systemUTC();
    private final UrlSigner urls = new UrlSigner();

    public PresignService(S3Clients clients, CredentialsCache credentials, S3Calls calls, HeadObjectClient heads,
            BrokerConfig config) {
        this.clients = clients;
        this.credentials = credentials;
        this.calls = calls;
        this.heads = heads;
        this.s3Timeout = config.s3().timeout();
    }

    /**
     * A presigned GetObject URL valid for {@code expiresIn}, or until the signing credentials expire if that is
     * sooner (the URL must never outlive them). With {@code check}, the object must exist first.
     */
    public Uni<PresignedUrl> presignGet(ObjectLocation object, Duration expiresIn, boolean check) {
        return clients.forRegion(object.region())
                .flatMap(region -> Uni.createFrom().completionStage(() -> credentials.get(expiresIn))
                        .flatMap(signer -> {
                            Uni<Void> exists = check ? headObject(region, object, signer) : Uni.createFrom().voidItem();
                            return exists.map(ignored -> signGet(region, object, signer, expiresIn));
                        }));
    }

    private PresignedUrl signGet(RegionClients region, ObjectLocation object, CachedCredentials signer, Duration expiresIn) {
        Instant now = clock.instant();
        return urls.sign(region, SdkHttpMethod.GET, object.bucket(), object.key(), Map.of(), signer.credentials(),
                lifetime(signer, expiresIn, now), now);
    }

    /**
     * A presigned PutObject URL for a client that uploads directly; with {@code contentType}, the client must send
     * exactly that Content-Type (it is signed), and likewise the ACL header. Same lifetime rule as {@link #presignGet}.
     */
    public Uni<PresignedUrl> presignPut(ObjectLocation object, Duration expiresIn, Optional<String> contentType,
            Optional<String> acl) {
        Map<String, String> headers = new TreeMap<>();
        contentType.ifPresent(type -> headers.put("content-type", type));
        acl.ifPresent(value -> headers.put("x-amz-acl", value));
        return clients.forRegion(object.region())
                .flatMap(region -> Uni.createFrom().completionStage(() -> credentials.get(expiresIn))
                        .map(signer -> {
                            Instant now = clock.instant();
                            return urls.sign(region, SdkHttpMethod.PUT, object.bucket(), object.key(), headers,
                                    signer.credentials(), lifetime(signer, expiresIn, now), now);
                        }));
    }

    /** What is asked for, cut to the credentials' remaining life in whole seconds (SigV4's unit). */
    static Duration lifetime(CachedCredentials signer, Duration expiresIn, Instant now) {
        Duration remaining = Duration.ofSeconds(signer.remaining(now).toSeconds());
        return remaining.compareTo(expiresIn) < 0 ? remaining : expiresIn;
    }

    /** One HeadObject; a HeadBucket only when that fails with 404, to tell a missing bucket from a missing key. */
    private Uni<Void> headObject(RegionClients region, ObjectLocation object, CachedCredentials signer) {
        return calls.timedUni("HeadObject", () -> heads.head(
                        urls.signHeadObject(region, object.bucket(), object.key(), signer.credentials(), clock.instant()),
                        s3Timeout))
                .onFailure(S3Errors::isNotFound).recoverWithUni(notFound -> whichIsMissing(region, object))
                .onFailure().transform(e -> S3Errors.translate(e, object.toString()));
    }

    private Uni<Void> whichIsMissing(RegionClients region, ObjectLocation object) {
        HeadBucketRequest head = HeadBucketRequest.builder()
                .bucket(object.bucket())
                .overrideConfiguration(o -> o.apiCallTimeout(s3Timeout))
                .build();
        return Uni.createFrom().completionStage(() -> calls.timed("HeadBucket", () -> region.s3().headBucket(head)))
                .onItemOrFailure().transformToUni((found, error) -> {
                    if (error == null) {
                        return Uni.createFrom().failure(new BrokerException(ErrorCode.NO_SUCH_KEY, "No such key: " + object));
                    }
                    if (S3Errors.isNotFound(error)) {
                        return Uni.createFrom().failure(
                                new BrokerException(ErrorCode.NO_SUCH_BUCKET, "No such bucket: " + object.bucket()));
                    }
                    return Uni.createFrom().failure(S3Errors.translate(error, object.toString()));
                });
    }
}
