package io.numaslab.bench;

import io.numaslab.bench.report.BarChartWriter;
import io.numaslab.bench.report.JmhResultTable;
import io.numaslab.numa.NumaTopology;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code numaslab bench}: runs the JMH suite side by side (numaslab, Netty's allocators, malloc) with
 * {@code -prof gc}, prints a Markdown table per benchmark and writes the JMH JSON, the tables and a PNG chart
 * per benchmark under {@code bench/results/}.
 * <p>
 * Options: {@code --quick} (fewer, shorter iterations), {@code --only REGEX} (benchmarks to run),
 * {@code --results DIR} (default {@code bench/results}).
 */
public final class BenchRunner
{
    /**
     * The results the other commands write, by their Markdown file, with the index's line for each; every other
     * Markdown file there is listed by its title ({@link #otherResultFiles}).
     */
    static final Map<String, String> NAMED_RESULT_FILES = namedResultFiles();

    /** What {@code numaslab bench --help} prints. */
    static final String USAGE = String.join(System.lineSeparator(),
        "usage: numaslab bench [--quick] [--only REGEX] [--results DIR]",
        "  --quick         2 warm-up and 3 measured iterations of 1 s per benchmark (default 3 and 5), one fork",
        "  --only REGEX    the benchmarks whose names match (default: the allocator suites, jmh and netty)",
        "  --results DIR   where the tables, jmh.json and the charts go (default bench/results)");

    /** Benchmarks run by default: the allocator suites (the TLB suite has its own command, {@code numaslab tlb}). */
    public static final String DEFAULT_INCLUDE = "io\\.numaslab\\.bench\\.(jmh|netty)\\..*Benchmark.*";

    private BenchRunner()
    {
    }

    /**
     * @param args the command's options (after {@code bench}).
     * @throws RunnerException if JMH fails.
     * @throws IOException     if the results cannot be written.
     */
    public static void main(final String[] args) throws RunnerException, IOException
    {
        boolean quick = false;
        String include = DEFAULT_INCLUDE;
        // Relative to the project (./numaslab says where it is), not to wherever the command was started.
        final String home = System.getProperty("numaslab.home");
        Path resultsDir = home != null ? Paths.get(home, "bench", "results") : Paths.get("bench", "results");
        for (int i = 0; i < args.length; i++)
        {
            final boolean hasValue = i + 1 < args.length;
            switch (args[i])
            {
                case "--help":
                case "-h":
                    System.out.println(USAGE);
                    return;
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    if (!hasValue)
                    {
                        throw new IllegalArgumentException("--only needs a regular expression of benchmark names");
                    }
                    include = args[++i];
                    break;
                case "--results":
                    if (!hasValue)
                    {
                        throw new IllegalArgumentException("--results needs a directory");
                    }
                    resultsDir = Paths.get(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i] +
                        " (expected --quick, --only REGEX, --results DIR)");
            }
        }
        Files.createDirectories(resultsDir);
        final ChainedOptionsBuilder options = new OptionsBuilder()
            .include(include)
            .forks(1)
            .warmupIterations(quick ? 2 : 3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(quick ? 3 : 5)
            .measurementTime(TimeValue.seconds(1))
            .addProfiler(GCProfiler.class)
            .resultFormat(ResultFormatType.JSON)
            .result(resultsDir.resolve("jmh.json").toString());
        final Collection<RunResult> results = new Runner(options.build()).run();
        writeReport(results, resultsDir, String.join(" ", args));
    }

    static void writeReport(final Collection<RunResult> results, final Path resultsDir, final String args)
        throws IOException
    {
        final List<JmhResultTable> tables = JmhResultTable.of(results, "numaslab");
        final StringBuilder md = new StringBuilder();
        md.append("# numaslab benchmark results\n\n");
        md.append("Made by `./numaslab bench").append(args.isEmpty() ? "" : " " + args).append("` on ")
            .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(": ")
            .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
            .append(NumaTopology.read().nodeCount()).append(" NUMA node(s), Java ").append(Runtime.version())
            .append(". Side by side in one JMH run (1 fork), `-prof gc`; cells are score ± error (B/op), ")
            .append("ratios are each implementation's score over numaslab's (above 1: numaslab is faster). ")
            .append("The machine is shared and noisy: compare ratios, not absolute numbers. Raw data: `jmh.json`.\n\n");
        for (final JmhResultTable table : tables)
        {
            md.append("## ").append(table.benchmarkClass()).append("\n\n").append(table.toMarkdown()).append('\n');
            final Path png = resultsDir.resolve(table.benchmarkClass() + ".png");
            BarChartWriter.write(table, png);
            md.append("![").append(table.benchmarkClass()).append("](").append(png.getFileName()).append(")\n\n");
        }
        md.append("## Memory held after churn\n\n")
            .append("200,000 allocations of the size mix with 5,000 live at a time, then all released ")
            .append("(`io.numaslab.bench.jmh.MemoryAfterChurn`):\n\n")
            .append(io.numaslab.bench.jmh.MemoryAfterChurn.run()).append('\n');
        md.append("## Other results\n\n");
        NAMED_RESULT_FILES.values().forEach(line -> md.append(line).append('\n'));
        final Set<String> notOthers = new HashSet<>(NAMED_RESULT_FILES.keySet());
        notOthers.add("README.md");
        for (final String line : otherResultFiles(resultsDir, notOthers))
        {
            md.append(line).append('\n');
        }
        Files.writeString(resultsDir.resolve("README.md"), md.toString());
        System.out.println();
        System.out.print(md);
        System.out.println("written: " + resultsDir.resolve("README.md") + ", jmh.json and one PNG per benchmark");
    }

    private static Map<String, String> namedResultFiles()
    {
        final Map<String, String> lines = new LinkedHashMap<>();
        lines.put("c1000k.md", "- `c1000k.md`, `c1000k.json`: the many-connection run (`./numaslab c1000k`)");
        lines.put("c1000k-rate.md",
            "- `c1000k-rate.md`: the same at 19,000 connections offered 200,000 messages/s (`--rate 10.5`)");
        lines.put("c1000k-vm.md",
            "- `c1000k-vm.md`, `c1000k-vm.json`: 1,000,000 connections in the 2-node VM (command inside)");
        lines.put("tlb.md", "- `tlb.md`, `tlb.json`: page size and TLB, against C (`./numaslab tlb --quick`)");
        lines.put("locality.md", "- `locality.md`: local vs remote node access (`./numaslab locality`)");
        return Collections.unmodifiableMap(lines);
    }

    /**
     * Lists the Markdown results in the directory that {@link #NAMED_RESULT_FILES} does not name: runs made by hand (side by
     * side A/B runs, the large TLB working sets, floors), each by its first heading, so that the index finds them.
     *
     * @param resultsDir the results directory.
     * @param listed     file names not to list: the named ones, and README.md.
     * @return one Markdown list line per other {@code .md} file, in name order.
     * @throws IOException if the directory or a file cannot be read.
     */
    static List<String> otherResultFiles(final Path resultsDir, final Set<String> listed) throws IOException
    {
        final List<Path> files;
        try (Stream<Path> all = Files.list(resultsDir))
        {
            files = all.filter(f -> f.getFileName().toString().endsWith(".md") &&
                !listed.contains(f.getFileName().toString())).sorted().toList();
        }
        final List<String> lines = new ArrayList<>();
        for (final Path file : files)
        {
            final String title;
            try (Stream<String> text = Files.lines(file))
            {
                title = text.filter(l -> l.startsWith("# ")).findFirst().map(l -> l.substring(2).strip()).orElse("");
            }
            lines.add("- `" + file.getFileName() + "`" + (title.isEmpty() ? "" : ": " + title) + " (command inside)");
        }
        return lines;
    }
}
