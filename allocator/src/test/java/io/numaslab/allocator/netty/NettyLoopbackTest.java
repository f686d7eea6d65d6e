package io.numaslab.allocator.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Netty server and client on 127.0.0.1, both allocating from one {@link NumaByteBufAllocator} (ALLOCATOR and
 * child ALLOCATOR), exchanging messages of 1 byte to 1 MiB over real sockets: raw echo, and HTTP POSTs through
 * HttpServerCodec and HttpObjectAggregator. Every byte must come back intact, every buffer the server read must be
 * one of ours, and once every connection is closed and every event loop has trimmed its cache, the NumaAllocator's
 * used bytes are back where they started.
 */
@Timeout(60)
class NettyLoopbackTest
{
    private static final int[] SIZES = {1, 7, 100, 1024, 4095, 16_384, 65_536, 100_000, 262_144, 1 << 20};
    private static final Duration WAIT = Duration.ofSeconds(20);

    private NumaAllocator numa;
    private NumaByteBufAllocator alloc;
    private EventLoopGroup boss;
    private NodeEventLoops workers;
    private EventLoopGroup clients;
    private final AtomicInteger openServerChannels = new AtomicInteger();
    private final List<String> foreignBuffers = new CopyOnWriteArrayList<>();
    private final List<Throwable> serverErrors = new CopyOnWriteArrayList<>();
    private long usedBytesBefore;

    @BeforeEach
    @SuppressWarnings("deprecation")
    void startEventLoops()
    {
        numa = NumaAllocator.builder().jmx(false).build();
        alloc = new NumaByteBufAllocator(numa);
        numa.trimCurrentThreadCache();
        numa.maintainNow();
        usedBytesBefore = numa.stats().getUsedBytes();
        boss = new NioEventLoopGroup(1);
        workers = NodeEventLoops.createNio(numa, 2);
        clients = new NioEventLoopGroup(2);
    }

    @AfterEach
    void stopEventLoops()
    {
        boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        workers.close();
        clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        numa.close();
    }

    // -------------------------------------------------------------------------------------------- tests

