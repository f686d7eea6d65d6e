package io.numaslab.bench.c1000k;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.netty.NodeEventLoops;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import io.numaslab.bench.jmh.BenchAllocators;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server process of the many-connection run, one per allocator under test: a Netty echo server on
 * 127.0.0.1 whose connections each keep a 256-byte session record from that allocator, and nothing else, so that
 * the run's memory figures (RSS, direct memory, use per node) are those of the allocator serving the connections.
 * <p>
 * Driven by {@link ManyConnectionsRun} over stdin and stdout: {@code EchoServer ALLOCATOR} replies
 * {@code @READY port} once listening, with the allocator set up on every event loop; {@code COUNT} is
 * answered with {@code @OPEN} and the connections it holds; {@code MEASURE} is answered with {@code @MEASURED} and a
 * {@link Replies.Measured}; {@code EXIT} or the end of stdin ends it.
 */
public final class EchoServer
{
    private EchoServer()
    {
    }

    /**
     * @param args the allocator: numaslab, pooled or adaptive.
     * @throws Exception if the server cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final ByteBufAllocator allocator = allocator(args[0]);
        final boolean epoll = Epoll.isAvailable();
        final int cpus = Math.max(1, Runtime.getRuntime().availableProcessors());
        final EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        final EventLoopGroup workers;
        if (allocator instanceof NumaByteBufAllocator)
        {
            // numaslab as a user would deploy it: event loops pinned to CPUs of every node, each bound to its
            // node's arena, as many loops in all as the others get (one per CPU)
            final NumaAllocator numa = ((NumaByteBufAllocator)allocator).numaAllocator();
            workers = NodeEventLoops.create(numa, Math.max(1, cpus / numa.nodes().length)).group();
        }
        else
        {
            workers = epoll ? new EpollEventLoopGroup(cpus) : new NioEventLoopGroup(cpus);
        }
        final Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final AtomicInteger open = new AtomicInteger();
        final Failures acceptFailures = new Failures("accept");
        final Failures connectionFailures = new Failures("connection");
        final Channel server = new ServerBootstrap().group(boss, workers).channel(serverChannel)
            .option(ChannelOption.SO_BACKLOG, 65535).option(ChannelOption.ALLOCATOR, allocator)
            .handler(acceptFailures)
            .childOption(ChannelOption.ALLOCATOR, allocator).childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new EchoWithSession(open, connectionFailures));
                }
            })
            .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        // Set the allocator up on every event loop before the baseline and the first connection: numaslab does so
        // lazily, and in an emulated VM that took longer than opening thousands of connections.
        for (final EventExecutor loop : workers)
        {
            loop.submit(() -> allocator.directBuffer(ManyConnectionsRun.SESSION_BYTES).release()).sync();
        }
        System.gc();
        Thread.sleep(200);
        final long rssBefore = Preflight.rssBytes();
        final long directBefore = BenchAllocators.directMemoryHeld(allocator);
        System.out.println(ChildJvm.REPLY + "READY " + ((InetSocketAddress)server.localAddress()).getPort());
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String command = commands.readLine(); command != null && !command.equals("EXIT"); command = commands.readLine())
        {
            if (command.equals("COUNT"))
            {
                System.out.println(ChildJvm.REPLY + "OPEN " + open.get());
            }
            else if (command.equals("MEASURE"))
            {
                final long direct = BenchAllocators.directMemoryHeld(allocator);
                final Replies.Measured measured = new Replies.Measured(epoll ? "epoll" : "nio", open.get(), rssBefore,
                    Preflight.rssBytes(), direct, directBefore, numaslabUsedPerNode(),
                    String.join("; ", acceptFailures.describe(), connectionFailures.describe()).replaceAll("^; |; $", ""));
                System.out.println(ChildJvm.REPLY + "MEASURED " + measured.toLine());
            }
        }
        // The kernel closes a million sockets faster than a graceful shutdown would.
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** The allocators a run can put under test, by their option names. */
    static final List<String> ALLOCATORS = List.of("numaslab", "pooled", "adaptive");

    static ByteBufAllocator allocator(final String name) throws ReflectiveOperationException
    {
        switch (name)
        {
            case "numaslab":
                return NumaByteBufAllocator.DEFAULT;
            case "pooled":
                return PooledByteBufAllocator.DEFAULT;
            case "adaptive":
                return (ByteBufAllocator)Class.forName("io.netty.buffer.AdaptiveByteBufAllocator")
                    .getConstructor().newInstance();
            default:
                throw new IllegalArgumentException("unknown allocator " + name + " (numaslab, pooled, adaptive)");
        }
    }

    private static Map<Integer, Long> numaslabUsedPerNode()
    {
        final Map<Integer, Long> perNode = new TreeMap<>();
        try
        {
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (final ObjectName name : server.queryNames(new ObjectName("io.numaslab:type=NodeArena,*"), null))
            {
                perNode.merge(Integer.parseInt(name.getKeyProperty("node")), (Long)server.getAttribute(name, "UsedBytes"), Long::sum);
            }
        }
        catch (final Exception ex)
        {
            System.out.println("cannot read numaslab JMX: " + ex);
        }
        return perNode;
    }

    /** A session record per connection from the allocator under test, and echo. */
    static final class EchoWithSession extends ChannelInboundHandlerAdapter
    {
        private final AtomicInteger open;
        private final Failures failures;
        private ByteBuf session;

        EchoWithSession(final AtomicInteger open, final Failures failures)
        {
            this.open = open;
            this.failures = failures;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            session = ctx.alloc().directBuffer(ManyConnectionsRun.SESSION_BYTES);
            session.writeLong(ctx.channel().hashCode());
            open.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            session.setLong(8, session.getLong(8) + 1);
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            ctx.flush();
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            if (session != null)
            {
                session.release();
                session = null;
                open.decrementAndGet();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            failures.exceptionCaught(ctx, cause);
            ctx.close();
        }
    }

    /**
     * Counts errors instead of logging each: the listening socket's (accept failing, e.g. at the file descriptor
     * limit) or the connections'.
     */
    @ChannelHandler.Sharable
    static final class Failures extends ChannelInboundHandlerAdapter
    {
        private final String what;
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicReference<Throwable> first = new AtomicReference<>();

        Failures(final String what)
        {
            this.what = what;
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            if (count.incrementAndGet() == 1)
            {
                first.set(cause);
                System.out.println(what + " failed: " + cause);
                cause.printStackTrace(System.out);
            }
        }

        String describe()
        {
            return count.get() == 0 ? "" : what + " failed " + count.get() + " times on the server, first: " + first.get();
        }
    }
}
