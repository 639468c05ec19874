package dev.driftwatch.monitor.flag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Flagging decisions on constructed runs, each test in a project of its own (default settings:
 * trainable fraction 0.10, KL threshold 0.5 nats/token, factor 3, loss tolerance 10%).
 */
class FlaggingTest extends ServiceTestBase {

    private OwnProject project;

    @BeforeEach
    void newProject() {
        project = newProject("flags");
    }

    @Test
    void parameterHeavyAtOrAboveTheThreshold() {
        run("at-threshold", "head", 1000, 100, Payloads.FP_B);
        run("below", "head", 1000, 99, Payloads.FP_B);
        assertThat(flags("at-threshold")).containsExactly("parameter-heavy");
        assertThat(flags("below")).isEmpty();
        assertThat(view("at-threshold").get("flagReasons").get(0).get("reason").stringValue())
                .contains("0.1000").contains("at or above");
    }

    @Test
    void drifsFarWhenTheLowerCiBoundCrossesTheThreshold() {
        run("far", "full", 1000, 1000, Payloads.FP_B);
        ApiClient.Answer a = upload("far", Payloads.checkpoint(1, 0.8, 0.5));
        assertThat(a.json().get("flags").toString()).isEqualTo("[\"parameter-heavy\",\"drifts-far\"]");
        assertThat(view("far").get("flagged").booleanValue()).isTrue();
        // mean 0.54 is above 0.5 but its lower CI bound (0.486) is not: no flag
        run("near", "full", 1000, 1000, Payloads.FP_B);
        upload("near", Payloads.checkpoint(1, 0.54, 0.5));
        assertThat(flags("near")).containsExactly("parameter-heavy");
        // the latest checkpoint decides: it came down again
        upload("far", Payloads.checkpoint(2, 0.1, 0.4));
        assertThat(flags("far")).containsExactly("parameter-heavy");
    }

    @Test
    void driftsFarRelativeToTheLightestComparableRunAtSimilarLoss() {
        run("light", "head", 1000, 10, Payloads.FP_B);
        upload("light", Payloads.checkpoint(1, 0.01, 1.0), Payloads.checkpoint(2, 0.05, 0.5));
        run("six-times", "full", 1000, 1000, Payloads.FP_B);
        upload("six-times", Payloads.checkpoint(1, 0.3, 0.52));
        run("two-times", "full", 1000, 1000, Payloads.FP_B);
        upload("two-times", Payloads.checkpoint(1, 0.1, 0.5));
        run("other-loss", "full", 1000, 1000, Payloads.FP_B);
        upload("other-loss", Payloads.checkpoint(1, 0.3, 0.8));
        run("other-probes", "full", 1000, 1000, "c".repeat(64));
        upload("other-probes", Payloads.checkpoint(1, 0.3, 0.5));

        assertThat(flags("light")).isEmpty();
        assertThat(flags("six-times")).containsExactly("parameter-heavy", "drifts-far");
        String reason = view("six-times").get("flagReasons").get(1).get("reason").stringValue();
        assertThat(reason).contains("6.0x").contains("'light'");
        assertThat(flags("two-times")).containsExactly("parameter-heavy");
        assertThat(flags("other-loss")).containsExactly("parameter-heavy");
        assertThat(flags("other-probes")).containsExactly("parameter-heavy");

        JsonNode flagged = project.api().get("/api/v1/projects/" + project.key() + "/runs?flagged=true").json();
        assertThat(keys(flagged)).containsExactly("six-times");
        JsonNode far = project.api().get("/api/v1/projects/" + project.key() + "/runs?flag=drifts-far").json();
        assertThat(keys(far)).containsExactly("six-times");
    }

    /**
     * The LM demo's case: every run's step-0 checkpoint is the base (KL 0) with the base's training loss
     * and no validation loss. Compared by "validation loss, else training loss", that base checkpoint was
     * the light run's nearest loss and its KL of 0 silenced the comparison, so a full fine-tune with 5.7x
     * the LoRA run's drift was not flagged.
     */
    @Test
    void theYardstickIsTheSameKindOfLossWhereTheLightRunHasMoved() {
        run("base-light", "lora", 1000, 10, Payloads.FP_B);
        upload("base-light", withTrainLoss(Payloads.checkpoint(0, 0.0), 0.5), Payloads.checkpoint(20, 0.05, 0.52));
        run("base-heavy", "full", 1000, 1000, Payloads.FP_B);
        upload("base-heavy", withTrainLoss(Payloads.checkpoint(0, 0.0), 0.5), Payloads.checkpoint(20, 0.3, 0.5));
        assertThat(flags("base-heavy")).containsExactly("parameter-heavy", "drifts-far");
        assertThat(view("base-heavy").get("flagReasons").get(1).get("reason").stringValue())
                .contains("6.0x", "'base-light'", "step 20", "similar validation loss 0.5200 vs 0.5000");

        // a run with training losses only is compared with training losses
        run("train-only", "full", 1000, 1000, Payloads.FP_B);
        upload("train-only", withTrainLoss(Payloads.checkpoint(20, 0.3), 0.52));
        assertThat(flags("train-only")).containsExactly("parameter-heavy");
        upload("base-light", withTrainLoss(Payloads.checkpoint(40, 0.04), 0.51));
        assertThat(flags("train-only")).containsExactly("parameter-heavy", "drifts-far");
        assertThat(view("train-only").get("flagReasons").get(1).get("reason").stringValue())
                .contains("7.5x", "step 40", "similar training loss 0.5100 vs 0.5200");
    }

