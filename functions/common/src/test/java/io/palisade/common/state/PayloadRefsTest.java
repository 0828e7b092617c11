package io.palisade.common.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PayloadRefsTest {
    @Test
    void batches_whenCut_keepTheOrderAndHoldAtMostTheBatchSize() {
        List<RunState.Target> targets = IntStream.range(0, 23).mapToObj(i -> new RunState.Target("a" + i, "id" + i))
                .toList();

        List<List<String>> batches = PayloadRefs.Batches.cut(targets, 10);

        assertThat(batches).extracting(List::size).containsExactly(10, 10, 3);
        assertThat(batches.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(targets.stream().map(RunState.Target::key).toList());
    }

    @Test
    void fromEnvironment_whenTheBatchSizeIsBad_namesTheVariable() {
        assertThatThrownBy(() -> PayloadRefs.fromEnvironment(() -> null, Map.of(PayloadRefs.BATCH_ENV, "ten")))
                .hasMessageContaining(PayloadRefs.BATCH_ENV).hasMessageContaining("'ten'");
        assertThatThrownBy(() -> PayloadRefs.fromEnvironment(() -> null, Map.of(PayloadRefs.BATCH_ENV, "0")))
                .hasMessageContaining(PayloadRefs.BATCH_ENV).hasMessageContaining("1 to 50");
    }

    @Test
    void fromEnvironment_withoutARunBucket_isInline() {
        PayloadRefs refs = PayloadRefs.fromEnvironment(() -> {
            throw new AssertionError("no store without a bucket");
        }, Map.of());

        assertThat(refs.store()).isNull();
        assertThat(refs.batchSize()).isEqualTo(PayloadRefs.DEFAULT_BATCH);
    }
}
