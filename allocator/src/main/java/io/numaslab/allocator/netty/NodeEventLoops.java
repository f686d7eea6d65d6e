package io.numaslab.allocator.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.numaslab.allocator.NodeAffinity;
import io.numaslab.allocator.NumaAllocator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Netty {@link EventLoopGroup} whose threads are spread over the nodes of a {@link NumaAllocator}: each thread is
 * pinned to a CPU of its node and bound to that node's arena before it runs its loop, so the buffers it allocates
 * (reads, encoders) live on the node where it runs.
 * <pre>{@code
 * try (NodeEventLoops loops = NodeEventLoops.create(numa, 1)) {          // one loop per node
 *     new ServerBootstrap().group(boss, loops.group()).channel(loops.serverChannelClass())
 *         .childOption(ChannelOption.ALLOCATOR, new NumaByteBufAllocator(numa)) ...
 * }
 * }</pre>
 * Threads are made as Netty first needs them; the k-th thread made goes to node {@code nodes[k % nodes.length]}, so
 * a group of {@code threadsPerNode * nodes} threads has {@code threadsPerNode} on each node. Epoll is used where
 * {@code Epoll.isAvailable()} (netty-transport-native-epoll on the class path), else NIO; both through constructors
 * that Netty 4.1 and 4.2 share ({@code new NioEventLoopGroup(n, threadFactory)}, deprecated in 4.2).
 * <p>
 * Every second each loop runs {@link NumaAllocator#trimCurrentThreadCacheIfIdle()}: a loop that has not allocated
 * or freed since the previous second gives its cached memory back to its arena.
 * <p>
 * Close the loops before the allocator: a loop allocating while {@link NumaAllocator#close()} runs may get memory that
 * close() unmaps. And released buffers that a live loop keeps for reuse count as in use at close(), which then keeps
 * their regions' addresses mapped (to zero pages) rather than unmap memory the loop may be writing to.
 */
public final class NodeEventLoops implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(NodeEventLoops.class.getName());
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** How often each loop checks whether it has been idle, and if so gives its cached memory back. */
    static final Duration IDLE_TRIM_INTERVAL = Duration.ofSeconds(1);

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends SocketChannel> channelClass;
    private final boolean epoll;
    private final int threads;
    /** The threads the group has made so far, which {@link #close()} waits for. */
    private final List<Thread> made;

    private NodeEventLoops(final NumaAllocator allocator, final EventLoopGroup group,
        final Class<? extends ServerChannel> serverChannelClass, final Class<? extends SocketChannel> channelClass,
        final boolean epoll, final int threads, final List<Thread> made)
    {
        this.group = group;
        this.made = made;
        this.serverChannelClass = serverChannelClass;
        this.channelClass = channelClass;
        this.epoll = epoll;
        this.threads = threads;
        final long periodMillis = IDLE_TRIM_INTERVAL.toMillis();
        group.forEach(loop -> loop.scheduleAtFixedRate(allocator::trimCurrentThreadCacheIfIdle, periodMillis,
            periodMillis, TimeUnit.MILLISECONDS));
    }

    /**
     * Starts {@code threadsPerNode} event loops on each node of the allocator, with epoll if it is available, else NIO.
     *
     * @param allocator      the allocator whose nodes and arenas the threads use.
     * @param threadsPerNode 1 or more.
     * @return the loops; close them to shut the group down.
     * @throws IllegalArgumentException if {@code threadsPerNode} is less than 1.
     */
    public static NodeEventLoops create(final NumaAllocator allocator, final int threadsPerNode)
    {
        final int threads = threadCount(allocator, threadsPerNode);
        if (EpollTransport.isAvailable())
        {
            return EpollTransport.create(allocator, threads);
        }
        return createNio(allocator, threadsPerNode);
    }

    /**
     * Starts {@code threadsPerNode} NIO event loops on each node of the allocator.
     *
     * @param allocator      the allocator whose nodes and arenas the threads use.
     * @param threadsPerNode 1 or more.
     * @return the loops; close them to shut the group down.
     * @throws IllegalArgumentException if {@code threadsPerNode} is less than 1.
     */
    @SuppressWarnings("deprecation")
    public static NodeEventLoops createNio(final NumaAllocator allocator, final int threadsPerNode)
    {
        final int threads = threadCount(allocator, threadsPerNode);
        final List<Thread> made = new CopyOnWriteArrayList<>();
        final EventLoopGroup group = new NioEventLoopGroup(threads, threadFactory(allocator, "numaslab-nio", made));
        return new NodeEventLoops(allocator, group, NioServerSocketChannel.class, NioSocketChannel.class, false, threads,
            made);
    }

    /**
     * A thread factory for any Netty group (for instance 4.2's {@code MultiThreadIoEventLoopGroup}): its k-th thread
     * pins itself to a CPU of node {@code nodes[k % nodes.length]} (each node's CPUs taken in turn, so the threads of a
     * node are on distinct CPUs while it has CPUs enough), binds itself to that node's arena, runs its task, and gives
     * its cached memory back when the task ends. A thread that cannot be pinned (the node has no CPU this process may
     * use, or affinity is not supported) logs a warning and runs bound but unpinned.
     *
     * @param allocator  the allocator whose nodes and arenas the threads use.
     * @param namePrefix thread names are {@code namePrefix-node<N>-<k>}.
     * @return the factory; its threads are Netty {@link FastThreadLocalThread}s.
     */
    public static ThreadFactory threadFactory(final NumaAllocator allocator, final String namePrefix)
    {
        return threadFactory(allocator, namePrefix, null);
    }

    /** {@link #threadFactory(NumaAllocator, String)} that adds each thread it makes to {@code made}, if not null. */
    private static ThreadFactory threadFactory(final NumaAllocator allocator, final String namePrefix,
        final List<Thread> made)
    {
        final int[] nodes = allocator.nodes();
        final AtomicInteger created = new AtomicInteger();
        return task ->
        {
            final int k = created.getAndIncrement();
            final int node = nodes[Math.floorMod(k, nodes.length)];
            final Thread thread = new FastThreadLocalThread(() -> runOnNode(allocator, node, task),
                namePrefix + "-node" + node + "-" + k);
            thread.setDaemon(true);
            if (made != null)
            {
                made.add(thread);
            }
            return thread;
        };
    }

    private static void runOnNode(final NumaAllocator allocator, final int node, final Runnable task)
    {
        try
        {
            NodeAffinity.pinCurrentThreadToNode(node);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: " + Thread.currentThread().getName() +
                " not pinned to node " + node + ", runs bound to its arena only: " + ex);
        }
        allocator.bindCurrentThread(node);
        try
        {
            task.run();
        }
        finally
        {
            if (!allocator.isClosed())
            {
                allocator.trimCurrentThreadCache();
            }
        }
    }

    private static int threadCount(final NumaAllocator allocator, final int threadsPerNode)
    {
        if (threadsPerNode < 1)
        {
            throw new IllegalArgumentException("threadsPerNode must be at least 1, got " + threadsPerNode);
        }
        return Math.multiplyExact(threadsPerNode, allocator.nodes().length);
    }

    /** @return the event loop group. */
    public EventLoopGroup group()
    {
        return group;
    }

    /** @return the server channel class of the group's transport, for {@code ServerBootstrap.channel(...)}. */
    public Class<? extends ServerChannel> serverChannelClass()
    {
        return serverChannelClass;
    }

    /** @return the client channel class of the group's transport, for {@code Bootstrap.channel(...)}. */
    public Class<? extends SocketChannel> channelClass()
    {
        return channelClass;
    }

    /** @return true for epoll, false for NIO. */
    public boolean isEpoll()
    {
        return epoll;
    }

    /** @return how many event loops the group has: threads per node times nodes. */
    public int threadCount()
    {
        return threads;
    }

    /**
     * Runs a task once on every event loop of the group and waits for all of them, for instance
     * {@code numa::trimCurrentThreadCache} before reading exact usage.
     *
     * @param task    what each loop runs.
     * @param timeout how long to wait for all of them.
     * @throws IllegalStateException if they did not all finish in time or one failed (the cause is attached).
     */
    public void runOnEachLoop(final Runnable task, final Duration timeout)
    {
        final long deadlineNanos = System.nanoTime() + timeout.toNanos();
        final List<Future<?>> done = new ArrayList<>();
        group.forEach(loop -> done.add(loop.submit(task)));
        for (final Future<?> future : done)
        {
            final long leftNanos = Math.max(0, deadlineNanos - System.nanoTime());
            if (!future.awaitUninterruptibly(leftNanos, TimeUnit.NANOSECONDS))
            {
                throw new IllegalStateException("a task on the event loops did not finish within " + timeout);
            }
            if (!future.isSuccess())
            {
                throw new IllegalStateException("a task on the event loops failed", future.cause());
            }
        }
    }

    /**
     * Shuts the group down at once (no quiet period) and waits up to 10 s for its threads to end. The threads
     * themselves, not only their loops: a thread gives its cached memory back after its loop has terminated, and
     * memory that the buffer caches of live threads keep counts as in use at {@link NumaAllocator#close()} (their
     * regions keep their addresses). Closed first, the loops leave nothing that keeps the allocator's addresses.
     * <p>
     * Called on one of the group's own loops, it waits only for the other threads: its own loop terminates, and its
     * thread ends, only once this has returned.
     */
    @Override
    public void close()
    {
        final long deadlineNanos = System.nanoTime() + SHUTDOWN_TIMEOUT.toNanos() * 2;
        final Thread current = Thread.currentThread();
        final Future<?> terminated = group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!made.contains(current))
        {
            terminated.awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis() * 2);
        }
        boolean interrupted = false;
        for (final Thread thread : made)
        {
            while (thread != current && thread.isAlive())
            {
                final long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (leftMillis <= 0)
                {
                    break;
                }
                try
                {
                    thread.join(leftMillis);
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true; // wait all the same, as the group's termination above does
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Epoll, referenced only once its classes are known to be on the class path. */
    private static final class EpollTransport
    {
        static boolean isAvailable()
        {
            try
            {
                Class.forName("io.netty.channel.epoll.Epoll", false, NodeEventLoops.class.getClassLoader());
            }
            catch (final ClassNotFoundException | LinkageError ex)
            {
                return false;
            }
            return io.netty.channel.epoll.Epoll.isAvailable();
        }

        @SuppressWarnings("deprecation")
        static NodeEventLoops create(final NumaAllocator allocator, final int threads)
        {
            final List<Thread> made = new CopyOnWriteArrayList<>();
            final EventLoopGroup group = new io.netty.channel.epoll.EpollEventLoopGroup(threads,
                threadFactory(allocator, "numaslab-epoll", made));
            return new NodeEventLoops(allocator, group, io.netty.channel.epoll.EpollServerSocketChannel.class,
                io.netty.channel.epoll.EpollSocketChannel.class, true, threads, made);
        }
    }
}
