package io.numaslab.numa;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Run by {@link DeniedPolicyCallsTest} in a child JVM whose memory-policy system calls strace makes fail: prints
 * what each {@link Numa} call did, one {@code key=value} line per call.
 */
final class DeniedCallsProbe
{
    private DeniedCallsProbe()
    {
    }

    public static void main(final String[] args)
    {
        final Memory page = new Memory(2 * 4096);
        final long address = (Pointer.nativeValue(page) + 4095) & ~4095L;
        page.setByte(address - Pointer.nativeValue(page), (byte)1);
        if (args.length > 0 && args[0].equals("mbind-first"))
        {
            print("mbind", () -> Numa.mbind(address, 4096, MemoryPolicy.BIND, new int[] {0}, BindFlag.STRICT));
        }
        print("setMempolicy", () -> Numa.setMempolicy(MemoryPolicy.BIND, new int[] {0}));
        print("getMempolicy", () -> Numa.getMempolicy().policy());
        print("nodesOfPages", () -> Numa.nodesOfPages(address, 4096, 4096)[0]);
        print("supported", Numa::isSupported);
        print("reason", Numa::unsupportedReason);
    }

    private static void print(final String key, final java.util.function.Supplier<Object> call)
    {
        String value;
        try
        {
            value = String.valueOf(call.get());
        }
        catch (final RuntimeException ex)
        {
            value = ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
        System.out.println(key + "=" + value);
    }
}
