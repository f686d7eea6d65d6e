package io.numaslab.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.bench.tlb.UnsafeMemory;
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
 * Allocation patterns beyond one pair, side by side: 1000 buffers live at once then all released; a random size mix
 * taken from a server-like histogram; and that mix on 2 threads at once. Scores are per buffer (allocate +
 * release). The ByteBufAllocators (numaslab's, Netty's pooled and adaptive, unpooled direct buffers) run each
 * pattern through {@code directBuffer} and {@code release}; two raw contenders run the same pattern on addresses:
 * {@code numaslabRaw}, {@link NumaAllocator#allocate(int)} and {@link NumaAllocator#free(long)}, and {@code malloc},
 * {@code Unsafe.allocateMemory} and {@code freeMemory}.
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
        @Param({"numaslab", "numaslabRaw", "pooled", "adaptive", "unpooled", "malloc"})
        String allocator;

        /** The ByteBufAllocator under test; null for a raw contender. */
        ByteBufAllocator alloc;
        /** The raw contender under test; null for a ByteBufAllocator. One per fork, so its calls stay monomorphic. */
        RawMemory raw;

        /** Builds the allocator named by {@code allocator}: a ByteBufAllocator, or a raw contender. */
        @Setup(Level.Trial)
        public void setUp()
        {
            switch (allocator)
            {
                case "numaslabRaw":
                    raw = new NumaslabRaw(NumaAllocator.builder().jmx(false).build());
                    break;
                case "malloc":
                    raw = new Malloc();
                    break;
                default:
                    alloc = BenchAllocators.create(allocator);
            }
        }

        /** Closes the allocator under test: the numaslab ones unmap their regions, the others need nothing. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (raw != null)
            {
                raw.close();
            }
            else
            {
                BenchAllocators.close(alloc);
            }
        }
    }

    /** Memory by address: numaslab's raw API or malloc. */
    interface RawMemory
    {
        long allocate(int sizeBytes);

        void free(long address);

        void close();
    }

    /** numaslab's raw API: allocate and free from the calling thread's cache and node arena. */
    static final class NumaslabRaw implements RawMemory
    {
        private final NumaAllocator allocator;

        NumaslabRaw(final NumaAllocator allocator)
        {
            this.allocator = allocator;
        }

        @Override
        public long allocate(final int sizeBytes)
        {
            return allocator.allocate(sizeBytes);
        }

        @Override
        public void free(final long address)
        {
            allocator.free(address);
        }

        @Override
        public void close()
        {
            allocator.close();
        }
    }

    /** The C library's malloc and free, through {@code Unsafe.allocateMemory} and {@code freeMemory}. */
    static final class Malloc implements RawMemory
    {
        @Override
        public long allocate(final int sizeBytes)
        {
            return UnsafeMemory.allocate(sizeBytes);
        }

        @Override
        public void free(final long address)
        {
            UnsafeMemory.free(address);
        }

        @Override
        public void close()
        {
        }
    }

    /** Each thread's live buffers and its position in the size mix. */
    @State(Scope.Thread)
    public static class Local
    {
        final ByteBuf[] live = new ByteBuf[LIVE];
        final long[] liveAddresses = new long[LIVE];
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
        final RawMemory raw = a.raw;
        if (raw != null)
        {
            for (int i = 0; i < LIVE; i++)
            {
                l.liveAddresses[i] = raw.allocate(1024);
            }
            for (int i = 0; i < LIVE; i++)
            {
                raw.free(l.liveAddresses[i]);
            }
            return;
        }
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
        return pair(a, l.nextSize());
    }

    /** The same mix, 2 threads allocating and releasing at once on one allocator. */
    @Benchmark
    @Threads(2)
    public boolean sizeMixTwoThreads(final Allocator a, final Local l)
    {
        return pair(a, l.nextSize());
    }

    private static boolean pair(final Allocator a, final int sizeBytes)
    {
        final RawMemory raw = a.raw;
        if (raw != null)
        {
            final long address = raw.allocate(sizeBytes);
            raw.free(address);
            return address != 0;
        }
        return a.alloc.directBuffer(sizeBytes).release();
    }
}
