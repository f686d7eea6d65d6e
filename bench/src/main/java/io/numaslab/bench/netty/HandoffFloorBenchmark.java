package io.numaslab.bench.netty;

import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The floor under {@link ByteBufAllocatorBenchmark}'s {@code crossThread} rows: the same two threads, the same
 * SPSC handoff and the same spinning, but no allocator. The "buffer" is a bare object with a reference count that the
 * releasing thread drops with a compare-and-swap, as Netty's release does.
 * <ul>
 *   <li>{@code recycledObject}: the releasing thread hands the object back to the allocating thread through an MPSC
 *       queue, and the allocating thread reuses it, which is what any allocator that makes no garbage must do with
 *       its buffer objects (numaslab's cross-thread path does this plus Netty's own bookkeeping). No such allocator
 *       can be faster in that benchmark than this row: the object's cache lines go to the other core and back.</li>
 *   <li>{@code newObject}: a new object per buffer and no way back (12 B/op of garbage): only the handoff.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class HandoffFloorBenchmark
{
    /** A stand-in for a buffer: a reference count, released with a CAS like Netty's. */
    static final class Token
    {
        static final AtomicIntegerFieldUpdater<Token> REF_CNT =
            AtomicIntegerFieldUpdater.newUpdater(Token.class, "refCnt");
        volatile int refCnt;
        int readerIndex;
        int writerIndex;
    }

    /** The handoff to the releasing thread and the way back. */
    @State(Scope.Group)
    public static class Queues
    {
        final SpscArrayQueue<Token> handoff = new SpscArrayQueue<>(1024);
        final MpscArrayQueue<Token> back = new MpscArrayQueue<>(2048);
    }

    @Benchmark
    @Group("recycledObject")
    @GroupThreads(1)
    public boolean allocateRecycled(final Queues queues, final Control control)
    {
        Token token = queues.back.relaxedPoll();
        if (token == null)
        {
            token = new Token(); // only until every token in circulation exists
        }
        token.readerIndex = 0;
        token.writerIndex = 0;
        Token.REF_CNT.lazySet(token, 1);
        return SpinHandoff.offer(queues.handoff, token, control);
    }

    @Benchmark
    @Group("recycledObject")
    @GroupThreads(1)
    public boolean releaseRecycled(final Queues queues, final Control control)
    {
        final Token token = SpinHandoff.poll(queues.handoff, control);
        if (token == null)
        {
            return false;
        }
        final boolean last = Token.REF_CNT.compareAndSet(token, 1, 0);
        queues.back.offer(token);
        return last;
    }

    @Benchmark
    @Group("newObject")
    @GroupThreads(1)
    public boolean allocateNew(final Queues queues, final Control control)
    {
        final Token token = new Token();
        Token.REF_CNT.lazySet(token, 1);
        return SpinHandoff.offer(queues.handoff, token, control);
    }

    @Benchmark
    @Group("newObject")
    @GroupThreads(1)
    public boolean releaseNew(final Queues queues, final Control control)
    {
        final Token token = SpinHandoff.poll(queues.handoff, control);
        return token != null && Token.REF_CNT.compareAndSet(token, 1, 0);
    }
}
