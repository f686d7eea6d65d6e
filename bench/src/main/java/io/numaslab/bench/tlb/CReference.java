package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The C reference program {@code bench/c/pointer_chase.c}: built with
 * {@code gcc -O2 -o bench/target/pointer_chase bench/c/pointer_chase.c} when gcc is present (and the source
 * is newer than the binary), run once per working-set size, its output parsed by {@link CReferenceOutput}. Its loops
 * are built as a shared library too ({@link #library()}), which {@link CLoops} runs in numaslab's regions.
 * Where gcc or the source is missing, {@link #isAvailable()} is false and {@link #unavailableReason()}
 * says why; the report then has no C column.
 */
public final class CReference
{
    /** Where the source is, relative to the repository root. */
    public static final Path SOURCE_IN_REPOSITORY = Path.of("bench", "c", "pointer_chase.c");
    /** The shared library of the loops, in {@code bench/target}. */
    public static final String LIBRARY_FILE_NAME = "libpointer_chase.so";
    private static final long BUILD_TIMEOUT_SECONDS = 120;

    private final Path binary;
    private final String unavailableReason;
    private final Path library;
    private final String libraryUnavailableReason;

    private CReference(final Path binary, final String unavailableReason, final Path library,
        final String libraryUnavailableReason)
    {
        this.binary = binary;
        this.unavailableReason = unavailableReason;
        this.library = library;
        this.libraryUnavailableReason = libraryUnavailableReason;
    }

    /**
     * Finds the source: {@code bench/c/pointer_chase.c} under the working directory, or {@code c/pointer_chase.c}
     * when run from {@code bench/}.
     *
     * @return the source path, or null when neither exists.
     */
    public static Path findSource()
    {
        for (final Path candidate : List.of(SOURCE_IN_REPOSITORY, Path.of("c", "pointer_chase.c"),
            Path.of("..").resolve(SOURCE_IN_REPOSITORY)))
        {
            if (Files.isRegularFile(candidate))
            {
                return candidate.toAbsolutePath().normalize();
            }
        }
        return null;
    }

    /**
     * Builds the program and its loops as a shared library, each if needed (older than the source):
     * {@code gcc -O2 -o <bench>/target/pointer_chase <source>} and
     * {@code gcc -O2 -shared -fPIC -DPOINTER_CHASE_LIBRARY -o <bench>/target/libpointer_chase.so <source>}.
     *
     * @param source the C source, or null to {@link #findSource()}.
     * @return the reference; not available (with the reason) when the source or gcc is missing or gcc fails. The
     *         library alone may be missing: {@link #library()} is null then, and {@link #libraryUnavailableReason()}
     *         says why.
     */
    public static CReference prepare(final Path source)
    {
        final Path found = source != null ? source.toAbsolutePath().normalize() : findSource();
        if (found == null || !Files.isRegularFile(found))
        {
            return new CReference(null, "C reference skipped: " + (found == null ? SOURCE_IN_REPOSITORY : found) +
                " not found (run from the repository root, or pass --c-source PATH)", null, null);
        }
        final Path target = found.getParent().getParent().resolve("target");
        final Path binary = target.resolve("pointer_chase");
        final String binaryFailure = buildIfStale(found, binary, List.of("gcc", "-O2", "-o", binary.toString(),
            found.toString()));
        if (binaryFailure != null)
        {
            return new CReference(null, "C reference skipped: " + binaryFailure, null, null);
        }
        final Path library = target.resolve(LIBRARY_FILE_NAME);
        final String libraryFailure = buildIfStale(found, library, List.of("gcc", "-O2", "-shared", "-fPIC",
            "-DPOINTER_CHASE_LIBRARY", "-o", library.toString(), found.toString()));
        return libraryFailure == null ? new CReference(binary, null, library, null) :
            new CReference(binary, null, null, "C's loops in numaslab's regions skipped: " + libraryFailure);
    }

    /** @return null when {@code output} is newer than the source or gcc built it; else why not. */
    private static String buildIfStale(final Path source, final Path output, final List<String> command)
    {
        try
        {
            if (Files.isRegularFile(output) &&
                Files.getLastModifiedTime(output).compareTo(Files.getLastModifiedTime(source)) >= 0)
            {
                return null;
            }
            Files.createDirectories(output.getParent());
        }
        catch (final IOException ex)
        {
            return "cannot prepare " + output + ": " + ex.getMessage();
        }
        final Process gcc;
        try
        {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            return "gcc not found (" + ex.getMessage() + "); install gcc to compare numaslab with C";
        }
        try
        {
            final String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                gcc.destroyForcibly();
                return String.join(" ", command) + " took over " + BUILD_TIMEOUT_SECONDS + " s";
            }
            if (gcc.exitValue() != 0)
            {
                return String.join(" ", command) + " failed with exit " + gcc.exitValue() + ": " + gccOutput.strip();
            }
            return null;
        }
        catch (final IOException ex)
        {
            return "reading gcc's output failed: " + ex.getMessage();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            gcc.destroyForcibly();
            return "interrupted while building";
        }
    }

    /** @return true when the program is built and can be run. */
    public boolean isAvailable()
    {
        return unavailableReason == null;
    }

    /** @return why the reference cannot be run, or null when it can. */
    public String unavailableReason()
    {
        return unavailableReason;
    }

    /**
     * @return the C loops built as a shared library, for {@link CLoops}: they time C's own loops in memory Java
     *         mapped; null when not built.
     */
    public Path library()
    {
        return library;
    }

    /** @return why {@link #library()} is null, or null when it is not. */
    public String libraryUnavailableReason()
    {
        return unavailableReason != null ? unavailableReason : libraryUnavailableReason;
    }

    /** @return the built program, or null when not available. */
    public Path binary()
    {
        return binary;
    }

    /**
     * Runs the program for one working-set size, every kind and pattern, and waits for it.
     *
     * @param sizeBytes the working set, a power of two from 1 MiB.
     * @param kinds     page kinds, in order.
     * @param patterns  patterns, in order.
     * @param plan      the same plan the Java side uses.
     * @param node      the node to bind the memory to (as the Java region is), or -1 for none.
     * @param cpu       the CPU to pin the program to (the one the Java side runs on), or -1 for none.
     * @return one measurement per (kind, pattern).
     * @throws IllegalStateException if not available, or the program fails; with its standard error.
     * @throws UncheckedIOException  if it cannot be started or read.
     */
    public List<AccessMeasurement> run(
        final long sizeBytes, final List<PageKind> kinds, final List<AccessPattern> patterns,
        final MeasurementPlan plan, final int node, final int cpu)
    {
        if (!isAvailable())
        {
            throw new IllegalStateException(unavailableReason);
        }
        final List<String> command = List.of(binary.toString(),
            "--kinds", kinds.stream().map(PageKind::name).collect(Collectors.joining(",")),
            "--sizes", Long.toString(sizeBytes),
            "--patterns", patterns.stream().map(AccessPattern::label).collect(Collectors.joining(",")),
            "--chase-accesses", Integer.toString(plan.chaseAccesses()),
            "--random-accesses", Integer.toString(plan.randomAccesses()),
            "--reps", Integer.toString(plan.reps()),
            "--seed", Long.toString(plan.seed()),
            "--node", Integer.toString(node),
            "--cpu", Integer.toString(cpu));
        return CReferenceOutput.parse(runForLines(command));
    }

    /**
     * Prints the successors Sattolo's algorithm builds in C, for checking they equal
     * {@link ChaseCycle#sattoloSuccessors(int, long)}.
     *
     * @param slotCount how many slots.
     * @param seed      the seed.
     * @return the C program's successors.
     */
    public int[] successorsFromC(final int slotCount, final long seed)
    {
        if (!isAvailable())
        {
            throw new IllegalStateException(unavailableReason);
        }
        final List<String> lines = runForLines(List.of(binary.toString(), "--print-cycle", Integer.toString(slotCount),
            "--seed", Long.toString(seed)));
        final String[] fields = String.join(" ", lines).strip().split("\\s+");
        final int[] successors = new int[fields.length];
        for (int i = 0; i < fields.length; i++)
        {
            successors[i] = Integer.parseInt(fields[i]);
        }
        return successors;
    }

    /**
     * Prints where the C program puts chase-page slots, for checking they equal
     * {@link AccessPattern#slotOffsetBytes(long)} of {@link AccessPattern#CHASE_PAGE}.
     *
     * @param slotCount how many slots.
     * @return the C program's offsets in bytes.
     */
    public long[] pageSlotOffsetsFromC(final int slotCount)
    {
        if (!isAvailable())
        {
            throw new IllegalStateException(unavailableReason);
        }
        final List<String> lines = runForLines(List.of(binary.toString(), "--print-page-offsets",
            Integer.toString(slotCount)));
        return Arrays.stream(String.join(" ", lines).strip().split("\\s+")).mapToLong(Long::parseLong).toArray();
    }

    private static List<String> runForLines(final List<String> command)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + command.get(0), ex);
        }
        final List<String> lines = new ArrayList<>();
        final StringBuilder errors = new StringBuilder();
        final Thread errorReader = new Thread(() -> collect(process, errors), "pointer_chase-stderr");
        errorReader.start();
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                lines.add(line);
            }
            final int exit = process.waitFor();
            errorReader.join();
            if (exit != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit " + exit + ": " +
                    errors.toString().strip());
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the output of " + command.get(0), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + command.get(0), ex);
        }
        return lines;
    }

    private static void collect(final Process process, final StringBuilder errors)
    {
        try
        {
            final String text = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (errors)
            {
                errors.append(text);
            }
        }
        catch (final IOException ex)
        {
            synchronized (errors)
            {
                errors.append("(stderr unreadable: ").append(ex.getMessage()).append(')');
            }
        }
    }
}
