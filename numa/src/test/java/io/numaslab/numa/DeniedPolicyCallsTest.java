package io.numaslab.numa;

import org.junit.jupiter.api.Test;

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
 * The memory-policy calls as a container sees them (Docker's default seccomp profile answers EPERM without
 * CAP_SYS_NICE) and as a kernel without NUMA does (ENOSYS): strace makes them fail in a child JVM. Needs
 * Linux and strace; skipped elsewhere.
 */
class DeniedPolicyCallsTest
{
    private static final String CALLS = "mbind,set_mempolicy,get_mempolicy,move_pages";

    @Test
    void callsDeniedWithEpermMakeBindingANoOpWithAWarningAndPageQueriesFail() throws Exception
    {
        final Map<String, String> out = runProbe("EPERM", "mbind-first");
        assertEquals("false", out.get("mbind"), "a no-op, not an exception: " + out);
        assertEquals("false", out.get("setMempolicy"), out.toString());
        assertEquals("DEFAULT", out.get("getMempolicy"), out.toString());
        assertTrue(out.get("nodesOfPages").startsWith("NumaException") && out.get("nodesOfPages").contains("EPERM"),
            "where pages are cannot be known, so it is not made up: " + out.get("nodesOfPages"));
        assertEquals("false", out.get("supported"), out.toString());
        assertTrue(out.get("reason").contains("denied (EPERM)") && out.get("reason").contains("SYS_NICE"),
            out.get("reason"));
        assertTrue(out.get("stderr").contains("memory is not bound to nodes"), "said once in the log: " + out);
    }

    @Test
    void callsMissingWithEnosysDegradeToOneNodeWhicheverComesFirst() throws Exception
    {
        final Map<String, String> out = runProbe("ENOSYS", "set-mempolicy-first");
        assertEquals("false", out.get("setMempolicy"), out.toString());
        assertEquals("DEFAULT", out.get("getMempolicy"), out.toString());
        assertEquals("0", out.get("nodesOfPages"), out.toString());
        assertEquals("false", out.get("supported"), out.toString());
        assertTrue(out.get("reason").contains("ENOSYS"), out.get("reason"));
    }

    private static Map<String, String> runProbe(final String errno, final String mode) throws IOException, InterruptedException
    {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "strace needs Linux");
        final Path strace = findStrace();
        assumeTrue(strace != null, "strace is not installed");
        assumeTrue(works(List.of(strace.toString(), "-qq", "-o", "/dev/null", "true")), "strace cannot trace here");
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>(List.of(strace.toString(), "-f", "-qq", "-o", "/dev/null",
            "-e", "trace=" + CALLS, "-e", "inject=" + CALLS + ":error=" + errno,
            java.toString(), "-cp", System.getProperty("java.class.path"), DeniedCallsProbe.class.getName(), mode));
        final Process process = new ProcessBuilder(command).start();
        final byte[] stdout = process.getInputStream().readAllBytes();
        final byte[] stderr = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe timed out");
        final String text = new String(stdout, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text + new String(stderr, StandardCharsets.UTF_8));
        final Map<String, String> values = new HashMap<>();
        for (final String line : text.split("\n"))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        values.put("stderr", new String(stderr, StandardCharsets.UTF_8));
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
