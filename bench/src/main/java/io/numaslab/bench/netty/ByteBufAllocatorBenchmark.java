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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 *       The group's score is the time per buffer of each side. When the queue runs near empty, both threads write
 *       the same cache lines of it for every buffer, which on this 2-vCPU VM swings the figures of every allocator
 *       between forks ({@link HandoffFloorBenchmark} measures that harness alone);</li>
 *   <li>{@code crossThreadBatch}: the same, but the buffers go over in arrays of {@value BatchHandoff#BATCH}, so the
 *       handoff costs little per buffer and what remains is each allocator's own way of getting a buffer released
 *       on another thread back to where it is allocated again.</li>
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

        /** Builds the ByteBufAllocator named by {@code allocator}. */
        @Setup(Level.Trial)
        public void setUp()
        {
            alloc = BenchAllocators.create(allocator);
        }

        /** Closes the allocator under test (numaslab's unmaps its regions; Netty's need nothing). */
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

        /** After each iteration, releases the buffers still in the queue, so nothing leaks into the next. */
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

    /** One {@code directBuffer(sizeBytes)} + {@code release()} on the same thread. */
    @Benchmark
    public boolean oneThread(final Allocators state)
    {
        return state.alloc.directBuffer(state.sizeBytes).release();
    }

    /** crossThread's allocating side: one {@code directBuffer(sizeBytes)}, offered to the releasing thread. */
    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public void allocate(final Allocators state, final Handoff handoff, final Control control)
    {
        final ByteBuf buf = state.alloc.directBuffer(state.sizeBytes);
        if (!SpinHandoff.offer(handoff.queue, buf, control))
        {
            buf.release();
        }
    }

    /** crossThread's releasing side: polls one buffer from the allocating thread and releases it here. */
    @Benchmark
    @Group("crossThread")
    @GroupThreads(1)
    public boolean release(final Handoff handoff, final Control control)
    {
        final ByteBuf buf = SpinHandoff.poll(handoff.queue, control);
        return buf != null && buf.release();
    }

    /**
     * The handoff of {@code crossThreadBatch}: arrays of {@value #BATCH} buffers go to the releasing thread and come
     * back empty, 16 arrays in all (1024 buffers in flight at most, as in {@link Handoff}).
     */
    @State(Scope.Group)
    public static class BatchHandoff
    {
        static final int BATCH = 64;
        static final int ARRAYS = 16;
        final SpscArrayQueue<ByteBuf[]> full = new SpscArrayQueue<>(ARRAYS);
        final SpscArrayQueue<ByteBuf[]> empty = new SpscArrayQueue<>(ARRAYS);

        /** Puts the 16 empty arrays in the allocating thread's queue. */
        @Setup(Level.Trial)
        public void makeArrays()
        {
            for (int i = 0; i < ARRAYS; i++)
            {
                empty.offer(new ByteBuf[BATCH]);
            }
        }

        /** After each iteration, releases the buffers of the arrays still in flight and returns the arrays. */
        @TearDown(Level.Iteration)
        public void releaseLeftovers()
        {
            ByteBuf[] batch;
            while ((batch = full.poll()) != null)
            {
                releaseAll(batch);
                empty.offer(batch);
            }
        }

        static void releaseAll(final ByteBuf[] batch)
        {
            for (int i = 0; i < BATCH; i++)
            {
                batch[i].release();
            }
        }
    }

    /** crossThreadBatch's allocating side: fills and sends an array of 64 buffers; per buffer. */
    @Benchmark
    @Group("crossThreadBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BatchHandoff.BATCH)
    public void allocateBatch(final Allocators state, final BatchHandoff handoff, final Control control)
    {
        final ByteBuf[] batch = SpinHandoff.poll(handoff.empty, control);
        if (batch == null)
        {
            return;
        }
        for (int i = 0; i < BatchHandoff.BATCH; i++)
        {
            batch[i] = state.alloc.directBuffer(state.sizeBytes);
        }
        if (!SpinHandoff.offer(handoff.full, batch, control))
        {
            BatchHandoff.releaseAll(batch);
            handoff.empty.offer(batch);
        }
    }

    /** crossThreadBatch's releasing side: releases every buffer of one array and sends the array back; per buffer. */
    @Benchmark
    @Group("crossThreadBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BatchHandoff.BATCH)
    public void releaseBatch(final BatchHandoff handoff, final Control control)
    {
        final ByteBuf[] batch = SpinHandoff.poll(handoff.full, control);
        if (batch == null)
        {
            return;
        }
        BatchHandoff.releaseAll(batch);
        handoff.empty.offer(batch);
    }
}
