package io.numaslab.bench.netty;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.infra.Control;

/**
 * The spin-waits of the two-thread benchmarks on their SPSC queues: each gives up once JMH stops measuring, so
 * that neither thread waits forever for the other at the end of an iteration.
 */
final class SpinHandoff
{
    private SpinHandoff()
    {
    }

    /**
     * @return true once {@code element} is in the queue; false if the measurement stopped first (the caller still
     *     owns the element).
     */
    static <T> boolean offer(final SpscArrayQueue<T> queue, final T element, final Control control)
    {
        while (!queue.offer(element))
        {
            if (control.stopMeasurement)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** @return the next element, or null if the measurement stopped first. */
    static <T> T poll(final SpscArrayQueue<T> queue, final Control control)
    {
        T element;
        while ((element = queue.poll()) == null)
        {
            if (control.stopMeasurement)
            {
                return null;
            }
            Thread.onSpinWait();
        }
        return element;
    }
}
