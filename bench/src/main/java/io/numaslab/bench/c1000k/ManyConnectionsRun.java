package io.numaslab.bench.c1000k;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import org.HdrHistogram.Histogram;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The many-connection ("C1000K") run: a Netty echo server and a load generator in one process, on loopback
 * only, holding N connections while each second 20% of them send a 64-byte message that the server echoes.
 * Every connection also keeps a session record (256 bytes) from the allocator under test, on both ends.
 * <p>
 * The parent process checks the machine's limits up front, then runs one child JVM per allocator (numaslab,
 * Netty's pooled, Netty's adaptive), so that each one's memory is measured alone, and prints them side by
 * side: connections held, messages per second, p50/p99 round trip, process RSS and direct memory per
 * connection, numaslab's usage per node.
 * <p>
 * {@code numaslab c1000k [--connections N] [--seconds S] [--allocators a,b,c] [--results DIR]}; defaults
 * 50,000 connections, 15 s of load, all three allocators. It stops by itself.
 */
public final class ManyConnectionsRun
{
    static final int MESSAGE_BYTES = 64;
    static final int SESSION_BYTES = 256;
    static final double SENDERS_PER_SECOND = 0.2;
    static final int TICKS_PER_SECOND = 10;
    static final int PORTS_PER_SOURCE_ADDRESS = 25_000;
    static final int CONNECTS_IN_FLIGHT = 2000;

    private ManyConnectionsRun()
    {
    }