    /**
     * Losses at the ends of the double range: the distance between them overflowed in PostgreSQL (22003),
     * inside the upload's transaction, so every upload of either run answered 500, retries included.
     */
    @Test
    void lossesAtTheEndsOfTheDoubleRangeAreComparedWithoutOverflow() {
        ApiClient.Answer settings = project.api().json("PUT", "/api/v1/projects/" + project.key() + "/settings",
                "{\"lossTolerance\":2}");
        assertThat(settings.status()).as(settings.text()).isEqualTo(200);
        run("far-light", "lora", 1000, 10, Payloads.FP_B);
        upload("far-light", withTrainLoss(Payloads.checkpoint(1, 0.01), -1.7e308));
        run("far-heavy", "full", 1000, 1000, Payloads.FP_B);
        upload("far-heavy", withTrainLoss(Payloads.checkpoint(1, 0.3), 1.7e308));
        upload("far-heavy", withTrainLoss(Payloads.checkpoint(2, 0.3), -Double.MAX_VALUE));
        assertThat(flags("far-heavy")).containsExactly("parameter-heavy", "drifts-far");
        assertThat(view("far-heavy").get("flagReasons").get(1).get("reason").stringValue()).contains("30.0x");
    }

    /**
     * A loss of 4.9e-324 (the least double, which the contract takes) against a lighter run's: the distance
     * was halved in PostgreSQL, whose float arithmetic refuses a result that underflows to 0 (500 on the
     * upload, and then on every lighter comparable run's PUT). Found by an audit.
     */
    @Test
    void theLeastPositiveLossIsComparedWithoutUnderflow() {
        run("tiny-light", "lora", 1000, 10, Payloads.FP_B);
        upload("tiny-light", Payloads.checkpoint(1, 0.01, 1.0), Payloads.checkpoint(2, 0.01, Double.MIN_VALUE));
        run("tiny-heavy", "full", 1000, 1000, Payloads.FP_B);
        upload("tiny-heavy", Payloads.checkpoint(1, 0.3, Double.MIN_VALUE));
        assertThat(flags("tiny-heavy")).containsExactly("parameter-heavy", "drifts-far");
        assertThat(view("tiny-heavy").get("flagReasons").get(1).get("reason").stringValue()).contains("30.0x");
        // a lighter comparable run arriving after it re-flags it: no 500 on its PUT either
        run("tiny-lighter", "lora", 1000, 1, Payloads.FP_B);
        upload("tiny-lighter", Payloads.checkpoint(1, 0.02, Double.MIN_VALUE));
        assertThat(view("tiny-heavy").get("flagReasons").get(1).get("reason").stringValue()).contains("15.0x");
    }

