package dev.driftwatch.plugin;

import ai.djl.ndarray.NDManager;
import java.lang.reflect.Method;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread a {@link DriftMeter} runs work on beside the training thread, with PyTorch's autograd off, as DJL
 * turns it off on the thread that loads the engine.
 *
 * <p>Autograd mode is per thread, and on in a thread PyTorch did not set up. There, copying a weight that
 * requires a gradient records the copy in an autograd graph that grows with every checkpoint; and the usual
 * way around it, {@code NDArray.stopGradient()} on the weight, cannot be used beside the probe forward: DJL puts
 * an operation's result in the manager of its first operand, and a block such as DJL's {@code IdEmbedding}
 * moves its weight into a scope of its own for the length of its forward, which frees whatever else is in that
 * scope when it ends: the detached copy the other thread was reading (a JVM crash, SIGSEGV in PyTorch's
 * {@code copy_}). With autograd off the helper copies the weights without creating any array from them.
 *
 * <p>DJL's API has no call for the autograd mode; this uses the PyTorch engine's {@code JniUtils.setGradMode}. With
 * another engine, or where that call fails, there is no helper thread and everything runs on the training
 * thread.
 */
final class HelperThread {

    private static final Logger logger = LoggerFactory.getLogger(HelperThread.class);
    private static final String THREAD_NAME = "driftwatch-helper";

    private HelperThread() {}

    /**
     * Starts the helper: a daemon thread whose autograd mode is off.
     *
     * @param manager a manager of the model's engine
     * @return the helper's executor, or null where the autograd mode cannot be turned off (the cause is logged)
     */
    static ExecutorService start(NDManager manager) {
        String engine = manager.getEngine().getEngineName();
        if (!"PyTorch".equals(engine)) {
            logger.info("driftwatch: no helper thread with the {} engine (its autograd mode is not known)", engine);
            return null;
        }
        // autograd off first thing in every thread of the pool (the executor replaces a thread that dies), and
        // checked once below, where a failure means no helper at all
        ExecutorService helper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                try {
                    autogradOff();
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // the check below fails the same way on this thread
                }
                r.run();
            }, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        try {
            helper.submit(HelperThread::autogradOff).get();
            return helper;
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            logger.warn("driftwatch: no helper thread, everything runs on the training thread: PyTorch's autograd"
                    + " mode could not be turned off on it ({})", cause.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            logger.warn("driftwatch: no helper thread for this run, everything runs on the training thread: the"
                    + " training thread was interrupted while the helper started");
        }
        helper.shutdown();
        return null;
    }

    /** Turns PyTorch's autograd mode off on the calling thread. */
    private static Void autogradOff() throws ReflectiveOperationException {
        Method set = Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("setGradMode", boolean.class);
        set.invoke(null, false);
        return null;
    }
}
