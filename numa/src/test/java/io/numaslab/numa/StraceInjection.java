package io.numaslab.numa;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a main class in a child JVM under strace, with the memory-policy system calls made to fail with a chosen
 * errno ({@code strace -e inject=...:error=EPERM}): how a container's seccomp profile or a kernel without NUMA
 * answers them. Skips the calling test (a JUnit assumption) where there is no Linux, no strace, or strace cannot
 * trace (no ptrace in this sandbox). Shared by the numa tests and, as this module's test jar, the allocator's.
 */
public final class StraceInjection
{
    /** The calls that fail. */
    public static final String POLICY_CALLS = "mbind,set_mempolicy,get_mempolicy,move_pages";

    private StraceInjection()
    {
    }

    /**
     * Runs {@code mainClass} on this JVM's class path with every {@link #POLICY_CALLS} call failing with
     * {@code errno}, and asserts that it exits with 0.
     *
     * @param errno     the errno's name, e.g. {@code "EPERM"}.
     * @param jvmArgs   options for the child JVM.
     * @param mainClass the class whose {@code main} runs.
     * @param args      its arguments.
     * @return the child's standard output lines of the form {@code key=value} as a map, plus its whole standard
     *     error under {@code "stderr"}.
     */
    public static Map<String, String> run(final String errno, final List<String> jvmArgs, final Class<?> mainClass,
        final String... args) throws IOException, InterruptedException
    {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "strace needs Linux");
        final Path strace = findStrace();
        assumeTrue(strace != null, "strace is not installed");
        assumeTrue(works(List.of(strace.toString(), "-qq", "-o", "/dev/null", "true")), "strace cannot trace here");
        final List<String> command = new ArrayList<>(List.of(strace.toString(), "-f", "-qq", "-o", "/dev/null",
            "-e", "trace=" + POLICY_CALLS, "-e", "inject=" + POLICY_CALLS + ":error=" + errno,
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).start();
        final byte[] stdout = process.getInputStream().readAllBytes();
        final byte[] stderr = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child timed out");
        final String text = new String(stdout, StandardCharsets.UTF_8);
        final String errors = new String(stderr, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text + errors);
        final Map<String, String> values = new HashMap<>();
        for (final String line : text.split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        values.put("stderr", errors);
        return values;
    }

    private static Path findStrace()
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
        {
            final Path candidate = Path.of(dir, "strace");
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static boolean works(final List<String> command) throws InterruptedException
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
