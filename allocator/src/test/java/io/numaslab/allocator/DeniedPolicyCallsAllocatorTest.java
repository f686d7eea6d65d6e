package io.numaslab.allocator;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The allocator in a container whose seccomp profile denies the memory-policy calls (EPERM, Docker's default
 * without CAP_SYS_NICE), made so by strace in a child JVM: it must still allocate, unbound, and say why.
 * Needs Linux and strace; skipped elsewhere.
 */
class DeniedPolicyCallsAllocatorTest
{
    private static final String CALLS = "mbind,set_mempolicy,get_mempolicy,move_pages";

    /** The child: allocates slots, page runs and a region of its own, and prints what the node's arena says. */
    public static void main(final String[] args)
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).build())
        {
            for (final int size : new int[] {64, 100_000, 4 << 20})
            {
                final long address = allocator.allocate(size);
                new org.agrona.concurrent.UnsafeBuffer(address, size).setMemory(0, size, (byte)1);
                allocator.free(address);
            }
            final NodeArenaMXBean node = allocator.nodeStats(allocator.nodeOfCurrentThread());
            System.out.println("allocated=ok");
            System.out.println("reasons=" + node.getPageKindFallbackReasons());
        }
    }

    @Test
    void anAllocatorWhosePolicyCallsAreDeniedStillAllocatesAndSaysItsMemoryIsNotBound() throws Exception
    {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "strace needs Linux");
        final Path strace = Path.of("/usr/bin/strace");
        assumeTrue(Files.isExecutable(strace), "strace is not installed");
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(List.of(strace.toString(), "-f", "-qq", "-o", "/dev/null",
            "-e", "trace=" + CALLS, "-e", "inject=" + CALLS + ":error=EPERM", java.toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), DeniedPolicyCallsAllocatorTest.class.getName()))
            .redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child timed out");
        assumeTrue(!out.contains("PTRACE_TRACEME") && !out.contains("ptrace(PTRACE"), "strace cannot trace here: " + out);
        assertEquals(0, process.exitValue(), out);
        assertTrue(out.contains("allocated=ok"), out);
        final String reasons = out.lines().filter(l -> l.startsWith("reasons=")).findFirst().orElse("");
        assertTrue(reasons.contains("not bound to node") && reasons.contains("denied (EPERM)"),
            "JMX says why: " + out);
        assertTrue(out.contains("memory is not bound to nodes"), "a warning in the log: " + out);
    }
}
