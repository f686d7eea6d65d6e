package io.numaslab.allocator;

import io.netty.buffer.ByteBuf;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory used after its allocator closed, which the API forbids: a mistake that must not crash the JVM. And the
 * price of that is paid only by such mistakes: an allocator closed with nothing allocated unmaps everything.
 */
class UseAfterCloseTest
{
    @Test
    void memoryStillAllocatedAtCloseIsGivenBackButItsAddressesDoNotCrashTheJvm() throws Exception
    {
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/numaslab-use-after-close-hs_err_%p.log",
            "-cp", System.getProperty("java.class.path"), UseAfterCloseChild.class.getName()))
            .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor(); // before reading: a hung child would never close its output
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child JVM output:\n" + out);
        assertTrue(out.contains("SMALL 5242880 bytes: read 0 after close, wrote 42"), out);
    }

    @Test
    void anAllocatorClosedWithEverythingFreedUnmapsItsRegions() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final long slot = a.allocate(64);
        final long run = a.allocate(128 * 1024);
        final long region = a.allocate(5 << 20);
        a.free(slot); // stays in this thread's cache: cached, not allocated
        a.free(run);
        a.free(region);
        a.close();
        assertFalse(UseAroundCloseTest.isMapped(slot), "the chunk of a slot");
        assertFalse(UseAroundCloseTest.isMapped(run), "the chunk of a page run");
        assertFalse(UseAroundCloseTest.isMapped(region), "a region of its own");
    }

    @Test
    void releasedNettyBuffersThatItsThreadKeepsDoNotCountAsStillAllocated() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final ByteBuf buf = new NumaByteBufAllocator(a).directBuffer(64);
        final long address = buf.memoryAddress();
        buf.release(); // kept, with its slot, by this thread's buffer cache: handed out to no one
        a.close();
        assertFalse(UseAroundCloseTest.isMapped(address));
    }

    @Test
    void aNettyBufferStillHeldAtCloseKeepsItsAddressMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(a);
        alloc.directBuffer(64).release(); // one kept...
        final ByteBuf held = alloc.directBuffer(64); // ...and handed out again
        final ByteBuf another = alloc.directBuffer(64);
        a.close();
        assertTrue(UseAroundCloseTest.isMapped(held.memoryAddress()));
        assertTrue(UseAroundCloseTest.isMapped(another.memoryAddress()));
    }

    @Test
    void anAllocatorClosedWithMemoryStillAllocatedKeepsTheAddressesMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final long slot = a.allocate(64);
        final long region = a.allocate(5 << 20);
        a.close();
        assertEquals(0, a.stats().getReservedBytes(), "nothing is reserved once closed");
        assertTrue(UseAroundCloseTest.isMapped(slot));
        assertTrue(UseAroundCloseTest.isMapped(region));
    }

    @Test
    void aClosedAllocatorIsCollectedWhileTheThreadsThatUsedItLive() throws Exception
    {
        final WeakReference<NumaAllocator> closed = allocateOnThisThreadAndClose();
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (closed.get() != null && System.nanoTime() < deadline)
        {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(closed.get(), "this thread (alive) keeps the closed allocator reachable");
    }

    private static WeakReference<NumaAllocator> allocateOnThisThreadAndClose()
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        a.free(a.allocate(64)); // this thread now has a cache of it
        a.close();
        return new WeakReference<>(a);
    }
}
