package bench.trivial;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.common.annotation.NonBlocking;

/**
 * The least a Quarkus REST endpoint can do: answer a constant small JSON object. On the event loop, like the
 * broker's GET /item (which returns a Uni), so neither pays a hop to a worker thread.
 */
@Path("/constant")
@Produces(MediaType.APPLICATION_JSON)
public class ConstantResource {

    public record Constant(boolean success, String message) {
    }

    private static final Constant CONSTANT = new Constant(true, "constant");

    @GET
    @NonBlocking
    public Constant get() {
        return CONSTANT;
    }
}
