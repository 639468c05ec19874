package dev.driftwatch.plugin.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;

/** {@link LmProbes} against inputs, masks and targets written out by hand. */
class LmProbesTest {

    @Test
    void aShortExampleIsPaddedAndScoredOnItsCompletionOnly() {
        ProbeSet probes = LmProbes.builder(8).add("a", "on-task", new long[] {1, 2}, new long[] {3, 4, 5}).build();
        assertThat(tokens(probes, 0)).containsExactly(1, 2, 3, 4, 5, 0, 0, 0);
        // position p predicts token p + 1: positions 1, 2, 3 predict the completion 3, 4, 5
        assertThat(probes.mask()).containsExactly(0, 1, 1, 1, 0, 0, 0, 0);
        assertThat(probes.targets()).containsExactly(0, 3, 4, 5, 0, 0, 0, 0);
        assertThat(probes.isSequence()).isTrue();
        assertThat(probes.positions()).isEqualTo(8);
        assertThat(probes.ids()).containsExactly("a");
        assertThat(probes.slices()).containsExactly("on-task");
    }

    @Test
    void aLongExampleIsCutAndItsLastPositionPredictsTheTokenPastTheInput() {
        ProbeSet probes = LmProbes.builder(3).add("b", "s", new long[] {7}, new long[] {8, 9, 10, 11}).build();
        assertThat(tokens(probes, 0)).containsExactly(7, 8, 9);
        assertThat(probes.mask()).containsExactly(1, 1, 1);
        assertThat(probes.targets()).containsExactly(8, 9, 10);
    }

    @Test
    void aPromptAsLongAsTheContextLeavesItsLastPositionScored() {
        ProbeSet probes = LmProbes.builder(3).add("c", "s", new long[] {1, 2, 3}, new long[] {4}).build();
        assertThat(tokens(probes, 0)).containsExactly(1, 2, 3);
        assertThat(probes.mask()).containsExactly(0, 0, 1);
        assertThat(probes.targets()).containsExactly(0, 0, 4);
    }

    @Test
    void thePadTokenAndTheAttentionMask() {
        ProbeSet probes = LmProbes.builder(5).optPadToken(99).optAttentionMask()
                .add("d", "s", new long[] {1}, new long[] {2})
                .add("e", "t", new long[] {1, 5}, new long[] {6, 7})
                .build();
        assertThat(probes.inputs()).extracting(ProbeInput::name).containsExactly("tokens", "attention_mask");
        assertThat(tokens(probes, 0)).containsExactly(1, 2, 99, 99, 99, 1, 5, 6, 7, 99);
        assertThat(tokens(probes, 1)).containsExactly(1, 1, 0, 0, 0, 1, 1, 1, 1, 0);
        assertThat(probes.mask()).containsExactly(1, 0, 0, 0, 0, 0, 1, 1, 0, 0);
        assertThat(probes.targets()).containsExactly(2, 99, 99, 99, 99, 99, 6, 7, 99, 99);
        assertThat(probes.sliceNames()).containsExactly("s", "t");
    }

    @Test
    void whatCannotBeScoredIsRefusedWithTheExampleNamed() {
        assertThatThrownBy(() -> LmProbes.builder(1)).hasMessageContaining("context must be >= 2");
        LmProbes.Builder b = LmProbes.builder(4);
        assertThatThrownBy(() -> b.add("x", "s", new long[0], new long[] {1}))
                .hasMessageContaining("example 0 (x)").hasMessageContaining("beginning-of-sequence");
        assertThatThrownBy(() -> b.add("x", "s", new long[] {1}, new long[0])).hasMessageContaining("completion is empty");
        assertThatThrownBy(() -> b.add("x", "s", new long[] {1, 2, 3, 4, 5}, new long[] {6}))
                .hasMessageContaining("5 tokens, more than the context of 4");
        assertThatThrownBy(() -> b.add("x", "s", new long[] {1}, new long[] {2, -3}))
                .hasMessageContaining("completion has a negative token id at 1");
        assertThatThrownBy(() -> b.optPadToken(-1)).hasMessageContaining("pad id must be >= 0");
        assertThatThrownBy(b::build).hasMessageContaining("no examples");
        // what ProbeSet refuses, it refuses here too
        b.add("same", "s", new long[] {1}, new long[] {2}).add("same", "s", new long[] {1}, new long[] {3});
        assertThatThrownBy(b::build).hasMessageContaining("unique");
    }

    /** Input k's values, all examples, as longs. */
    private static long[] tokens(ProbeSet probes, int k) {
        ProbeInput in = probes.inputs().get(k);
        assertThat(in.dataType()).isEqualTo(DataType.INT64);
        LongBuffer values = in.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        long[] out = new long[values.remaining()];
        values.get(out);
        return out;
    }
}
