package io.numaslab.numa;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory-policy calls as a container sees them (Docker's default seccomp profile answers EPERM without
 * CAP_SYS_NICE) and as a kernel without NUMA does (ENOSYS): strace makes them fail in a child JVM. Needs
 * Linux and strace; skipped elsewhere.
 */
class DeniedPolicyCallsTest
{
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

    private static Map<String, String> runProbe(final String errno, final String mode)
        throws IOException, InterruptedException
    {
        return StraceInjection.run(errno, List.of(), DeniedCallsProbe.class, mode);
    }
}
