package io.numaslab.allocator;

import io.numaslab.numa.StraceInjection;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator in a container whose seccomp profile denies the memory-policy calls (EPERM, Docker's default
 * without CAP_SYS_NICE), made so by strace in a child JVM: it must still allocate, unbound, and say why.
 * Needs Linux and strace; skipped elsewhere.
 */
class DeniedPolicyCallsAllocatorTest
{
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
        final Map<String, String> out = StraceInjection.run("EPERM",
            List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"), DeniedPolicyCallsAllocatorTest.class);
        assertEquals("ok", out.get("allocated"), out.toString());
        final String reasons = out.getOrDefault("reasons", "");
        assertTrue(reasons.contains("not bound to node") && reasons.contains("denied (EPERM)"),
            "JMX says why: " + out);
        assertTrue(out.get("stderr").contains("memory is not bound to nodes"), "a warning in the log: " + out);
    }
}
