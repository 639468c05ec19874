package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertStateMachineTest {

    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    /** Feeds a sequence of condition results one checkpoint apart and collects states and notifications. */
    private static final class Run {
        final AlertState state = new AlertState(1, "");
        final List<String> states = new ArrayList<>();
        final List<String> notifications = new ArrayList<>();
        long step;

        Run feed(int forCount, Duration repeat, Duration spacing, boolean... holds) {
            return feed(forCount, 1, repeat, spacing, holds);
        }

        Run feed(int forCount, int keepFiringFor, Duration repeat, Duration spacing, boolean... holds) {
            for (boolean h : holds) {
                step += 10;
                Instant now = T0.plus(spacing.multipliedBy(step / 10));
                AlertStateMachine.Change c = AlertStateMachine.apply(state, h, step, h ? 1.0 : 0.0, "s", forCount,
                        keepFiringFor, repeat, now);
                states.add(state.state == null ? null : state.state.wireName());
                if (c.notification() != null) {
                    notifications.add(c.notification().wireName());
                }
            }
            return this;
        }
    }

    @Test
    void keepFiringForHoldsAFiringAlertThroughShortGapsAndResolvesOnceTheConditionStaysAway() {
        // fires, misses one checkpoint (still firing), holds, misses two (still firing), misses a third: resolved
        Run r = new Run().feed(1, 3, Duration.ZERO, Duration.ofSeconds(1), true, false, true, false, false, false, false);
        assertThat(r.states).containsExactly("firing", "firing", "firing", "firing", "firing", "resolved", "resolved");
        assertThat(r.notifications).containsExactly("firing", "resolved");
        // the same sequence with keepFiringFor 1 flaps: fire, resolve, fire, resolve
        Run flapping = new Run().feed(1, 1, Duration.ZERO, Duration.ofSeconds(1), true, false, true, false, false,
                false, false);
        assertThat(flapping.notifications).containsExactly("firing", "resolved", "firing", "resolved");
        // a pending episode still clears at once: keepFiringFor is about firing alerts
        Run pending = new Run().feed(3, 3, Duration.ZERO, Duration.ofSeconds(1), true, false);
        assertThat(pending.states).containsExactly("pending", "cleared");
        assertThat(pending.notifications).isEmpty();
    }

    @Test
    void forOneFiresAtOnceAndResolvesOnce() {
        Run r = new Run().feed(1, Duration.ZERO, Duration.ofSeconds(1), true, true, false, false);
        assertThat(r.states).containsExactly("firing", "firing", "resolved", "resolved");
        assertThat(r.notifications).containsExactly("firing", "resolved");
    }

    @Test
    void forThreeWaitsForThreeConsecutiveCheckpoints() {
        Run r = new Run().feed(3, Duration.ZERO, Duration.ofSeconds(1), true, true, true, true);
        assertThat(r.states).containsExactly("pending", "pending", "firing", "firing");
        assertThat(r.notifications).containsExactly("firing");
        assertThat(r.state.startedStep).isEqualTo(10);
        assertThat(r.state.consecutive).isEqualTo(4);
    }

    @Test
    void pendingThatClearsNeverNotifies() {
        Run r = new Run().feed(3, Duration.ZERO, Duration.ofSeconds(1), true, true, false, true, true, false);
        assertThat(r.states).containsExactly("pending", "pending", "cleared", "pending", "pending", "cleared");
        assertThat(r.notifications).isEmpty();
    }

    @Test
    void flappingMetricWithForTwoOnlyFiresOnARealStreak() {
        // alternating values never hold twice in a row, then a streak of three fires once and resolves once
        Run r = new Run().feed(2, Duration.ZERO, Duration.ofSeconds(1),
                true, false, true, false, true, false, true, true, true, false);
        assertThat(r.notifications).containsExactly("firing", "resolved");
        assertThat(r.states.subList(0, 6)).containsExactly("pending", "cleared", "pending", "cleared", "pending",
                "cleared");
    }

    @Test
    void flappingMetricWithForOneNotifiesEveryEpisodeOnce() {
        Run r = new Run().feed(1, Duration.ZERO, Duration.ofSeconds(1), true, false, true, false);
        assertThat(r.notifications).containsExactly("firing", "resolved", "firing", "resolved");
    }

    @Test
    void repeatIntervalRenotifiesWhileFiring() {
        // one checkpoint a minute, repeat every 3 minutes: firing at t1, repeats at t4 and t7
        Run r = new Run().feed(1, Duration.ofMinutes(3), Duration.ofMinutes(1),
                true, true, true, true, true, true, true, false);
        assertThat(r.notifications).containsExactly("firing", "repeat", "repeat", "resolved");
    }

    @Test
    void aRepeatIntervalBeyondWhatAnInstantCanBeMovedByNeverRepeatsAndNeverThrows() {
        // as stored before intervals were bounded: PT99999999999999H is ~1e10 years past Instant.MAX
        Duration huge = Duration.parse("PT99999999999999H");
        Run r = new Run().feed(1, huge, Duration.ofDays(1), true, true, true, false);
        assertThat(r.notifications).containsExactly("firing", "resolved");
        Run longest = new Run().feed(1, Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(1), true, true, false);
        assertThat(longest.notifications).containsExactly("firing", "resolved");
    }

    @Test
    void noRepeatWhenIntervalIsZero() {
        Run r = new Run().feed(1, Duration.ZERO, Duration.ofHours(1), true, true, true, true);
        assertThat(r.notifications).containsExactly("firing");
    }

    @Test
    void falseWithoutAnOpenEpisodeChangesNothing() {
        Run r = new Run().feed(2, Duration.ZERO, Duration.ofSeconds(1), false, false);
        assertThat(r.states).containsExactly(null, null);
        assertThat(r.notifications).isEmpty();
    }
}
