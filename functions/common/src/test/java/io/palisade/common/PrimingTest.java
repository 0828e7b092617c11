package io.palisade.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.palisade.common.state.AccountBatch;
import io.palisade.common.state.RunState;
import org.junit.jupiter.api.Test;

class PrimingTest {
    @Test
    void beforeCheckpoint_whenRunWithoutNetworkOrCredentials_primesJsonAndTheSdkInMemory() {
        Priming priming = new Priming(RunState.class, "org");

        assertThatCode(() -> priming.beforeCheckpoint(null)).doesNotThrowAnyException();

        assertThat(priming.requestsAnswered()).as("one SDK request, answered by the in-memory client").isEqualTo(1);
    }

    @Test
    void beforeCheckpoint_whenThePhaseTakesAnAccountBatch_primesThatType() {
        Priming priming = new Priming(AccountBatch.class, null);

        assertThatCode(() -> priming.beforeCheckpoint(null)).doesNotThrowAnyException();
        assertThatCode(() -> priming.afterRestore(null)).doesNotThrowAnyException();
    }

    @Test
    void payload_isARepresentativeRunState() throws Exception {
        RunState state;
        try (var in = Priming.class.getResourceAsStream(Priming.PAYLOAD)) {
            state = Json.read(in, RunState.class);
        }

        assertThat(state.config().accounts()).hasSizeGreaterThan(1);
        assertThat(state.org().targets()).hasSizeGreaterThan(1);
        assertThat(state.tempAdmin()).isNotNull();
        assertThat(state.state()).isNotNull();
        assertThat(state.batches().members()).isNotEmpty();
        assertThat(state.applied().get(0).keys()).isNotEmpty();
        assertThat(Json.read(Json.write(Json.MAPPER.readTree(Priming.class.getResourceAsStream(Priming.PAYLOAD))),
                AccountBatch.class).tasks()).hasSize(2);
    }

    @Test
    void phaseHandler_whenBuilt_keepsItsPriming() {
        PhaseHandler<RunState, RunState> handler = new PhaseHandler<>(RunState.class, "x") {
            @Override
            protected RunState handle(RunState input) {
                return input;
            }
        };

        assertThat(handler.priming()).isNotNull();
    }
}
