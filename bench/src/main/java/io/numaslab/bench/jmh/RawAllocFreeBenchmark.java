package io.numaslab.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;

/**
 * One allocate + free pair through each raw API, side by side in one run: numaslab's {@code allocate/free},
 * malloc/free through {@code Unsafe.allocateMemory/freeMemory}, and, for reference, Netty's pooled direct
 * buffer (a ByteBuf API, so it also pays for the ByteBuf object and its reference count).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Thread)
public class RawAllocFreeBenchmark
{
    @Param({"64", "1024", "16384", "65536"})
    int sizeBytes;

    private NumaAllocator allocator;
    private io.numaslab.allocator.ThreadAllocator threadAllocator;
    private sun.misc.Unsafe unsafe;
    private PooledByteBufAllocator pooled;

    /** Builds a numaslab allocator (no JMX) and its ThreadAllocator, and reaches Unsafe and Netty's pool. */
    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException
    {
        allocator = NumaAllocator.builder().jmx(false).build();
        threadAllocator = allocator.threadAllocator();
        final Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        unsafe = (sun.misc.Unsafe)f.get(null);
        pooled = PooledByteBufAllocator.DEFAULT;
    }

    /** Closes the numaslab allocator, unmapping its regions. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        allocator.close();
    }

    /** One {@code NumaAllocator.allocate(sizeBytes)} + {@code free}, through the thread-local lookup of each call. */
    @Benchmark
    public long numaslab()
    {
        final long address = allocator.allocate(sizeBytes);
        allocator.free(address);
        return address;
    }

    /** One allocate + free through a {@code ThreadAllocator} held by the thread: no thread-local lookup. */
    @Benchmark
    public long numaslabThreadAllocator()
    {
        final long address = threadAllocator.allocate(sizeBytes);
        threadAllocator.free(address);
        return address;
    }

    /** One malloc + free of {@code sizeBytes} through {@code Unsafe.allocateMemory/freeMemory}. */
    @Benchmark
    public long mallocViaUnsafe()
    {
        final long address = unsafe.allocateMemory(sizeBytes);
        unsafe.freeMemory(address);
        return address;
    }

    /** One pooled {@code directBuffer(sizeBytes)} + {@code release()}, with Netty's ByteBuf object. */
    @Benchmark
    public boolean nettyPooledDirectByteBuf()
    {
        final ByteBuf buf = pooled.directBuffer(sizeBytes);
        return buf.release();
    }

    /**
     * One NumaAllocator shared by two threads, as the threads of one node share its arena: each thread has its own
     * cache, but the slots of one slab can go to both, and the slab's live marks then share a cache line.
     */
    @State(Scope.Benchmark)
    public static class SharedAllocator
    {
        NumaAllocator allocator;

        /** Builds the shared allocator. */
        @Setup(Level.Trial)
        public void setUp()
        {
            allocator = NumaAllocator.builder().jmx(false).build();
        }

        /** Unmaps its memory. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            allocator.close();
        }
    }

    /**
     * The pair of {@link #numaslab()} on each of two threads at once, on one shared allocator; per pair, per thread.
     *
     * @param shared the allocator both threads use.
     * @return the address, for the blackhole.
     */
    @Benchmark
    @Threads(2)
    public long numaslabTwoThreads(final SharedAllocator shared)
    {
        final long address = shared.allocator.allocate(sizeBytes);
        shared.allocator.free(address);
        return address;
    }

    /**
     * The pair of {@link #mallocViaUnsafe()} on each of two threads at once; per pair, per thread.
     *
     * @return the address, for the blackhole.
     */
    @Benchmark
    @Threads(2)
    public long mallocTwoThreads()
    {
        final long address = unsafe.allocateMemory(sizeBytes);
        unsafe.freeMemory(address);
        return address;
    }
}
