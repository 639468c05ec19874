package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.WireRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-over queue's bounds in records and in estimated bytes, and the batches the sender takes from it. */
class RecordQueueTest {

    @Test
    void theByteBoundTurnsRecordsAwayAndHalfOfItSignalsTheSender() {
        WireRecord big = Records.checkpointWithTensors("run-1", 1, 2000);
        long each = WireSize.of(big);
        RecordQueue queue = new RecordQueue(2048, 4 * each + each / 2);

        assertThat(queue.offer(big)).isEqualTo(RecordQueue.QUEUED);
        assertThat(queue.offer(big)).isEqualTo(RecordQueue.QUEUED);
        assertThat(queue.halfFull()).isFalse();
        assertThat(queue.offer(big)).isEqualTo(RecordQueue.HALF_FULL); // 3 of 4.5 records' bytes
        assertThat(queue.halfFull()).isTrue();
        assertThat(queue.offer(big)).isEqualTo(RecordQueue.QUEUED);
        assertThat(queue.offer(big)).isEqualTo(RecordQueue.FULL);
        assertThat(queue.size()).isEqualTo(4);
        assertThat(queue.holdsBatch(64, 2 * each)).isTrue();

        List<WireRecord> batch = new ArrayList<>();
        assertThat(queue.drainTo(batch, 64, 2 * each)).isEqualTo(2); // a batch of at most 2 records' bytes
        assertThat(queue.drainTo(batch, 64, 1)).isEqualTo(1); // the first always moves
        assertThat(queue.drainTo(batch, 64, Long.MAX_VALUE)).isEqualTo(1);
        assertThat(queue.size()).isZero();
        assertThat(queue.halfFull()).isFalse();
        assertThat(queue.holdsBatch(64, 1)).isFalse();
        assertThat(queue.offer(big)).isEqualTo(RecordQueue.QUEUED); // its bytes were given back
    }

    @Test
    void aRecordLargerThanTheWholeBoundWaitsAloneAndATinyBoundIsNotHalfFullWhenEmpty() {
        RecordQueue queue = new RecordQueue(2048, 1);
        assertThat(queue.halfFull()).isFalse();
        assertThat(queue.offer(Records.checkpoint("run-1", 1))).isEqualTo(RecordQueue.HALF_FULL);
        assertThat(queue.offer(Records.checkpoint("run-1", 2))).isEqualTo(RecordQueue.FULL);
        assertThat(queue.size()).isEqualTo(1);
    }
}
