package io.numaslab.bench.c1000k;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One allocator's many-connection run: starts its echo server JVM, then as many load generator JVMs as the client
 * ends need, opens the connections, loads them, measures the server's memory while loaded, merges the generators'
 * round trips, and ends every child within a bounded time.
 */
final class AllocatorRun
{
    /** Time a child JVM gets to start (about 15x longer in an emulated VM than on the host). */
    private static final long START_SECONDS = 300;
    /** Time a child gets to answer MEASURE or STOP, and a generator beyond its connect time limit. */
    private static final long REPLY_SECONDS = 300;
    /** Time the server may go without accepting another connection before the run stops waiting for it. */
    private static final long STALL_SECONDS = 60;

    /**
     * Server heap per connection: channel, pipeline, handlers, session buffer object, with GC headroom (the whole
     * server RSS grew by 1.8 KB per connection at 100,000 in the VM).
     */
    private static final long SERVER_HEAP_BYTES_PER_CONNECTION = 4 * 1024;
    /** Load generator heap per connection. */
    private static final long GENERATOR_HEAP_BYTES_PER_CONNECTION = 3 * 1024;
    private static final long BASE_HEAP_MIB = 256;

    private final String allocator;
    private final int connections;
    private final int seconds;
    private final int perGenerator;
    private final int connectSeconds;
    private final double rate;

    /**
     * @param allocator      numaslab, pooled or adaptive: the server's allocator.
     * @param connections    connections to hold.
     * @param seconds        seconds of measured load, 0 for none.
     * @param perGenerator   client ends one load generator holds at most.
     * @param connectSeconds time limit of the connect phase.
     * @param rate           messages per connection per second during the load.
     */
    AllocatorRun(final String allocator, final int connections, final int seconds, final int perGenerator,
        final int connectSeconds, final double rate)
    {
        this.rate = rate;
        this.allocator = allocator;
        this.connections = connections;
        this.seconds = seconds;
        this.perGenerator = perGenerator;
        this.connectSeconds = connectSeconds;
    }

    static long serverHeapMiB(final int connections)
    {
        return BASE_HEAP_MIB + connections * SERVER_HEAP_BYTES_PER_CONNECTION / (1 << 20);
    }

    static long generatorHeapMiB(final int connections)
    {
        return BASE_HEAP_MIB + connections * GENERATOR_HEAP_BYTES_PER_CONNECTION / (1 << 20);
    }

    /**
     * Waits until the server has accepted what the generators connected: the kernel completes a connection before the
     * server takes it from the accept queue, so the generators may be done first. Gives up when the count stops rising.
     *
     * @return the seconds waited.
     */
    private static double awaitAccepted(final ChildJvm server, final int clientEnds, final List<String> limits)
        throws IOException, InterruptedException
    {
        final long start = System.nanoTime();
        long lastProgress = start;
        long lastReport = start;
        int last = -1;
        while (true)
        {
            server.send("COUNT");
            final int open = Integer.parseInt(server.expect("OPEN", REPLY_SECONDS));
            final long now = System.nanoTime();
            if (open >= clientEnds)
            {
                return (now - start) / 1e9;
            }
            if (open > last)
            {
                last = open;
                lastProgress = now;
            }
            else if (now - lastProgress > TimeUnit.SECONDS.toNanos(STALL_SECONDS))
            {
                limits.add("the server accepted only " + open + " of the " + clientEnds + " connections the load " +
                    "generators opened (no progress for " + STALL_SECONDS + " s)");
                return (now - start) / 1e9;
            }
            if (now - lastReport > TimeUnit.SECONDS.toNanos(10))
            {
                System.out.println("  server: " + open + " of " + clientEnds + " connections accepted");
                lastReport = now;
            }
            Thread.sleep(200);
        }
    }

