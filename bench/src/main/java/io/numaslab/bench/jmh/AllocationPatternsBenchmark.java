package io.numaslab.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Allocation patterns beyond one pair, through the ByteBufAllocator API, side by side: 1000 buffers live at once
 * then all released; a random size mix taken from a server-like histogram; and that mix on 2 threads at once.
 * Scores are per buffer (allocate + release).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-Dio.netty.leakDetection.level=disabled"})
public class AllocationPatternsBenchmark
{
    static final int LIVE = 1000;

    /** The allocator under test, shared by the benchmark's threads. */
    @State(Scope.Benchmark)
    public static class Allocator
    {
        @Param({"numaslab", "pooled", "adaptive", "unpooled"})
        String allocator;

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

    /** Each thread's live buffers and its position in the size mix. */
    @State(Scope.Thread)
    public static class Local
    {
        final ByteBuf[] live = new ByteBuf[LIVE];
        final int[] mix = BenchAllocators.sizeMix(4096, Thread.currentThread().getId());
        int next;

        int nextSize()
        {
            next = (next + 1) & (mix.length - 1);
            return mix[next];
        }
    }

    /** 1000 buffers of 1 KiB live at once, then all released; per buffer. */
    @Benchmark
    @OperationsPerInvocation(LIVE)
    public void thousandLiveThenRelease(final Allocator a, final Local l)
    {
        for (int i = 0; i < LIVE; i++)
        {
            l.live[i] = a.alloc.directBuffer(1024);
        }
        for (int i = 0; i < LIVE; i++)
        {
            l.live[i].release();
        }
    }

    /** One allocate + release of a size from the mix. */
    @Benchmark
    public boolean sizeMix(final Allocator a, final Local l)
    {
        return a.alloc.directBuffer(l.nextSize()).release();
    }

    /** The same mix, 2 threads allocating and releasing at once on one allocator. */
    @Benchmark
    @Threads(2)
    public boolean sizeMixTwoThreads(final Allocator a, final Local l)
    {
        return a.alloc.directBuffer(l.nextSize()).release();
    }
}
