package io.palisade.common;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.state.PayloadOffload;
import io.palisade.common.state.PayloadRefs;

/**
 * A run-level phase that returns the config or the organization (load-config, create, plan and
 * await accounts): what it returns is stored in the run bucket and the payload keeps a reference
 * ({@link PayloadOffload}). Only these phases' roles may write the run bucket's {@code runs/*}
 * for it.
 */
public abstract class OffloadingPhaseHandler<I, O> extends PhaseHandler<I, O> {
    protected OffloadingPhaseHandler(Class<I> inputType, String resultField) {
        super(inputType, resultField);
    }

    @Override
    protected final void beforeOutput(ObjectNode payload, PayloadRefs refs) {
        PayloadOffload.of(refs).offload(payload, payload.path("run").path("id").asText(null));
    }
}
