package io.numaslab.bench.c1000k;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.netty.util.concurrent.EventExecutor;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A load generator process of the many-connection run: it holds the client ends of a share of the connections (as
 * many as its own file descriptor limit allows) and, while loaded, makes 20% of them send a 64-byte message each
 * second and times the echo. It uses Netty's default allocator: the allocator under test is the server's.
 * <p>
 * Driven by {@link ManyConnectionsRun} over stdin and stdout:
 * {@code LoadGenerator PORT FIRST COUNT CONNECT_SECONDS} opens COUNT connections to 127.0.0.1:PORT, connection
 * i from source address {@link #sourceAddress(int) sourceAddress(FIRST + i)}, giving up after CONNECT_SECONDS,
 * and replies {@code @CONNECTED} and a {@link Replies.Connected}; {@code LOAD} starts the messages (the first
 * second is not measured); {@code STOP} stops them and is answered with {@code @LOADED} and a
 * {@link Replies.Loaded}; {@code EXIT} or the end of stdin ends it.
 */
public final class LoadGenerator
{
    static final int CONNECTS_IN_FLIGHT = 1000;
    private static final int CONNECT_TIMEOUT_MILLIS = 20_000;
    private static final int MAX_CONNECT_FAILURES = 100;

    private LoadGenerator()
    {
    }

    /**
     * @param args port, first connection index, connection count, connect time limit in seconds, messages per
     *             connection per second.
     * @throws Exception if the generator cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final int port = Integer.parseInt(args[0]);
        final int first = Integer.parseInt(args[1]);
        final int count = Integer.parseInt(args[2]);
        final long connectLimitNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        final double rate = Double.parseDouble(args[4]);
        final boolean epoll = Epoll.isAvailable();
        final int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        final EventLoopGroup group = epoll ? new EpollEventLoopGroup(loops) : new NioEventLoopGroup(loops);
        final Load load = new Load(rate);
        final Bootstrap client = new Bootstrap().group(group)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new FixedLengthFrameDecoder(ManyConnectionsRun.MESSAGE_BYTES), new RoundTrips(load));
                }
            });
        final InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);

        // At most CONNECTS_IN_FLIGHT connects at a time, from 127.0.0.2, .3, ... to pass the 64K ports of one address.
        final long start = System.nanoTime();
        final Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
        final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        final AtomicInteger failures = new AtomicInteger();
        String limit = "";
        long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < count; i++)
        {
            final long now = System.nanoTime();
            if (failures.get() >= MAX_CONNECT_FAILURES)
            {
                break;
            }
            if (now - start > connectLimitNanos)
            {
                limit = String.format(Locale.ROOT, "time limit: the connect phase stopped after %d s (--connect-seconds) " +
                    "with %d of its %d connections", TimeUnit.NANOSECONDS.toSeconds(connectLimitNanos), load.connected.get(), count);
                break;
            }
            if (now > nextProgress)
            {
                System.out.printf(Locale.ROOT, "%d of %d connections open after %.0f s%n", load.connected.get(), count, (now - start) / 1e9);
                nextProgress += TimeUnit.SECONDS.toNanos(10);
            }
            if (!inFlight.tryAcquire(1, TimeUnit.SECONDS))
            {
                i--;
                continue;
            }
            client.connect(server, new InetSocketAddress(sourceAddress(first + i), 0)).addListener((ChannelFuture f) ->
            {
                if (!f.isSuccess())
                {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, f.cause());
                }
                else
                {
                    // Counted here, before the permit goes back: Netty completes the connect promise before it fires
                    // channelActive, so counting there let the last connects be missed by the count read below.
                    load.add(f.channel());
                }
                inFlight.release();
            });
        }
        inFlight.tryAcquire(CONNECTS_IN_FLIGHT, CONNECT_TIMEOUT_MILLIS + 10_000L, TimeUnit.MILLISECONDS);
        final double connectSeconds = (System.nanoTime() - start) / 1e9;
        if (firstFailure.get() != null)
        {
            limit = (limit.isEmpty() ? "" : limit + "; ") + "connect failed " + failures.get() + " times, first: " + firstFailure.get();
        }
        System.out.printf(Locale.ROOT, "%d connections open in %.1f s (%s transport), generator RSS %d MiB%s%n",
            load.connected.get(), connectSeconds, epoll ? "epoll" : "nio", Preflight.rssBytes() >> 20,
            limit.isEmpty() ? "" : ": " + limit);
        System.out.println(ChildJvm.REPLY + "CONNECTED " + new Replies.Connected(load.connected.get(), connectSeconds, limit).toLine());

        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long loadStart = 0;
        for (String command = commands.readLine(); command != null && !command.equals("EXIT"); command = commands.readLine())
        {
            if (command.equals("LOAD"))
            {
                load.start(group);
                Thread.sleep(1000); // ramp up, not measured
                load.resetStats();
                loadStart = System.nanoTime();
            }
            else if (command.equals("STOP"))
            {
                final double seconds = (System.nanoTime() - loadStart) / 1e9;
                final long received = load.received.get();
                final long sent = load.sent.get();
                final Histogram latency = load.latencySnapshot();
                load.stop();
                System.out.println(ChildJvm.REPLY + "LOADED " +
                    new Replies.Loaded(load.connected.get(), sent, received, seconds, latency).toLine());
            }
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * @param connection the connection's number in the whole run.
     * @return its source address: 127.0.0.2 for the first {@value ManyConnectionsRun#PORTS_PER_SOURCE_ADDRESS}, then .3, ...
     */
    static String sourceAddress(final int connection)
    {
        final int n = 2 + connection / ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS;
        return "127.0." + (n >> 8) + "." + (n & 255);
    }

    /** The round trip of every echoed message. */
    static final class RoundTrips extends ChannelInboundHandlerAdapter
    {
        private final Load load;

        RoundTrips(final Load load)
        {
            this.load = load;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf frame = (ByteBuf)msg;
            final long sentNanos = frame.getLong(frame.readerIndex());
            frame.release();
            load.record(ctx.channel().eventLoop(), sentNanos, System.nanoTime() - sentNanos);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            load.connected.decrementAndGet();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // After STOP the server goes first and resets the connections whose echoes it had not sent: expected.
            if (load.errors.getAndIncrement() == 0 && !load.finished())
            {
                System.out.println("first error on a client connection (closing it): " + cause);
            }
            ctx.close();
        }
    }

    /** The client connections per event loop, the senders' ticks and the round-trip statistics. */
    static final class Load
    {
        final AtomicInteger connected = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        /** Messages sent in the measured window (by their due time), all loops. */
        final AtomicLong sent = new AtomicLong();
        /** Messages each connection sends per second. */
        final double rate;
        final AtomicInteger errors = new AtomicInteger();
        private final Map<EventLoop, LoopState> loops = new ConcurrentHashMap<>();
        private volatile boolean running;
        private volatile boolean finished;
        private volatile long windowStart = Long.MAX_VALUE;

        Load(final double rate)
        {
            this.rate = rate;
        }

        void add(final Channel channel)
        {
            state(channel.eventLoop()).channels.add(channel);
            connected.incrementAndGet();
        }

        /** Counts an echo if its message was sent in the measured window, so that a backlog from the ramp-up does not count. */
        void record(final EventLoop loop, final long sentNanos, final long nanos)
        {
            if (sentNanos < windowStart)
            {
                return;
            }
            final LoopState state = state(loop);
            state.latency.recordValue(Math.max(0, Math.min(nanos, state.latency.getHighestTrackableValue())));
            received.incrementAndGet();
        }

        private LoopState state(final EventLoop loop)
        {
            return loops.computeIfAbsent(loop, l -> new LoopState());
        }

        void start(final EventLoopGroup group)
        {
            running = true;
            for (final EventExecutor executor : group)
            {
                final EventLoop loop = (EventLoop)executor;
                final LoopState state = state(loop);
                state.nextDue = 0;
                loop.scheduleAtFixedRate(() -> state.tick(this), 0, 1000 / ManyConnectionsRun.TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
            }
        }

        void stop()
        {
            running = false;
            finished = true;
        }

        /** @return whether the load was stopped for good: the server may go away from now on. */
        boolean finished()
        {
            return finished;
        }

        /** Starts the measured window: from now on, only messages sent from now on count. */
        void resetStats()
        {
            windowStart = System.nanoTime();
            for (final Map.Entry<EventLoop, LoopState> e : loops.entrySet())
            {
                e.getKey().submit(() -> e.getValue().latency.reset()).syncUninterruptibly();
            }
            received.set(0);
            sent.set(0);
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

        long windowStart()
        {
            return windowStart;
        }
    }

    /** One event loop's client connections (touched only on that loop) and round trips. */
    static final class LoopState
    {
        final List<Channel> channels = new ArrayList<>();
        final Histogram latency = new Histogram(60_000_000_000L, 2);
        private int cursor;
        private double owed;
        /** When the next tick is due (0 before the first): ticks are due one period apart, whenever they run. */
        long nextDue;

        void tick(final Load load)
        {
            if (!load.running() || channels.isEmpty())
            {
                return;
            }
            // A message's round trip counts from when it was due, not from when a late tick got to write it: a loop
            // that falls behind the rate asked for then shows its backlog in the latencies, rather than hiding it
            // before the timestamp (coordinated omission).
            final long period = 1_000_000_000L / ManyConnectionsRun.TICKS_PER_SECOND;
            final long now = System.nanoTime();
            if (nextDue == 0)
            {
                nextDue = now;
            }
            // the scheduler may run a tick a little before this count says it is due: then it is due now
            final long due = Math.min(nextDue, now);
            nextDue += period;
            owed += channels.size() * load.rate / ManyConnectionsRun.TICKS_PER_SECOND;
            final int count = (int)owed;
            owed -= count;
            if (due >= load.windowStart())
            {
                load.sent.addAndGet(count);
            }
            for (int k = 0; k < count && !channels.isEmpty(); k++)
            {
                cursor = (cursor + 1) % channels.size();
                final Channel channel = channels.get(cursor);
                if (!channel.isActive())
                {
                    // Closed: drop it here, in O(1), rather than search the list when it closes.
                    channels.set(cursor, channels.get(channels.size() - 1));
                    channels.remove(channels.size() - 1);
                    continue;
                }
                final ByteBuf message = channel.alloc().directBuffer(ManyConnectionsRun.MESSAGE_BYTES);
                message.writeLong(due).writeZero(ManyConnectionsRun.MESSAGE_BYTES - 8);
                channel.writeAndFlush(message, channel.voidPromise());
            }
        }
    }
}
