package io.numaslab.bench.c1000k;

import io.numaslab.numa.NumaTopology;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The many-connection ("C1000K") run: a Netty echo server holding N loopback connections while each second 20% of
 * them send a 64-byte message that the server echoes. Every server end keeps a session record (256 bytes) from the
 * allocator under test.
 * <p>
 * The server runs in its own JVM per allocator (numaslab, Netty's pooled, Netty's adaptive), holding only the server
 * ends, so that its memory (RSS, direct memory, use per node) is the allocator's alone and one file descriptor per
 * connection is all it needs. The client ends are spread over as many load generator JVMs as their file limit
 * requires; they time the round trips and the parent merges them. The parent checks the machine's limits up front,
 * then prints the allocators side by side: connections held, messages per second, p50/p99 round trip, server RSS
 * and direct memory per connection, numaslab's usage per node.
 * <p>
 * {@code numaslab c1000k [--connections N] [--seconds S] [--allocators a,b,c] [--per-generator N]
 * [--connect-seconds S] [--rate R] [--results DIR] [--name NAME]}; {@code --rate} is messages per connection per
 * second (default 0.2: 20% of the connections each second); defaults 50,000 connections, 15 s of load (0: none, memory
 * only), all three allocators, client ends per generator as the file limit allows, a connect time limit of
 * 60 s + 1 s per 1,000 connections, bench/results/c1000k.md and .json. It stops by itself.
 */
public final class ManyConnectionsRun
{
    static final int MESSAGE_BYTES = 64;
    static final int SESSION_BYTES = 256;
    static final double SENDERS_PER_SECOND = 0.2;
    static final int TICKS_PER_SECOND = 10;
    /**
     * Client ends per source address (127.0.0.2, .3, ...). bind() to port 0 takes ports from one half of the
     * ephemeral range (the odd ones) and scans all of that half before it tries the other, so past half the range
     * every connect gets slow (19,000 from one address took 14-23 s, against 1 s for 9,000): stay well under half.
     */
    static final int PORTS_PER_SOURCE_ADDRESS = 10_000;

    private static final String OPTIONS = "--connections N, --seconds S, --allocators numaslab,pooled,adaptive, " +
        "--per-generator N, --connect-seconds S, --rate R, --results DIR, --name NAME";

    /** What {@code numaslab c1000k --help} prints. */
    static final String USAGE = String.join(System.lineSeparator(),
        "usage: numaslab c1000k [--connections N] [--seconds S] [--allocators numaslab,pooled,adaptive]",
        "                       [--per-generator N] [--connect-seconds S] [--rate R] [--results DIR] [--name NAME]",
        "  --connections N      connections to hold (default 50000); capped by the file descriptor limit, with a note",
        "  --seconds S          seconds of measured load (default 15; 0: none, memory only)",
        "  --allocators LIST    the server allocators, run one after another (default numaslab,pooled,adaptive)",
        "  --per-generator N    client ends per load generator JVM at most (default: as the file limit allows)",
        "  --connect-seconds S  time limit of the connect phase (default 60 + 1 per 1000 connections)",
        "  --rate R             messages per connection per second (default 0.2: 20% of the connections each second)",
        "  --results DIR        where NAME.md and NAME.json go (default bench/results)",
        "  --name NAME          the results' file name (default c1000k)");

    private ManyConnectionsRun()
    {
    }