    /** @return what the run achieved; a failed run says why in its limit. */
    RunResult run()
    {
        final int count = Preflight.generators(connections, perGenerator);
        System.out.println("=== " + allocator + ": " + connections + " connections, server in one JVM (-Xmx" +
            serverHeapMiB(connections) + "m), client ends in " + count + " load generator JVM(s), " + seconds +
            " s of load ===");
        ChildJvm server = null;
        final List<ChildJvm> generators = new ArrayList<>();
        try
        {
            server = ChildJvm.start("server", serverHeapMiB(connections), EchoServer.class, List.of(allocator));
            final String port = server.expect("READY", START_SECONDS);
            int first = 0;
            for (int g = 0; g < count; g++)
            {
                final int share = connections / count + (g < connections % count ? 1 : 0);
                generators.add(ChildJvm.start("generator " + (g + 1), generatorHeapMiB(share), LoadGenerator.class,
                    List.of(port, String.valueOf(first), String.valueOf(share), String.valueOf(connectSeconds),
                        String.valueOf(rate))));
                first += share;
            }
            double slowestConnect = 0;
            int clientEnds = 0;
            final List<String> limits = new ArrayList<>();
            for (final ChildJvm generator : generators)
            {
                final Replies.Connected connected = Replies.Connected.fromLine(
                    generator.expect("CONNECTED", START_SECONDS + connectSeconds + REPLY_SECONDS));
                slowestConnect = Math.max(slowestConnect, connected.seconds());
                clientEnds += connected.connections();
                if (!connected.limit().isEmpty())
                {
                    limits.add(generator.name() + ": " + connected.limit());
                }
            }
            final double acceptSeconds = awaitAccepted(server, clientEnds, limits);
            CpuTimes.Share cpu = CpuTimes.Share.UNKNOWN;
            if (seconds > 0)
            {
                for (final ChildJvm generator : generators)
                {
                    generator.send("LOAD");
                }
                Thread.sleep(1000L); // the generators' ramp-up, not measured
                final Optional<CpuTimes> loadStart = CpuTimes.read();
                Thread.sleep(seconds * 1000L);
                final Optional<CpuTimes> loadEnd = CpuTimes.read();
                if (loadStart.isPresent() && loadEnd.isPresent())
                {
                    cpu = loadStart.get().until(loadEnd.get());
                }
            }
            server.send("MEASURE");
            final Replies.Measured measured = Replies.Measured.fromLine(server.expect("MEASURED", REPLY_SECONDS));
            if (!measured.acceptFailure().isEmpty())
            {
                limits.add(measured.acceptFailure());
            }
            double messagesPerSecond = -1;
            double sentPerSecond = -1;
            final Histogram latency = new Histogram(60_000_000_000L, 2);
            clientEnds = 0;
            if (seconds > 0)
            {
                messagesPerSecond = 0;
                sentPerSecond = 0;
                for (final ChildJvm generator : generators)
                {
                    generator.send("STOP");
                }
                for (final ChildJvm generator : generators)
                {
                    final Replies.Loaded loaded = Replies.Loaded.fromLine(generator.expect("LOADED", REPLY_SECONDS));
                    messagesPerSecond += loaded.received() / loaded.seconds();
                    sentPerSecond += loaded.sent() / loaded.seconds();
                    latency.add(loaded.latency());
                    clientEnds += loaded.connections();
                }
            }
            final int held = measured.connections();
            if (seconds > 0)
            {
                System.out.println("  load generators: " + clientEnds + " client ends open after the load");
            }
            System.out.printf(Locale.ROOT, "  server: %d connections held, RSS %d MiB (%d MiB before them), %s%n", held,
                measured.rssBytes() >> 20, measured.rssBeforeBytes() >> 20,
                seconds > 0 ? String.format(Locale.ROOT, "%.0f messages/s answered of %.0f/s sent, p50 %.0f us, p99 %.0f us",
                    messagesPerSecond, sentPerSecond, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0) : "no load");
            final long direct = measured.directBytes();
            final long directBefore = measured.directBeforeBytes();
            return new RunResult(allocator, measured.transport(), connections, held, count, slowestConnect + acceptSeconds,
                messagesPerSecond, sentPerSecond, latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, measured.rssBytes(), held == 0 ? 0 : (measured.rssBytes() - measured.rssBeforeBytes()) / held, direct,
                held == 0 || direct < 0 ? -1 : direct / held,
                held == 0 || direct < 0 || directBefore < 0 ? -1 : (direct - directBefore) / held,
                measured.perNodeUsedBytes(), cpu, String.join("; ", limits));
        }
        catch (final IOException | RuntimeException ex)
        {
            System.out.println("  the run failed: " + ex.getMessage());
            return new RunResult(allocator, "?", connections, 0, count, 0, -1, -1, 0, 0, 0, 0, 0, -1, -1, Map.of(),
                CpuTimes.Share.UNKNOWN, "the run failed: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new RunResult(allocator, "?", connections, 0, count, 0, -1, -1, 0, 0, 0, 0, 0, -1, -1, Map.of(), CpuTimes.Share.UNKNOWN,
                "interrupted");
        }
        finally
        {
            // The server goes first, so that the TIME_WAIT sockets are its own (one port) rather than the clients'
            // (whose ports the next allocator's run needs again).
            if (server != null)
            {
                server.close();
            }
            generators.forEach(ChildJvm::requestExit);
            generators.forEach(ChildJvm::close);
        }
    }
}
