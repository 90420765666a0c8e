package io.fanout.server;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a running {@link FanoutServer} once, whoever asks first: SIGTERM or SIGINT (handled
 * here, so a clean drain ends the process with exit code 0 instead of the JVM's 143 / 130),
 * or the JVM's shutdown hook for any other way out. A second SIGTERM / SIGINT while the drain
 * is running stops at once with the signal's conventional code (128 + signal number), as
 * impatient operators expect from a second Ctrl-C.
 *
 * <p>Threads: {@link #stop()} runs on a signal-dispatch or shutdown-hook thread; the main thread
 * waits in {@link #awaitStopped()}.
 */
final class Shutdown {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.server");

    private volatile FanoutServer server;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean clean;

    /**
     * The server to stop. Handlers are installed before the server starts (a signal may come
     * as soon as the first [LISTEN] line is out); a stop requested before this runs now.
     */
    void attach(FanoutServer s) {
        this.server = s;
        if (requested.get()) {
            closeServer();
        }
    }

    /**
     * Installs handlers for TERM and INT (through {@code sun.misc.Signal}, the JDK's supported
     * way; without it the JVM's default remains: the hook still drains, the code is 143 / 130)
     * and a shutdown hook.
     */
    void install() {
        for (String[] signal : new String[][] {{"TERM", "143"}, {"INT", "130"}}) {
            int codeIfRepeated = Integer.parseInt(signal[1]);
            String name = signal[0];
            try {
                handleSignal(name, () -> onSignal(name, codeIfRepeated));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.debug("cannot handle SIG{}: {}", name, e.toString());
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "fanout-shutdown"));
    }

    /**
     * {@code sun.misc.Signal.handle(new Signal(name), handler)}, called reflectively: javac
     * warns about every direct use of the unsupported API, and the build treats warnings as
     * errors. The class is exported by jdk.unsupported on every JDK this runs on.
     */
    private static void handleSignal(String name, Runnable action) throws ReflectiveOperationException {
        Class<?> signalClass = Class.forName("sun.misc.Signal");
        Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
        Object signal = signalClass.getConstructor(String.class).newInstance(name);
        InvocationHandler onCall = (proxy, method, args) -> {
            switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    return null;
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                default -> {
                    return "fanout SIG" + name + " handler";
                }
            }
        };
        Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, onCall);
        signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
    }

    private void onSignal(String name, int codeIfRepeated) {
        if (requested.get()) {
            LOG.warn("[STOP]      second SIG{} while draining: stopping now", name);
            Runtime.getRuntime().halt(codeIfRepeated);
        }
        LOG.info("[STOP]      SIG{} received", name);
        stop();
    }

    /** Drains and closes the server; only the first call does anything, the others wait for it. */
    void stop() {
        if (!requested.compareAndSet(false, true)) {
            if (server != null) {
                awaitQuietly();
            }
            return;
        }
        if (server != null) {
            closeServer();
        }
    }

    /** Runs once: by stop() when the server is attached, else by attach(). */
    private void closeServer() {
        if (!closing.compareAndSet(false, true)) {
            return; // stop() and attach() raced: the other one closes
        }
        FanoutServer s = server;
        try {
            s.close();
            clean = s.awaitTermination(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean wasRequested() {
        return requested.get();
    }

    /** Waits until a requested stop has finished; true when every loop ended within the drain. */
    boolean awaitStopped() throws InterruptedException {
        stopped.await();
        return clean;
    }
}
