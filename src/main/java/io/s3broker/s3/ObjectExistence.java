package io.s3broker.s3;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.aws.RegionClients;
import io.s3broker.aws.S3Clients;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;

/**
 * Whether an object exists: one HeadObject, sent by {@link HeadObjectClient}; a HeadBucket only when that answers
 * 404, to tell a missing bucket from a missing key.
 */
@ApplicationScoped
public class ObjectExistence {

    private final S3Clients clients;
    private final BucketUrls buckets;
    private final SigV4Signer signer;
    private final HeadObjectClient heads;
    private final S3CallTimer calls;
    private final Duration timeout;
    private final Clock clock = Clock.systemUTC();

    public ObjectExistence(S3Clients clients, BucketUrls buckets, SigV4Signer signer, HeadObjectClient heads,
            S3CallTimer calls, BrokerConfig config) {
        this.clients = clients;
        this.buckets = buckets;
        this.signer = signer;
        this.heads = heads;
        this.calls = calls;
        this.timeout = config.s3().timeout();
    }

    /**
     * Completes when the object exists; fails with an {@link S3Failure} ({@code NO_SUCH_KEY}, {@code NO_SUCH_BUCKET},
     * ...) when not. {@code credentials} signs the HeadObject; the rare HeadBucket goes through the SDK with the
     * scope's provider.
     */
    public Uni<Void> check(ObjectLocation object, CachedCredentials credentials, ScopeCredentials scope) {
        RegionClients region = clients.forRegion(object.region());
        return calls.timedUni("HeadObject", () -> heads.head(signHead(region, object, credentials), timeout))
                .onFailure(S3Errors::isNotFound).recoverWithUni(notFound -> whichIsMissing(region, object, scope))
                .onFailure().transform(e -> S3Errors.translate(e, object.toString()));
    }

    private HeadObjectClient.SignedHead signHead(RegionClients region, ObjectLocation object, CachedCredentials credentials) {
        SigV4Signer.Target target = buckets.target(region, object.bucket(), object.key());
        Map<String, String> headers = signer.authorize("HEAD", target, region.region(), credentials.credentials(),
                clock.instant());
        return new HeadObjectClient.SignedHead(target.url(), headers);
    }

    private Uni<Void> whichIsMissing(RegionClients region, ObjectLocation object, ScopeCredentials scope) {
        HeadBucketRequest head = HeadBucketRequest.builder()
                .bucket(object.bucket())
                .overrideConfiguration(S3Store.signedBy(scope, timeout))
                .build();
        return Uni.createFrom().completionStage(() -> calls.timed("HeadBucket", () -> region.retrying().headBucket(head)))
                .onItemOrFailure().transformToUni((found, error) -> {
                    if (error == null) {
                        return Uni.createFrom().failure(new S3Failure(S3Failure.Kind.NO_SUCH_KEY, "No such key: " + object));
                    }
                    if (S3Errors.isNotFound(error)) {
                        return Uni.createFrom().failure(
                                new S3Failure(S3Failure.Kind.NO_SUCH_BUCKET, "No such bucket: " + object.bucket()));
                    }
                    return Uni.createFrom().failure(S3Errors.translate(error, object.toString()));
                });
    }
}
