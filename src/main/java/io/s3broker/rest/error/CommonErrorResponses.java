package io.s3broker.rest.error;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Documents the errors every resource route can answer (the JSON body of the README's error table, the {@code Error}
 * response of META-INF/openapi.yaml): a malformed request (400), no valid credential (401), a target outside the
 * caller's allow-list (403), the caller's rate limit (429), S3 credentials unavailable (503). A resource states only
 * the errors of its own (404, 413, 502, 504); an operation that already documents any of these (the Vert.x routes of
 * META-INF/openapi.yaml list theirs one by one) is left as it is. Run once, at build time.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class CommonErrorResponses implements OASFilter {

    static final List<String> EVERY_ROUTE = List.of("400", "401", "403", "429", "503");

    @Override
    public Operation filterOperation(Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        if (EVERY_ROUTE.stream().noneMatch(responses::hasAPIResponse)) {
            EVERY_ROUTE.forEach(status -> responses.addAPIResponse(status, OASFactory.createAPIResponse().ref("Error")));
        }
        return operation;
    }
}
