package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's leak detector reports buffers of {@link NumaByteBufAllocator} that are collected without being released,
 * at every level but DISABLED. The reports are captured through a {@link ResourceLeakDetectorFactory} whose
 * detectors track every buffer (sampling interval 1), so SIMPLE and ADVANCED are tested as deterministically as
 * PARANOID.
 */
class NumaByteBufLeakDetectionTest
{
    private static final int GC_ROUNDS = 40;
    private static final String HINT = "touched-by-the-leak-test";

    private static NumaAllocator numa;
    private final CapturingFactory factory = new CapturingFactory();
    private ResourceLeakDetectorFactory factoryBefore;
    private ResourceLeakDetector.Level levelBefore;

    @BeforeAll
    static void openAllocator()
    {
        numa = NumaAllocator.builder().jmx(false).build();
    }

    @AfterAll
    static void closeAllocator()
    {
        numa.close();
    }

    @BeforeEach
    void captureReports()
    {
        factoryBefore = ResourceLeakDetectorFactory.instance();
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(factory);
    }

    @AfterEach
    void restore()
    {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(factoryBefore);
        ResourceLeakDetector.setLevel(levelBefore);
    }

    /** Detectors that track every object and keep what they would log. */
    private static final class CapturingFactory extends ResourceLeakDetectorFactory
    {
        final List<String> reports = new CopyOnWriteArrayList<>();

        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(final Class<T> resource, final int samplingInterval,
            final long maxActive)
        {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(final Class<T> resource, final int samplingInterval)
        {
            return new ResourceLeakDetector<T>(resource, 1)
            {
                @Override
                protected boolean needReport()
                {
                    return true;
                }

                @Override
                protected void reportTracedLeak(final String resourceType, final String records)
                {
                    reports.add(resourceType + " leaked: " + records);
                }

                @Override
                protected void reportUntracedLeak(final String resourceType)
                {
                    reports.add(resourceType + " leaked");
                }
            };
        }
    }

    /** Allocates, writes and drops a buffer; nothing refers to it after this returns. */
    private static void leakOne(final NumaByteBufAllocator alloc)
    {
        final ByteBuf buf = alloc.directBuffer(128).writeLong(1);
        buf.touch(HINT);
        buf.retain();
        buf.release();
    }

    private static void leakARetainedSlice(final NumaByteBufAllocator alloc)
    {
        final ByteBuf buf = alloc.directBuffer(128).writeLong(1);
        final ByteBuf slice = buf.retainedSlice();
        slice.touch(HINT);
        buf.release();
    }

    /** Collects garbage and allocates, which is when the detector reports, until a report comes or rounds run out. */
    private void collectAndAllocate(final NumaByteBufAllocator alloc, final int rounds) throws InterruptedException
    {
        for (int i = 0; i < rounds && factory.reports.isEmpty(); i++)
        {
            System.gc();
            Thread.sleep(10);
            alloc.directBuffer(8).release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ResourceLeakDetector.Level.class, names = {"SIMPLE", "ADVANCED", "PARANOID"})
    void aBufferCollectedWithoutReleaseIsReported(final ResourceLeakDetector.Level level) throws InterruptedException
    {
        ResourceLeakDetector.setLevel(level);
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        leakOne(alloc);
        collectAndAllocate(alloc, GC_ROUNDS);
        assertEquals(1, factory.reports.size(), factory.reports.toString());
        final String report = factory.reports.get(0);
        assertTrue(report.startsWith("ByteBuf leaked"), report);
        assertTrue(report.contains("leakOne"), "the allocation site is in the report: " + report);
        assertEquals(level != ResourceLeakDetector.Level.SIMPLE, report.contains(HINT),
            "touch hints are recorded at ADVANCED and PARANOID only: " + report);
    }

    @ParameterizedTest
    @EnumSource(value = ResourceLeakDetector.Level.class, names = {"SIMPLE", "PARANOID"})
    void aLeakedBufferThatCameFromTheThreadsKeptBuffersIsReported(final ResourceLeakDetector.Level level)
        throws InterruptedException
    {
        ResourceLeakDetector.setLevel(level);
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        alloc.directBuffer(128).release(); // kept with its slot by this thread, then handed out again by leakOne
        leakOne(alloc);
        collectAndAllocate(alloc, GC_ROUNDS);
        assertEquals(1, factory.reports.size(), factory.reports.toString());
    }

    @Test
    void nothingIsReportedWhenDetectionIsDisabled() throws InterruptedException
    {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        leakOne(alloc);
        collectAndAllocate(alloc, 3);
        assertTrue(factory.reports.isEmpty(), factory.reports.toString());
    }

    @Test
    void aRetainedSliceCollectedWithoutReleaseReportsItsBuffer() throws InterruptedException
    {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        leakARetainedSlice(alloc);
        collectAndAllocate(alloc, GC_ROUNDS);
        assertEquals(1, factory.reports.size(), factory.reports.toString());
        assertTrue(factory.reports.get(0).contains(HINT), "the slice's touch is in its buffer's report");
    }

    @Test
    void releasedBuffersAndTheirSlicesAreNeverReported() throws InterruptedException
    {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        for (int i = 0; i < 200; i++)
        {
            final ByteBuf buf = alloc.directBuffer(64 + i).writeInt(i);
            final ByteBuf slice = buf.retainedSlice();
            buf.release();
            slice.release();
        }
        collectAndAllocate(alloc, 3);
        assertFalse(factory.reports.stream().anyMatch(r -> r.contains("ByteBuf")), factory.reports.toString());
    }
}