    /**
     * @param args the command's options.
     * @return whether they ask for the usage ({@code --help} or {@code -h} anywhere), which then is all that runs.
     */
    static boolean wantsHelp(final String[] args)
    {
        return java.util.Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    /**
     * @param args see the class comment.
     * @throws Exception if the run cannot start or its results cannot be written.
     */
    public static void main(final String[] args) throws Exception
    {
        int connections = 50_000;
        int seconds = 15;
        List<String> allocators = EchoServer.ALLOCATORS;
        int perGenerator = Integer.MAX_VALUE;
        Integer connectSeconds = null; // the default, which depends on --connections, unless given
        double rate = SENDERS_PER_SECOND;
        // Relative to the project (./numaslab says where it is), not to wherever the command was started.
        final String home = System.getProperty("numaslab.home");
        Path results = home != null ? Paths.get(home, "bench", "results") : Paths.get("bench", "results");
        String name = "c1000k";
        if (wantsHelp(args))
        {
            System.out.println(USAGE);
            return;
        }
        for (int i = 0; i < args.length; i++)
        {
            final String option = args[i];
            final String value = i + 1 < args.length ? args[++i] : null;
            if (value == null)
            {
                throw new IllegalArgumentException(option.startsWith("--") ? option + " needs a value" :
                    "unknown option " + option + " (" + OPTIONS + ")");
            }
            switch (option)
            {
                case "--connections": connections = count(option, value); break;
                case "--seconds": seconds = count(option, value); break;
                case "--allocators": allocators = allocatorNames(value); break;
                case "--per-generator": perGenerator = count(option, value); break;
                case "--connect-seconds": connectSeconds = count(option, value); break;
                case "--rate": rate = number(option, value); break;
                case "--results": results = Paths.get(value); break;
                case "--name": name = value; break;
                default: throw new IllegalArgumentException("unknown option " + option + " (" + OPTIONS + ")");
            }
        }
        if (connections < 1 || perGenerator < 1 || seconds < 0 || (connectSeconds != null && connectSeconds < 1) ||
            !(rate > 0 && rate <= 1000))
        {
            throw new IllegalArgumentException("--connections, --per-generator and --connect-seconds must be at " +
                "least 1, --seconds at least 0, --rate above 0 and at most 1000");
        }
        if (connectSeconds == null)
        {
            connectSeconds = 60 + connections / 1000;
        }
        System.out.print(NumaTopology.read().describe());
        System.out.println("limits: " + Preflight.limitsInEffect());

        // The server holds one end of every connection, so its file limit caps the run; the client ends go to
        // load generators of at most as many connections as their own (equal) limit allows.
        final int perProcess = Preflight.connectionsPerProcess();
        if (perProcess < 1)
        {
            System.err.println("numaslab c1000k: the file descriptor hard limit (ulimit -Hn) is " +
                Preflight.openFilesLimit(true) + ", and each process keeps " + Preflight.SPARE_FILE_DESCRIPTORS +
                " for the JVM itself: none are left for connections; " + Preflight.fileLimitExplanation(connections));
            System.exit(2);
        }
        final int held = Math.min(connections, perProcess);
        perGenerator = Math.min(perGenerator, perProcess);
        System.out.println("numaslab c1000k: " + connections + " connections need (the server process holds one end " +
            "of each, load generator processes of at most " + perGenerator + " the other):");
        Preflight.needs(connections, perGenerator).forEach(need -> System.out.println("  - " + need));
        final List<Preflight.Need> blockers = Preflight.blockers(held, perGenerator);
        if (!blockers.isEmpty())
        {
            System.err.println("numaslab c1000k: this machine cannot hold " + held + " connections yet:");
            blockers.forEach(b -> System.err.println("  - " + b.what() + ": " + b.fix()));
            System.exit(2);
        }
        String limit = "";
        if (held < connections)
        {
            limit = "file descriptor limit: " + held + " of " + connections + " connections (" +
                Preflight.fileLimitExplanation(connections) + ")";
            System.out.println("numaslab c1000k: holding " + held + " connections, not " + connections + ": " +
                Preflight.fileLimitExplanation(connections));
        }
        final List<RunResult> runs = new ArrayList<>();
        final long start = System.nanoTime();
        for (final String allocator : allocators)
        {
            final RunResult run = new AllocatorRun(allocator, held, seconds, perGenerator, connectSeconds, rate).run();
            runs.add(limit.isEmpty() ? run : run.withLimit(connections, run.limit().isEmpty() ? limit : limit + "; " + run.limit()));
        }
        final String report = Report.markdown(runs, String.join(" ", args), connections, seconds, rate,
            Preflight.limitsInEffect(), (System.nanoTime() - start) / 1e9);
        System.out.println();
        System.out.print(report);
        Files.createDirectories(results);
        Files.writeString(results.resolve(name + ".md"), report);
        final StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < runs.size(); i++)
        {
            json.append("  ").append(runs.get(i).toJson()).append(i + 1 < runs.size() ? ",\n" : "\n");
        }
        Files.writeString(results.resolve(name + ".json"), json.append("]\n").toString());
        System.out.println("written: " + results.resolve(name + ".md") + " and " + name + ".json");
    }

    private static int count(final String option, final String text)
    {
        try
        {
            return Integer.parseInt(text.replace("_", "").replace(",", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + text + "'");
        }
    }

    private static double number(final String option, final String text)
    {
        try
        {
            return Double.parseDouble(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " needs a number, got '" + text + "'");
        }
    }

    /** @return the allocator names of a comma-separated list, each one known, in order. */
    static List<String> allocatorNames(final String list)
    {
        final List<String> names = new ArrayList<>();
        for (final String name : list.split(","))
        {
            final String trimmed = name.trim();
            if (!EchoServer.ALLOCATORS.contains(trimmed))
            {
                throw new IllegalArgumentException("--allocators: unknown allocator '" + trimmed + "' (known: " +
                    String.join(", ", EchoServer.ALLOCATORS) + ")");
            }
            names.add(trimmed);
        }
        return names;
    }
}
