package io.numaslab.bench.netty;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.numaslab.bench.jmh.BenchAllocators;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.TimeUnit;

/**
 * One {@code directBuffer(size)} + {@code release()} through the {@link ByteBufAllocator} API, side by side in one
 * run: numaslab's {@link NumaByteBufAllocator}, Netty's {@link PooledByteBufAllocator} and Netty 4.2's
 * {@link AdaptiveByteBufAllocator}.
 * <ul>
 *   <li>{@code oneThread}: allocate and release on the same thread;</li>
 *   <li>{@code crossThread}: one thread allocates and hands each buffer over a bounded SPSC queue to another that
 *       releases it (the producer/consumer pattern of a server that decodes on one loop and writes on another).
 *       The group's score is the time per buffer of each side.</li>
 * </ul>
 * Netty's allocators are built with thread caches for every thread, as their buffers get on event loop threads
 * (by default Netty caches only for {@code FastThreadLocalThread}s, which JMH threads are not); numaslab's thread
 * caches are there for every thread anyway. Leak detection is off for all three.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g",
    "-Dio.netty.leakDetection.level=disabled"})
public class ByteBufAllocatorBenchmark
{
    /** The allocator under test and the size asked for, shared by the threads of a group. */
    @State(Scope.Benchmark)
    public static class Allocators
    {
        @Param({"numaslab", "pooled", "adaptive"})
        String allocator;

        @Param({"64", "1024", "16384", "65536"})
        int sizeBytes;

        ByteBufAllocator alloc;

        @Setup(Level.Trial)
        public void setUp()
        {
            alloc = BenchAllocators.create(allocator);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            BenchAllocators.close(alloc);
        }
    }

    /** The handoff between the allocating and the releasing thread of a group. */
    @State(Scope.Group)
    public static class Handoff
    {
        final SpscArrayQueue<ByteBuf> queue = new SpscArrayQueue<>(1024);

        @TearDown(Level.Iteration)
        public void releaseLeftovers()
        {
            ByteBuf buf;
            while ((buf = queue.poll()) != null)
            {
                buf.release();
            }
        }
    }

    @Benchmark
    public boolean oneThread(final Allocators state)
    {
        return state.alloc.directBuffer(state.sizeBytes).release();
    }

    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public void allocate(final Allocators state, final Handoff handoff, final Control control)
    {
        final ByteBuf buf = state.alloc.directBuffer(state.sizeBytes);
        while (!handoff.queue.offer(buf))
        {
            if (control.stopMeasurement)
            {
                buf.release();
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public boolean release(final Handoff handoff, final Control control)
    {
        ByteBuf buf;
        while ((buf = handoff.queue.poll()) == null)
        {
            if (control.stopMeasurement)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        return buf.release();
    }
}
