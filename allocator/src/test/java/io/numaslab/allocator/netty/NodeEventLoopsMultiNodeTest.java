package io.numaslab.allocator.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.numaslab.allocator.NodeAffinity;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.numa.Numa;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An echo server with one event loop per node ({@link NodeEventLoops}): the buffers each loop reads into and the
 * buffers it allocates for its answers live on that loop's node, as move_pages sees them. Runs inside
 * ../shared/numa-vm (see .ci/multinode); small, as the VM is slow.
 */
@Tag("multinode")
@Timeout(120)
class NodeEventLoopsMultiNodeTest
{
    private static final int MESSAGE_BYTES = 24 * 1024;
    private static final long PAGE_BYTES = 4096;

    /** Where each page of a buffer's readable bytes is, or a description of what is wrong. */
    private static String misplaced(final ByteBuf buf, final int node)
    {
        final long start = buf.memoryAddress() + buf.readerIndex();
        final long first = start & -PAGE_BYTES;
        final int[] nodes = Numa.nodesOfPages(first, start + buf.readableBytes() - first, PAGE_BYTES);
        return Arrays.stream(nodes).allMatch(n -> n == node) ? null :
            buf.readableBytes() + " bytes handled on node " + node + " are on " + Arrays.toString(nodes);
    }

    @Test
    @SuppressWarnings("deprecation")
    void eachLoopReadsAndAnswersInBuffersOfItsOwnNode() throws Exception
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).regionSizeBytes(4 << 20).build();
        final int[] nodes = numa.nodes();
        assertTrue(nodes.length >= 2, "the multi-node suite needs 2+ nodes, found " + Arrays.toString(nodes));
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        final List<String> problems = new CopyOnWriteArrayList<>();
        final Set<Integer> nodesThatServed = new ConcurrentSkipListSet<>();
        final EventLoopGroup boss = new NioEventLoopGroup(1);
        final EventLoopGroup clients = new NioEventLoopGroup(1);
        try (NodeEventLoops loops = NodeEventLoops.createNio(numa, 1))
        {
            final Channel server = new ServerBootstrap()
                .group(boss, loops.group())
                .channel(loops.serverChannelClass())
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter()
                        {
                            @Override
                            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                            {
                                final ByteBuf in = (ByteBuf)msg;
                                final int node = numa.nodeOfCurrentThread();
                                nodesThatServed.add(node);
                                if (NodeAffinity.pinnedNodeOfCurrentThread() != node)
                                {
                                    problems.add(Thread.currentThread().getName() + " is not pinned to node " + node);
                                }
                                final ByteBuf answer = ctx.alloc().directBuffer(in.readableBytes()).writeBytes(in, 0,
                                    in.readableBytes());
                                for (final ByteBuf buf : new ByteBuf[] {in, answer})
                                {
                                    final String problem = misplaced(buf, node);
                                    if (problem != null)
                                    {
                                        problems.add(problem);
                                    }
                                }
                                in.release();
                                ctx.writeAndFlush(answer);
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();

            final List<CompletableFuture<byte[]>> replies = new ArrayList<>();
            final List<byte[]> sent = new ArrayList<>();
            // the group hands its loops out in turn: one connection per loop reaches every node
            for (int c = 0; c < nodes.length; c++)
            {
                final byte[] message = new byte[MESSAGE_BYTES];
                new SplittableRandom(c).nextBytes(message);
                sent.add(message);
                final CompletableFuture<byte[]> reply = new CompletableFuture<>();
                replies.add(reply);
                new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .handler(new EchoOnce(message, reply))
                    .connect(server.localAddress()).syncUninterruptibly();
                assertArrayEquals(message, reply.get(60, TimeUnit.SECONDS));
            }
            server.close().syncUninterruptibly();
            assertTrue(problems.isEmpty(), problems.toString());
            assertEquals(Arrays.stream(nodes).boxed().collect(Collectors.toSet()), nodesThatServed,
                "every node's loop served a connection");
        }
        finally
        {
            boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            numa.close();
        }
    }

    /**
     * The k-th loop goes to node {@code k % nodes}, so the loops of one node are not made one after another: with
     * 2 nodes of 2 CPUs (numa-vm {@code -c 2}), a CPU counter shared by all nodes gave node 0 the counts 0 and 2,
     * both its first CPU, and left its second CPU unused.
     */
    @Test
    void theLoopsOfEachNodeArePinnedToDistinctCpusOfIt()
    {
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).regionSizeBytes(4 << 20).build())
        {
            assertTrue(numa.nodes().length >= 2, "the multi-node suite needs 2+ nodes, found " +
                Arrays.toString(numa.nodes()));
            NodeEventLoopsTest.assertTheLoopsOfEachNodeAreOnDistinctCpusOfIt(numa);
        }
    }

    /** Sends one message and completes with the echo, however it arrives in pieces. */
    private static final class EchoOnce extends ChannelInboundHandlerAdapter
    {
        private final byte[] message;
        private final CompletableFuture<byte[]> reply;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        EchoOnce(final byte[] message, final CompletableFuture<byte[]> reply)
        {
            this.message = message;
            this.reply = reply;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            ctx.writeAndFlush(ctx.alloc().buffer(message.length).writeBytes(message));
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf in = (ByteBuf)msg;
            received.writeBytes(ByteBufUtil.getBytes(in));
            in.release();
            if (received.size() >= message.length)
            {
                reply.complete(received.toByteArray());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            reply.completeExceptionally(cause);
            ctx.close();
        }
    }
}
