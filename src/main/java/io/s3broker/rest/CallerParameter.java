package io.s3broker.rest;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;

import io.quarkus.arc.Unremovable;
import io.s3broker.auth.Caller;
import io.vertx.ext.web.RoutingContext;

/**
 * The caller as a resource method's parameter: Quarkus REST resolves a {@code @Context} parameter of a type it does
 * not know itself through CDI, which lands here, for the request being served (docs/decisions/0032).
 */
@Singleton
class CallerParameter {

    /** Looked up by Quarkus REST at run time only, which ArC cannot see when it removes unused beans. */
    @Produces
    @Dependent
    @Unremovable
    Caller caller() {
        return CallerFilter.caller(CurrentRequestManager.get().unwrap(RoutingContext.class));
    }
}