    /**
     * @param args see the class comment; {@code --child ALLOCATOR} runs one allocator in this process.
     * @throws Exception if the run cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        int connections = 50_000;
        int seconds = 15;
        String allocators = "numaslab,pooled,adaptive";
        String child = null;
        Path results = Paths.get("bench", "results");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--connections": connections = Integer.parseInt(args[++i].replace("_", "").replace(",", "")); break;
                case "--seconds": seconds = Integer.parseInt(args[++i]); break;
                case "--allocators": allocators = args[++i]; break;
                case "--results": results = Paths.get(args[++i]); break;
                case "--child": child = args[++i]; break;
                default: throw new IllegalArgumentException("unknown option " + args[i] +
                    " (--connections N, --seconds S, --allocators numaslab,pooled,adaptive, --results DIR)");
            }
        }
        if (connections < 1)
        {
            throw new IllegalArgumentException("--connections must be at least 1");
        }
        if (child != null)
        {
            final RunResult result = runOne(child, connections, seconds);
            System.out.println("RESULT " + result.toJson());
            System.exit(0);
        }
        System.out.print(io.numaslab.numa.NumaTopology.read().describe());
        final List<String> problems = Preflight.check(connections);
        if (!problems.isEmpty())
        {
            System.err.println("numaslab c1000k: this machine cannot hold " + connections + " connections yet:");
            problems.forEach(p -> System.err.println("  - " + p));
            System.exit(2);
        }
        String limit = "";
        final int allowed = Preflight.connectionsTheFileLimitAllows();
        if (allowed < connections)
        {
            limit = "file descriptor limit: " + allowed + " of " + connections + " connections (" +
                Preflight.fileLimitExplanation(connections) + ")";
            System.out.println("numaslab c1000k: holding " + allowed + " connections, not " + connections + ": " +
                Preflight.fileLimitExplanation(connections));
        }
        final List<RunResult> runs = new ArrayList<>();
        for (final String allocator : allocators.split(","))
        {
            final RunResult run = runChild(allocator.trim(), Math.min(connections, allowed), seconds);
            runs.add(limit.isEmpty() || !run.limit().isEmpty() ? run : run.withLimit(connections, limit));
        }
        final String report = Report.markdown(runs, connections, seconds);
        System.out.println();
        System.out.print(report);
        Files.createDirectories(results);
        Files.writeString(results.resolve("c1000k.md"), report);
        final StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < runs.size(); i++)
        {
            json.append("  ").append(runs.get(i).toJson()).append(i + 1 < runs.size() ? ",\n" : "\n");
        }
        Files.writeString(results.resolve("c1000k.json"), json.append("]\n").toString());
        System.out.println("written: " + results.resolve("c1000k.md") + " and c1000k.json");
    }

    private static RunResult runChild(final String allocator, final int connections, final int seconds)
        throws IOException, InterruptedException
    {
        final long heapMiB = Math.max(1024, 512 + connections * 6L / 1024);
        final List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heapMiB + "m", "-Xms" + Math.min(heapMiB, 1024) + "m",
            "--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled",
            "-cp", System.getProperty("java.class.path"),
            ManyConnectionsRun.class.getName(), "--child", allocator,
            "--connections", String.valueOf(connections), "--seconds", String.valueOf(seconds)));
        System.out.println("=== " + allocator + ": " + connections + " connections, " + seconds + " s of load ===");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        RunResult result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                if (line.startsWith("RESULT "))
                {
                    result = RunResult.fromJson(line.substring("RESULT ".length()));
                }
                else
                {
                    System.out.println("  " + line);
                }
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES) || result == null)
        {
            process.destroyForcibly();
            return new RunResult(allocator, "?", connections, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(),
                "the run failed (exit " + (process.isAlive() ? "timeout" : process.exitValue()) + "); see its output above");
        }
        return result;
    }

    /** Runs the server, the clients and the load with one allocator, in this process. */
    static RunResult runOne(final String allocatorName, final int connections, final int seconds) throws Exception
    {
        final ByteBufAllocator allocator = Allocators.byName(allocatorName);
        final boolean epoll = Epoll.isAvailable();
        final int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        final EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        final EventLoopGroup workers = epoll ? new EpollEventLoopGroup(loops) : new NioEventLoopGroup(loops);
        final EventLoopGroup clients = epoll ? new EpollEventLoopGroup(loops) : new NioEventLoopGroup(loops);
        final Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final Class<? extends SocketChannel> clientChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        final Load load = new Load();
        try
        {
            final Channel server = new ServerBootstrap().group(boss, workers).channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 16384).option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOCATOR, allocator).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        ch.pipeline().addLast(new EchoWithSession());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            final InetSocketAddress serverAddress = (InetSocketAddress)server.localAddress();
            final Bootstrap client = new Bootstrap().group(clients).channel(clientChannel)
                .option(ChannelOption.ALLOCATOR, allocator).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        ch.pipeline().addLast(new FixedLengthFrameDecoder(MESSAGE_BYTES), new ClientSession(load));
                    }
                });
            System.gc();
            Thread.sleep(200);
            final long rssBefore = Preflight.rssBytes();

            // Open the connections, at most CONNECTS_IN_FLIGHT at a time, from 127.0.0.2, .3, ... to pass 64K ports.
            final long connectStart = System.nanoTime();
            final Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
            final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            final AtomicInteger failures = new AtomicInteger();
            for (int i = 0; i < connections && failures.get() < 100; i++)
            {
                inFlight.acquire();
                final InetSocketAddress source = new InetSocketAddress(sourceAddress(i), 0);
                client.connect(serverAddress, source).addListener((ChannelFuture f) ->
                {
                    if (!f.isSuccess())
                    {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, f.cause());
                    }
                    inFlight.release();
                });
            }
            inFlight.acquire(CONNECTS_IN_FLIGHT);
            final double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            final int held = load.connected.get();
            System.out.printf(Locale.ROOT, "%d connections open in %.1f s (%s transport)%n", held, connectSeconds,
                epoll ? "epoll" : "nio");
            String limit = "";
            if (firstFailure.get() != null)
            {
                limit = "connect failed " + failures.get() + " times, first: " + firstFailure.get();
                System.out.println(limit);
            }

            // Load: each tick, every client loop makes its share of connections send one message.
            load.start(clients);
            Thread.sleep(1000); // ramp up, not measured
            load.resetStats();
            final long loadStart = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            final double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            final long received = load.received.get();
            final Histogram latency = load.latencySnapshot();
            final long rss = Preflight.rssBytes();
            final long direct = allocator instanceof ByteBufAllocatorMetricProvider ?
                ((ByteBufAllocatorMetricProvider)allocator).metric().usedDirectMemory() : -1;
            final Map<Integer, Long> perNode = numaslabUsedPerNode();
            load.stop();
            final int stillOpen = load.connected.get();
            System.out.printf(Locale.ROOT, "%d messages in %.1f s, p50 %.0f us, p99 %.0f us, RSS %d MiB%n",
                received, loadSeconds, latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, rss >> 20);
            server.close().sync();
            return new RunResult(allocatorName, epoll ? "epoll" : "nio", connections, stillOpen, connectSeconds,
                received / loadSeconds, latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, rss, stillOpen == 0 ? 0 : (rss - rssBefore) / stillOpen,
                direct, stillOpen == 0 || direct < 0 ? -1 : direct / stillOpen, perNode, limit);
        }
        finally
        {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    static String sourceAddress(final int connection)
    {
        final int n = 2 + connection / PORTS_PER_SOURCE_ADDRESS;
        return "127.0." + (n >> 8) + "." + (n & 255);
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

    /** Server side: a session record per connection from the allocator, and echo. */
    static final class EchoWithSession extends ChannelInboundHandlerAdapter
    {
        private ByteBuf session;

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            session = ctx.alloc().directBuffer(SESSION_BYTES);
            session.writeLong(ctx.channel().hashCode());
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
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }

    /** Client side: a session record, and the round trip of every echoed message. */
    static final class ClientSession extends ChannelInboundHandlerAdapter
    {
        private final Load load;
        private ByteBuf session;

        ClientSession(final Load load)
        {
            this.load = load;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            session = ctx.alloc().directBuffer(SESSION_BYTES);
            session.writeLong(ctx.channel().hashCode());
            load.add(ctx.channel());
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            final long sentNanos = frame.getLong(frame.readerIndex());
            frame.release();
            load.record(ctx.channel().eventLoop(), System.nanoTime() - sentNanos);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            load.remove(ctx.channel());
            if (session != null)
            {
                session.release();
                session = null;
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }

    /** The client connections per event loop, the senders' ticks and the round-trip statistics. */
    static final class Load
    {
        final AtomicInteger connected = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        private final Map<EventLoop, LoopState> loops = new ConcurrentHashMap<>();
        private volatile boolean running;

        void add(final Channel channel)
        {
            state(channel.eventLoop()).channels.add(channel);
            connected.incrementAndGet();
        }

        void remove(final Channel channel)
        {
            state(channel.eventLoop()).channels.remove(channel);
            connected.decrementAndGet();
        }

        void record(final EventLoop loop, final long nanos)
        {
            final LoopState state = state(loop);
            state.latency.recordValue(Math.min(nanos, state.latency.getHighestTrackableValue()));
            received.incrementAndGet();
        }

        private LoopState state(final EventLoop loop)
        {
            return loops.computeIfAbsent(loop, l -> new LoopState());
        }

        void start(final EventLoopGroup group)
        {
            running = true;
            for (final io.netty.util.concurrent.EventExecutor executor : group)
            {
                final EventLoop loop = (EventLoop)executor;
                final LoopState state = state(loop);
                loop.scheduleAtFixedRate(() -> state.tick(this), 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
            }
        }

        void stop() throws InterruptedException
        {
            running = false;
            Thread.sleep(300);
        }

        void resetStats()
        {
            for (final Map.Entry<EventLoop, LoopState> e : loops.entrySet())
            {
                e.getKey().submit(() -> e.getValue().latency.reset()).syncUninterruptibly();
            }
            received.set(0);
        }

        Histogram latencySnapshot()
        {
            final Histogram total = new Histogram(60_000_000_000L, 2);
            for (final Map.Entry<EventLoop, LoopState> e : loops.entrySet())
            {
                e.getKey().submit(() -> total.add(e.getValue().latency)).syncUninterruptibly();
            }
            return total;
        }

        boolean running()
        {
            return running;
        }
    }

    /** One client event loop's connections (touched only on that loop) and round trips. */
    static final class LoopState
    {
        final List<Channel> channels = new ArrayList<>();
        final Histogram latency = new Histogram(60_000_000_000L, 2);
        private int cursor;
        private double owed;

        void tick(final Load load)
        {
            if (!load.running() || channels.isEmpty())
            {
                return;
            }
            owed += channels.size() * SENDERS_PER_SECOND / TICKS_PER_SECOND;
            final int count = (int)owed;
            owed -= count;
            for (int k = 0; k < count; k++)
            {
                cursor = (cursor + 1) % channels.size();
                final Channel channel = channels.get(cursor);
                final ByteBuf message = channel.alloc().directBuffer(MESSAGE_BYTES);
                message.writeLong(System.nanoTime()).writeZero(MESSAGE_BYTES - 8);
                channel.writeAndFlush(message, channel.voidPromise());
            }
        }
    }

    /** The allocators under test, by name. */
    static final class Allocators
    {
        private Allocators()
        {
        }

        static ByteBufAllocator byName(final String name) throws ReflectiveOperationException
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
    }
}