    @Test
    void echoReturnsEveryByteOfMessagesFromOneByteToOneMiB() throws Exception
    {
        final Channel server = startServer(pipeline -> pipeline.addLast(new EchoServerHandler()));
        final List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        for (final int size : SIZES)
        {
            for (int copy = 0; copy < 2; copy++)
            {
                final byte[] message = pattern(size, size * 31 + copy);
                sent.add(message);
                final CompletableFuture<byte[]> reply = new CompletableFuture<>();
                replies.add(reply);
                connect(server, reply, ch -> ch.pipeline().addLast(new EchoClientHandler(message, reply)));
            }
        }
        for (int i = 0; i < sent.size(); i++)
        {
            assertArrayEquals(sent.get(i), replies.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS),
                sent.get(i).length + "-byte message");
        }
        server.close().syncUninterruptibly();
        assertServerSawOnlyOurBuffersAndUsageIsBackToBaseline();
    }

    @Test
    void httpPostsComeBackIntactFromEmptyToOneMiB() throws Exception
    {
        final Channel server = startServer(pipeline -> pipeline.addLast(new HttpServerCodec(),
            new HttpObjectAggregator(2 << 20), new HttpEchoServerHandler()));
        final List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        final int[] sizes = new int[SIZES.length + 1];
        System.arraycopy(SIZES, 0, sizes, 1, SIZES.length);
        for (final int size : sizes)
        {
            final byte[] body = pattern(size, size * 17 + 3);
            sent.add(body);
            final CompletableFuture<byte[]> reply = new CompletableFuture<>();
            replies.add(reply);
            connect(server, reply, ch -> ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(2 << 20),
                new HttpClientHandler(body, reply)));
        }
        for (int i = 0; i < sent.size(); i++)
        {
            assertArrayEquals(sent.get(i), replies.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS),
                sent.get(i).length + "-byte body");
        }
        server.close().syncUninterruptibly();
        assertServerSawOnlyOurBuffersAndUsageIsBackToBaseline();
    }

    // -------------------------------------------------------------------------------------------- plumbing

    private static byte[] pattern(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private Channel startServer(final Consumer<ChannelPipeline> pipeline)
    {
        return new ServerBootstrap()
            .group(boss, workers.group())
            .channel(workers.serverChannelClass())
            .option(ChannelOption.ALLOCATOR, alloc)
            .childOption(ChannelOption.ALLOCATOR, alloc)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    openServerChannels.incrementAndGet();
                    ch.closeFuture().addListener(f -> openServerChannels.decrementAndGet());
                    ch.pipeline().addLast(new OwnBuffersCheck());
                    pipeline.accept(ch.pipeline());
                }
            })
            .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    private void connect(final Channel server, final CompletableFuture<byte[]> reply,
        final Consumer<SocketChannel> pipeline)
    {
        new Bootstrap()
            .group(clients)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, alloc)
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    pipeline.accept(ch);
                }
            })
            .connect(server.localAddress())
            .addListener(f ->
            {
                if (!f.isSuccess())
                {
                    reply.completeExceptionally(f.cause());
                }
            });
    }

    private void assertServerSawOnlyOurBuffersAndUsageIsBackToBaseline() throws InterruptedException
    {
        final long deadlineNanos = System.nanoTime() + WAIT.toNanos();
        while (openServerChannels.get() > 0 && System.nanoTime() < deadlineNanos)
        {
            Thread.sleep(5);
        }
        assertEquals(0, openServerChannels.get(), "server connections still open");
        assertTrue(serverErrors.isEmpty(), "server errors: " + serverErrors);
        assertTrue(foreignBuffers.isEmpty(), "the server read buffers of another allocator: " + foreignBuffers);
        workers.runOnEachLoop(numa::trimCurrentThreadCache, WAIT);
        for (final EventLoopGroup group : new EventLoopGroup[] {boss, clients})
        {
            for (final EventExecutor loop : group)
            {
                loop.submit(numa::trimCurrentThreadCache).syncUninterruptibly();
            }
        }
        numa.trimCurrentThreadCache();
        numa.maintainNow();
        assertEquals(usedBytesBefore, numa.stats().getUsedBytes(),
            "bytes still allocated after every connection closed");
    }

    /** First in every server pipeline: the bytes read off the socket must be in a buffer of ours. */
    private final class OwnBuffersCheck extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            if (!(msg instanceof NumaByteBuf) || ((ByteBuf)msg).alloc() != alloc || ctx.alloc() != alloc)
            {
                foreignBuffers.add(String.valueOf(msg));
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            serverErrors.add(cause);
            ctx.close();
        }
    }

    /** Writes back whatever it reads. */
    private final class EchoServerHandler extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            serverErrors.add(cause);
            ctx.close();
        }
    }

    /** Sends one message, gathers the echo into a buffer of the allocator, closes when it is complete. */
    private static final class EchoClientHandler extends ChannelInboundHandlerAdapter
    {
        private final byte[] message;
        private final CompletableFuture<byte[]> reply;
        private ByteBuf received;

        EchoClientHandler(final byte[] message, final CompletableFuture<byte[]> reply)
        {
            this.message = message;
            this.reply = reply;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            received = ctx.alloc().directBuffer(message.length);
            ctx.writeAndFlush(ctx.alloc().directBuffer(message.length).writeBytes(message));
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf in = (ByteBuf)msg;
            try
            {
                received.writeBytes(in);
            }
            finally
            {
                in.release();
            }
            if (received.readableBytes() >= message.length)
            {
                reply.complete(ByteBufUtil.getBytes(received));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            reply.completeExceptionally(new IllegalStateException("closed after " + received.readableBytes() +
                " of " + message.length + " bytes"));
            received.release();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            reply.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** Answers each POST with its body, then closes the connection. */
    private final class HttpEchoServerHandler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                request.content().retainedDuplicate());
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            serverErrors.add(cause);
            ctx.close();
        }
    }

    /** POSTs one body and hands back the body of the answer. */
    private static final class HttpClientHandler extends SimpleChannelInboundHandler<FullHttpResponse>
    {
        private final byte[] body;
        private final CompletableFuture<byte[]> reply;

        HttpClientHandler(final byte[] body, final CompletableFuture<byte[]> reply)
        {
            this.body = body;
            this.reply = reply;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo",
                ctx.alloc().directBuffer(body.length).writeBytes(body));
            request.headers()
                .set(HttpHeaderNames.HOST, "127.0.0.1")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(request);
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpResponse response)
        {
            if (response.status().code() != 200)
            {
                reply.completeExceptionally(new IllegalStateException("status " + response.status()));
            }
            reply.complete(ByteBufUtil.getBytes(response.content()));
            ctx.close();
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            reply.completeExceptionally(new IllegalStateException("closed before the answer"));
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            reply.completeExceptionally(cause);
            ctx.close();
        }
    }
}