    /**
     * A settings change and an upload at once used to deadlock in about half the attempts (503 for one):
     * the upload's second update of its run row re-checks the run's foreign key with {@code FOR KEY SHARE}
     * on the project row, which the settings change held {@code FOR UPDATE} while it re-flagged the run.
     * Found by an audit.
     */
    @Test
    @org.junit.jupiter.api.Timeout(300)
    void aSettingsChangeAndUploadsAtOnceDoNotDeadlock() throws Exception {
        run("busy", "full", 1000, 1000, Payloads.FP_B);
        upload("busy", Payloads.checkpoint(1, 0.3, 0.5));
        String path = "/api/v1/projects/" + project.key() + "/settings";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<Integer> statuses = new ArrayList<>();
            for (int round = 0; round < 40; round++) {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                double kl = 0.2 + 0.01 * round;
                long step = 10 + round;
                java.util.concurrent.Future<Integer> settings = pool.submit(() -> {
                    together.await();
                    return project.api().json("PUT", path, "{\"klThreshold\":" + kl + "}").status();
                });
                java.util.concurrent.Future<Integer> checkpoint = pool.submit(() -> {
                    together.await();
                    return project.api().postCheckpoints(project.key(), "busy",
                            Payloads.batch(Payloads.checkpoint(step, 0.3, 0.5))).status();
                });
                statuses.add(settings.get());
                statuses.add(checkpoint.get());
            }
            assertThat(statuses).containsOnly(200);
        } finally {
            pool.shutdownNow();
        }
        assertThat(view("busy").get("checkpointCount").asLong()).isEqualTo(41);
    }

    private static ObjectNode withTrainLoss(ObjectNode checkpoint, double loss) {
        checkpoint.putObject("taskMetrics").put("train_loss", loss);
        return checkpoint;
    }

    @Test
    void aLighterRunArrivingLaterReflagsTheHeavierOnes() {
        run("heavy", "full", 1000, 1000, Payloads.FP_B);
        upload("heavy", Payloads.checkpoint(1, 0.3, 0.5));
        assertThat(flags("heavy")).containsExactly("parameter-heavy");
        run("lighter", "lora", 1000, 20, Payloads.FP_B);
        upload("lighter", Payloads.checkpoint(1, 0.02, 0.49));
        assertThat(flags("heavy")).containsExactly("parameter-heavy", "drifts-far");
    }

    @Test
    void changedSettingsReflagEveryRun() {
        run("mid", "full", 1000, 1000, Payloads.FP_B);
        upload("mid", Payloads.checkpoint(1, 0.3, 0.5));
        assertThat(flags("mid")).containsExactly("parameter-heavy");
        ApiClient.Answer a = project.api().json("PUT", "/api/v1/projects/" + project.key() + "/settings",
                "{\"trainableFractionThreshold\":1.01,\"klThreshold\":0.2,\"driftFactor\":3,\"lossTolerance\":0.1}");
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        a = project.api().json("PUT", "/api/v1/projects/" + project.key() + "/settings",
                "{\"trainableFractionThreshold\":1.0,\"klThreshold\":0.2,\"driftFactor\":3,\"lossTolerance\":0.1}");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(flags("mid")).containsExactly("parameter-heavy", "drifts-far");
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void concurrentUploadsToComparableRunsDoNotDeadlock() throws Exception {
        String[] keys = {"c-light-1", "c-light-2", "c-heavy-1", "c-heavy-2"};
        for (String k : keys) {
            run(k, k.contains("light") ? "head" : "full", 1000, k.contains("light") ? 10 : 1000, Payloads.FP_B);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new ArrayList<>();
            for (String k : keys) {
                answers.add(pool.submit(() -> {
                    int ok = 0;
                    for (int b = 0; b < 10; b++) {
                        ObjectNode[] cps = new ObjectNode[5];
                        for (int i = 0; i < 5; i++) {
                            double kl = k.contains("light") ? 0.02 : 0.3;
                            cps[i] = Payloads.checkpoint(b * 5 + i, kl, 0.5);
                        }
                        if (project.api().postCheckpoints(project.key(), k, Payloads.batch(cps)).status() == 200) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : answers) {
                assertThat(f.get()).isEqualTo(10);
            }
        } finally {
            pool.shutdownNow();
        }
        // every upload was answered 200, and once all are in, the heavy runs are flagged
        upload("c-light-1", Payloads.checkpoint(1000, 0.02, 0.5));
        assertThat(flags("c-heavy-1")).containsExactly("parameter-heavy", "drifts-far");
        assertThat(flags("c-heavy-2")).containsExactly("parameter-heavy", "drifts-far");
    }

    /**
     * Settings changes re-flag every run of the project; several at once (the same values included,
     * which leave the project row as it is) must not deadlock on the runs' rows. Found by fuzzing: 8
     * concurrent PUTs on a project of 1,400 runs, answered 503 after a deadlock.
     */
    @Test
    @org.junit.jupiter.api.Timeout(300)
    void concurrentSettingsChangesDoNotDeadlock() throws Exception {
        for (int i = 0; i < 150; i++) {
            String key = "s-" + i;
            run(key, i % 3 == 0 ? "head" : "full", 1000, i % 3 == 0 ? 10 : 1000, Payloads.FP_B);
            upload(key, Payloads.checkpoint(1, i % 3 == 0 ? 0.02 : 0.3 + i / 1000.0, 0.5));
        }
        String path = "/api/v1/projects/" + project.key() + "/settings";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<List<Integer>>> answers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                answers.add(pool.submit(() -> {
                    List<Integer> statuses = new ArrayList<>();
                    for (int r = 0; r < 3; r++) {
                        double kl = 0.2 + 0.1 * ((thread + r) % 2); // two values: many PUTs change nothing
                        statuses.add(project.api().json("PUT", path, "{\"trainableFractionThreshold\":0.1,"
                                + "\"klThreshold\":" + kl + ",\"driftFactor\":3,\"lossTolerance\":0.1}").status());
                    }
                    return statuses;
                }));
            }
            for (java.util.concurrent.Future<List<Integer>> f : answers) {
                assertThat(f.get()).containsOnly(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void run(String key, String method, long total, long trainable, String probeFingerprint) {
        ObjectNode body = Payloads.run(method, total, trainable);
        body.put("probeFingerprint", probeFingerprint);
        assertThat(project.api().putRun(project.key(), key, body).status()).isEqualTo(201);
    }

    private ApiClient.Answer upload(String key, ObjectNode... checkpoints) {
        ApiClient.Answer a = project.api().postCheckpoints(project.key(), key, Payloads.batch(checkpoints));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a;
    }

    private JsonNode view(String key) {
        return project.api().get("/api/v1/projects/" + project.key() + "/runs/" + key).json();
    }

    private List<String> flags(String key) {
        List<String> out = new ArrayList<>();
        view(key).get("flags").forEach(f -> out.add(f.stringValue()));
        return out;
    }

    private static List<String> keys(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("runs").forEach(r -> out.add(r.get("runKey").stringValue()));
        return out;
    }
}
