package io.numaslab.allocator.netty;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.numaslab.allocator.NumaAllocator;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Netty {@link ByteBufAllocator} whose direct buffers live on the NUMA node of the thread that allocates them:
 * switch a server over with
 * <pre>{@code
 * bootstrap.childOption(ChannelOption.ALLOCATOR, NumaByteBufAllocator.DEFAULT);
 * }</pre>
 * Direct and io buffers come from the calling thread's arena of a {@link NumaAllocator} (the slot's node is where
 * the thread runs, or the node it is bound to: see {@link NodeEventLoops}); they may be released from any thread, and
 * memory of another node goes home by itself. Heap buffers come from a heap allocator (by default an
 * {@link UnpooledByteBufAllocator}); composite buffers are Netty's, over buffers of this allocator.
 * <p>
 * The buffers are full Netty {@link ByteBuf}s with a {@linkplain ByteBuf#memoryAddress() memory address}. Capacity
 * grows inside the allocation's size class without copying, and past it by moving to a larger one, up to the
 * buffer's maximum capacity; {@link #calculateNewCapacity} is Netty's (doubling from 64 bytes up to 4 MiB, then
 * steps of 4 MiB). Buffer objects are recycled per thread, so allocating and releasing in a steady state makes no
 * garbage (with leak detection DISABLED; at SIMPLE, one buffer in 128 carries a tracker). A released buffer goes
 * back with its memory to the thread that allocated it (at once, or through that thread's queue when released on
 * another), which keeps a few per size class and at most 512 KiB for its next buffers of those classes, plus what
 * other threads gave back and it has not taken yet (at most 16 MiB of slots up to 16 KiB and 4 MiB of larger ones):
 * then allocate + release frees and allocates nothing below. Kept memory counts as used ({@link #keptBufferBytes()}) and
 * goes back through the NumaAllocator's trims (explicit, idle, on rebinding, and when the thread ends). Virtual
 * threads keep none, nor does an allocator that zeroes freed memory.
 * <p>
 * Leaks are reported by a {@link ResourceLeakDetector} for {@code ByteBuf} that each allocator obtains from
 * {@link ResourceLeakDetectorFactory#instance()} when it is built, at the global {@link ResourceLeakDetector#getLevel()
 * level}; a tracker is kept inside each sampled buffer rather than in a wrapper object.
 * <p>
 * Failures of the memory below surface as the {@link NumaAllocator}'s exceptions:
 * {@link io.numaslab.allocator.NodeLimitExceededException}, {@link io.numaslab.allocator.AllocationFailedException},
 * {@link IllegalArgumentException} for a capacity above {@link NumaAllocator#maxAllocationBytes()}, and
 * {@link IllegalStateException} once the NumaAllocator is closed.
 * <p>
 * Thread-safe; works with Netty 4.1 (4.1.128.Final or later) and 4.2.
 */
public final class NumaByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider
{
    /**
     * The allocator over a process-wide {@code NumaAllocator.builder().build()}, which is built on the first
     * allocation (or {@link #numaAllocator()} call) and never closed.
     */
    public static final NumaByteBufAllocator DEFAULT = new NumaByteBufAllocator();

    private final NumaAllocator memory;
    private final ByteBufAllocator heapAllocator;
    private final boolean directByDefault;
    private final boolean unsafe;
    private final ResourceLeakDetector<ByteBuf> leakDetector;
    private final Metric metric = new Metric();

    /**
     * An allocator over the process-wide default {@link NumaAllocator} (built on first use), preferring direct
     * buffers, with an {@link UnpooledByteBufAllocator} for heap buffers.
     */
    public NumaByteBufAllocator()
    {
        this(null, null, true, UnsafeMemory.AVAILABLE);
    }

    /**
     * An allocator over the given memory, preferring direct buffers, with an {@link UnpooledByteBufAllocator} for
     * heap buffers.
     *
     * @param memory where direct buffers come from; the caller closes it, after every buffer is released.
     * @throws NullPointerException if {@code memory} is null.
     */
    public NumaByteBufAllocator(final NumaAllocator memory)
    {
        this(Objects.requireNonNull(memory, "memory"), null, true, UnsafeMemory.AVAILABLE);
    }

    /**
     * @param memory        where direct buffers come from; the caller closes it, after every buffer is released.
     * @param heapAllocator where heap buffers come from; null for a new {@link UnpooledByteBufAllocator}.
     * @param preferDirect  whether {@link #buffer()} and {@link #compositeBuffer()} return direct buffers.
     * @throws NullPointerException     if {@code memory} is null.
     * @throws IllegalArgumentException if {@code heapAllocator} is a NumaByteBufAllocator (it has no heap of its own).
     */
    public NumaByteBufAllocator(final NumaAllocator memory, final ByteBufAllocator heapAllocator,
        final boolean preferDirect)
    {
        this(Objects.requireNonNull(memory, "memory"), heapAllocator, preferDirect, UnsafeMemory.AVAILABLE);
    }

    /**
     * @param memory        where direct buffers come from; null for the process-wide default, built on first use.
     * @param heapAllocator where heap buffers come from; null for a new {@link UnpooledByteBufAllocator}.
     * @param preferDirect  whether {@link #buffer()} and {@link #compositeBuffer()} return direct buffers.
     * @param unsafe        false to reach memory through ByteBuffer views even where Unsafe is there (tests of that
     *                      path).
     */
    NumaByteBufAllocator(final NumaAllocator memory, final ByteBufAllocator heapAllocator, final boolean preferDirect,
        final boolean unsafe)
    {
        super(preferDirect);
        if (heapAllocator instanceof NumaByteBufAllocator)
        {
            throw new IllegalArgumentException("heapAllocator must make heap buffers itself, got " + heapAllocator);
        }
        this.memory = memory != null ? withBufferCaches(memory) : null;
        this.heapAllocator = heapAllocator != null ? heapAllocator : new UnpooledByteBufAllocator(false);
        this.directByDefault = preferDirect;
        this.unsafe = unsafe && UnsafeMemory.AVAILABLE;
        this.leakDetector = ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class);
    }

    /** @return the NumaAllocator direct buffers come from (building the process-wide default on first use). */
    public NumaAllocator numaAllocator()
    {
        return memory != null ? memory : DefaultMemory.ALLOCATOR;
    }

    /**
     * @return bytes of released buffers that threads keep with their memory for their next buffers (a racy sum over
     *         the threads, for metrics); counted in the NumaAllocator's used bytes and in
     *         {@code metric().usedDirectMemory()}. {@code numaAllocator().trimCurrentThreadCache()} frees the calling
     *         thread's.
     */
    public long keptBufferBytes()
    {
        return ThreadBufferCache.bytesKept(numaAllocator());
    }

    /** @return the allocator heap buffers come from. */
    public ByteBufAllocator heapAllocator()
    {
        return heapAllocator;
    }

    /** @return whether memory is reached through Unsafe (else through ByteBuffer views). */
    boolean usesUnsafe()
    {
        return unsafe;
    }

    @Override
    protected ByteBuf newDirectBuffer(final int initialCapacity, final int maxCapacity)
    {
        final NumaAllocator memory = numaAllocator();
        // Netty's default maximum is Integer.MAX_VALUE, and growth doubles towards it: capped at what the
        // allocator accepts, a buffer grows to that and then says it cannot, as Netty's own buffers do.
        final int maxAllocation = memory.maxAllocationBytes();
        if (initialCapacity > maxAllocation)
        {
            throw new IllegalArgumentException("initialCapacity " + initialCapacity + " is above the allocator's " +
                "maxAllocationBytes, " + maxAllocation);
        }
        return NumaByteBuf.newInstance(this, memory, unsafe, leakDetector, initialCapacity,
            Math.min(maxCapacity, maxAllocation));
    }

    @Override
    protected ByteBuf newHeapBuffer(final int initialCapacity, final int maxCapacity)
    {
        return heapAllocator.heapBuffer(initialCapacity, maxCapacity);
    }

    /** @return true: direct buffers are pooled by the NumaAllocator. */
    @Override
    public boolean isDirectBufferPooled()
    {
        return true;
    }

    /** @return a direct buffer if this allocator prefers direct buffers, else a heap buffer; 256 bytes. */
    @Override
    public ByteBuf buffer()
    {
        return directByDefault ? directBuffer() : heapBuffer();
    }

    /**
     * @param initialCapacity its capacity in bytes, 0 or more.
     * @return a direct buffer if this allocator prefers direct buffers, else a heap buffer.
     */
    @Override
    public ByteBuf buffer(final int initialCapacity)
    {
        return directByDefault ? directBuffer(initialCapacity) : heapBuffer(initialCapacity);
    }

    /**
     * @param initialCapacity its capacity in bytes, 0 or more.
     * @param maxCapacity     the most it may grow to, at least {@code initialCapacity}.
     * @return a direct buffer if this allocator prefers direct buffers, else a heap buffer.
     */
    @Override
    public ByteBuf buffer(final int initialCapacity, final int maxCapacity)
    {
        return directByDefault ? directBuffer(initialCapacity, maxCapacity) : heapBuffer(initialCapacity, maxCapacity);
    }

    /** @return a direct composite buffer if this allocator prefers direct buffers, else a heap one. */
    @Override
    public CompositeByteBuf compositeBuffer()
    {
        return directByDefault ? compositeDirectBuffer() : compositeHeapBuffer();
    }

    /**
     * @param maxNumComponents how many components it holds before consolidating them.
     * @return a direct composite buffer if this allocator prefers direct buffers, else a heap one.
     */
    @Override
    public CompositeByteBuf compositeBuffer(final int maxNumComponents)
    {
        return directByDefault ? compositeDirectBuffer(maxNumComponents) : compositeHeapBuffer(maxNumComponents);
    }

    /**
     * @return usage: direct bytes as the NumaAllocator counts them (all its users, not only this allocator's
     *     buffers), heap bytes as the heap allocator reports them. {@code usedDirectMemory()} is the bytes handed out
     *     (with the buffers threads keep), not what is mapped; Netty's pooling allocators count their whole chunks
     *     there, so to compare with them use {@code numaAllocator().stats().getReservedBytes()}.
     */
    @Override
    public ByteBufAllocatorMetric metric()
    {
        return metric;
    }

    @Override
    public String toString()
    {
        return "NumaByteBufAllocator(" + (memory == null ? "default NumaAllocator" :
            "nodes " + Arrays.toString(memory.nodes())) + ", directByDefault: " + directByDefault + ")";
    }

    /** The process-wide NumaAllocator of {@link #DEFAULT}, built when this class is first used. */
    private static final class DefaultMemory
    {
        static final NumaAllocator ALLOCATOR = withBufferCaches(NumaAllocator.builder().build());
    }

    /** Lets the allocator trim the per-thread caches of released buffers (see {@link ThreadBufferCache}). */
    private static NumaAllocator withBufferCaches(final NumaAllocator memory)
    {
        memory.addUpperCache(ThreadBufferCache.TRIMMER);
        return memory;
    }

    /** Reads the usage from the NumaAllocator and the heap allocator at each call. */
    private final class Metric implements ByteBufAllocatorMetric
    {
        @Override
        public long usedHeapMemory()
        {
            return heapAllocator instanceof ByteBufAllocatorMetricProvider ?
                ((ByteBufAllocatorMetricProvider)heapAllocator).metric().usedHeapMemory() : -1;
        }

        @Override
        public long usedDirectMemory()
        {
            return numaAllocator().stats().getUsedBytes();
        }

        @Override
        public String toString()
        {
            return "NumaByteBufAllocatorMetric(usedHeapMemory: " + usedHeapMemory() + "; usedDirectMemory: " +
                usedDirectMemory() + "; keptBufferBytes: " + keptBufferBytes() + ")";
        }
    }
}
