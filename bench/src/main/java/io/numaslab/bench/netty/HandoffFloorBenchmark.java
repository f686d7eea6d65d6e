package io.numaslab.bench.netty;

import org.jctools.queues.MpscArrayQueue;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
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
 *   <li>{@code recycledObjectBatch}: the floor under {@code crossThreadBatch}. The objects go over in arrays of
 *       {@value ByteBufAllocatorBenchmark.BatchHandoff#BATCH}, as there, and come back in the same arrays, so that
 *       the allocating thread finds them again at no cost beyond the array's trip home. That is cheaper than any
 *       allocator can be, since none gets the caller's arrays back. What remains is each object's cache line going
 *       to the releasing core for its compare-and-swap and back for its next use.</li>
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

    /** Arrays of tokens to the releasing thread ({@code full}) and back with the same tokens ({@code back}). */
    @State(Scope.Group)
    public static class BatchQueues
    {
        static final int BATCH = ByteBufAllocatorBenchmark.BatchHandoff.BATCH;
        static final int ARRAYS = ByteBufAllocatorBenchmark.BatchHandoff.ARRAYS;
        final SpscArrayQueue<Token[]> full = new SpscArrayQueue<>(ARRAYS);
        final SpscArrayQueue<Token[]> back = new SpscArrayQueue<>(ARRAYS);

        /** Fills 16 arrays of fresh tokens and queues them for the allocating thread. */
        @Setup(Level.Trial)
        public void makeArrays()
        {
            for (int i = 0; i < ARRAYS; i++)
            {
                final Token[] batch = new Token[BATCH];
                for (int k = 0; k < BATCH; k++)
                {
                    batch[k] = new Token();
                }
                back.offer(batch);
            }
        }

        /** After each iteration, sends the arrays still on their way to the releasing thread back. */
        @TearDown(Level.Iteration)
        public void returnLeftovers()
        {
            Token[] batch;
            while ((batch = full.poll()) != null)
            {
                back.offer(batch);
            }
        }
    }

    /** recycledObjectBatch's allocating side: resets the tokens of one returned array and sends it; per token. */
    @Benchmark
    @Group("recycledObjectBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BatchQueues.BATCH)
    public boolean allocateRecycledBatch(final BatchQueues queues, final Control control)
    {
        final Token[] batch = SpinHandoff.poll(queues.back, control);
        if (batch == null)
        {
            return false;
        }
        for (final Token token : batch)
        {
            token.readerIndex = 0;
            token.writerIndex = 0;
            Token.REF_CNT.lazySet(token, 1);
        }
        if (!SpinHandoff.offer(queues.full, batch, control))
        {
            queues.back.offer(batch);
            return false;
        }
        return true;
    }

    /** recycledObjectBatch's releasing side: CASes each token's count to 0, sends the array back; per token. */
    @Benchmark
    @Group("recycledObjectBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BatchQueues.BATCH)
    public int releaseRecycledBatch(final BatchQueues queues, final Control control)
    {
        final Token[] batch = SpinHandoff.poll(queues.full, control);
        if (batch == null)
        {
            return 0;
        }
        int released = 0;
        for (final Token token : batch)
        {
            released += Token.REF_CNT.compareAndSet(token, 1, 0) ? 1 : 0;
        }
        queues.back.offer(batch);
        return released;
    }

    /** recycledObject's allocating side: reuses a token that came back over the MPSC queue, and sends it. */
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

    /** recycledObject's releasing side: drops one token's count with a CAS and sends it back over the MPSC queue. */
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

    /** newObject's allocating side: a new token per buffer, sent to the releasing thread. */
    @Benchmark
    @Group("newObject")
    @GroupThreads(1)
    public boolean allocateNew(final Queues queues, final Control control)
    {
        final Token token = new Token();
        Token.REF_CNT.lazySet(token, 1);
        return SpinHandoff.offer(queues.handoff, token, control);
    }

    /** newObject's releasing side: drops one token's count with a CAS; the token becomes garbage. */
    @Benchmark
    @Group("newObject")
    @GroupThreads(1)
    public boolean releaseNew(final Queues queues, final Control control)
    {
        final Token token = SpinHandoff.poll(queues.handoff, control);
        return token != null && Token.REF_CNT.compareAndSet(token, 1, 0);
    }
}
