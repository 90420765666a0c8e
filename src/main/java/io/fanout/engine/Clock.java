package io.fanout.engine;

/** Monotonic time source, injected so deadline tests can move time by hand. */
public interface Clock {
    long nanoTime();

    Clock SYSTEM = System::nanoTime;
}
