package io.numaslab.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
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

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocate on one thread, free on another: a producer allocates and hands the memory over through a
 * single-producer single-consumer ring, the consumer frees it. Each benchmark pair is one transfer, so the
 * time per operation is that of the slower side. On this one-node machine both threads share an arena: this
 * measures numaslab's cross-thread free into the freeing thread's cache, not the remote (other-node) path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class CrossThreadFreeBenchmark
{
    /** The hand-over ring, one per group. */
    @State(Scope.Group)
    public static class Handoff
    {
        @Param({"64", "16384"})
        int sizeBytes;

        final long[] ring = new long[1024];
        final Object[] refs = new Object[1024];
        final AtomicLong head = new AtomicLong();
        final AtomicLong tail = new AtomicLong();
        NumaAllocator allocator;
        sun.misc.Unsafe unsafe;
        /** What the ring holds, for the clean-up: numaslab addresses, malloc addresses or Netty buffers. */
        volatile int kind;

        /** Builds the numaslab allocator (no JMX) and reaches Unsafe for the malloc rows. */
        @Setup(Level.Trial)
        public void setUp() throws ReflectiveOperationException
        {
            allocator = NumaAllocator.builder().jmx(false).build();
            final Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = (sun.misc.Unsafe)f.get(null);
        }

        /** After each iteration, frees what is still in the ring, so nothing leaks into the next. */
        @TearDown(Level.Iteration)
        public void drain()
        {
            // both threads have stopped; free whatever is still in flight so nothing leaks between iterations
            while (tail.get() < head.get())
            {
                final int i = (int)(tail.getAndIncrement() & 1023);
                release(i);
            }
        }

        /** Closes the numaslab allocator, unmapping its regions. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            allocator.close();
        }

        void release(final int i)
        {
            release(ring[i], refs[i]);
            refs[i] = null;
        }

        void release(final long address, final Object ref)
        {
            if (kind == 3)
            {
                ((ByteBuf)ref).release();
            }
            else if (kind == 2)
            {
                unsafe.freeMemory(address);
            }
            else
            {
                allocator.free(address);
            }
        }

        /** Hands over; if the consumer has stopped (iteration end) gives up after a while and frees it here. */
        void put(final int kind, final long address, final Object ref)
        {
            this.kind = kind;
            final long h = head.get();
            int spins = 0;
            while (h - tail.get() >= ring.length)
            {
                if (++spins > 10_000_000)
                {
                    release(address, ref);
                    return;
                }
                Thread.onSpinWait();
            }
            ring[(int)(h & 1023)] = address;
            refs[(int)(h & 1023)] = ref;
            head.lazySet(h + 1);
        }

        /** @return the slot to consume, or -1 if the producer has stopped (iteration end). */
        int take()
        {
            final long t = tail.get();
            int spins = 0;
            while (head.get() == t)
            {
                if (++spins > 10_000_000)
                {
                    return -1;
                }
                Thread.onSpinWait();
            }
            return (int)(t & 1023);
        }

        void advance()
        {
            tail.lazySet(tail.get() + 1);
        }
    }

    /** Producer: one {@code NumaAllocator.allocate(sizeBytes)}, handed to the consumer through the ring. */
    @Benchmark
    @Group("numaslab")
    @GroupThreads(1)
    public void numaslabAllocate(final Handoff h)
    {
        h.put(1, h.allocator.allocate(h.sizeBytes), null);
    }

    /** Consumer: takes one address from the ring and {@code NumaAllocator.free}s it on this other thread. */
    @Benchmark
    @Group("numaslab")
    @GroupThreads(1)
    public void numaslabFree(final Handoff h)
    {
        final int i = h.take();
        if (i < 0)
        {
            return;
        }
        h.allocator.free(h.ring[i]);
        h.advance();
    }

    /** Producer: one {@code Unsafe.allocateMemory(sizeBytes)} (malloc), handed to the consumer through the ring. */
    @Benchmark
    @Group("malloc")
    @GroupThreads(1)
    public void mallocAllocate(final Handoff h)
    {
        h.put(2, h.unsafe.allocateMemory(h.sizeBytes), null);
    }

    /** Consumer: takes one address from the ring and {@code Unsafe.freeMemory}s (frees) it on this other thread. */
    @Benchmark
    @Group("malloc")
    @GroupThreads(1)
    public void mallocFree(final Handoff h)
    {
        final int i = h.take();
        if (i < 0)
        {
            return;
        }
        h.unsafe.freeMemory(h.ring[i]);
        h.advance();
    }

    /** Producer: one pooled direct ByteBuf of {@code sizeBytes}, handed to the consumer through the ring. */
    @Benchmark
    @Group("nettyPooled")
    @GroupThreads(1)
    public void nettyPooledAllocate(final Handoff h)
    {
        h.put(3, 0, PooledByteBufAllocator.DEFAULT.directBuffer(h.sizeBytes));
    }

    /** Consumer: takes one pooled ByteBuf from the ring and releases it on this other thread. */
    @Benchmark
    @Group("nettyPooled")
    @GroupThreads(1)
    public void nettyPooledRelease(final Handoff h)
    {
        final int i = h.take();
        if (i < 0)
        {
            return;
        }
        final ByteBuf buf = (ByteBuf)h.refs[i];
        h.refs[i] = null;
        buf.release();
        h.advance();
    }
}
