package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The ByteBuf contract, from Netty's documented semantics, for buffers of {@link NumaByteBufAllocator}: once with
 * memory reached through Unsafe, once through ByteBuffer views. After every test each buffer must have been freed:
 * the NumaAllocator's used bytes are back to 0.
 */
class NumaByteBufContractTest
{
    private static NumaAllocator numa;

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

    @Nested
    class ThroughUnsafe extends Contract
    {
        @Override
        NumaByteBufAllocator newAllocator()
        {
            assumeTrue(UnsafeMemory.AVAILABLE, "Netty has no Unsafe in this JVM");
            final NumaByteBufAllocator a = new NumaByteBufAllocator(numa, null, true, true);
            assertTrue(a.usesUnsafe());
            return a;
        }
    }

    @Nested
    class ThroughByteBufferViews extends Contract
    {
        @Override
        NumaByteBufAllocator newAllocator()
        {
            final NumaByteBufAllocator a = new NumaByteBufAllocator(numa, null, true, false);
            assertFalse(a.usesUnsafe());
            return a;
        }
    }

    abstract static class Contract
    {
        NumaByteBufAllocator alloc;
        private final List<ByteBuf> toRelease = new ArrayList<>();
        private long usedBytesBefore;

        abstract NumaByteBufAllocator newAllocator();

        @BeforeEach
        void createAllocator()
        {
            alloc = newAllocator();
            numa.trimCurrentThreadCache();
            numa.maintainNow();
            usedBytesBefore = numa.stats().getUsedBytes();
        }

        @AfterEach
        void everyBufferWasFreed()
        {
            for (int i = toRelease.size() - 1; i >= 0; i--)
            {
                final ByteBuf buf = toRelease.get(i);
                if (buf.refCnt() > 0)
                {
                    buf.release(buf.refCnt());
                }
            }
            numa.trimCurrentThreadCache();
            numa.maintainNow();
            assertEquals(usedBytesBefore, numa.stats().getUsedBytes(), "bytes still allocated after the test");
        }

        /** A direct buffer released after the test if the test did not. */
        ByteBuf direct(final int capacity)
        {
            return track(alloc.directBuffer(capacity));
        }

        ByteBuf direct(final int capacity, final int maxCapacity)
        {
            return track(alloc.directBuffer(capacity, maxCapacity));
        }

        <T extends ByteBuf> T track(final T buf)
        {
            toRelease.add(buf);
            return buf;
        }

        static byte[] pattern(final int length, final int seed)
        {
            final byte[] bytes = new byte[length];
            new SplittableRandom(seed).nextBytes(bytes);
            return bytes;
        }

        static byte[] contentOf(final ByteBuf buf, final int index, final int length)
        {
            final byte[] bytes = new byte[length];
            buf.getBytes(index, bytes);
            return bytes;
        }

        // -------------------------------------------------------------------------------------------- identity

        @Test
        @SuppressWarnings("deprecation")
        void aNewBufferHasTheAskedCapacityZeroIndicesAndOneReference()
        {
            final ByteBuf buf = direct(100, 1000);
            assertEquals(100, buf.capacity());
            assertEquals(1000, buf.maxCapacity());
            assertEquals(0, buf.readerIndex());
            assertEquals(0, buf.writerIndex());
            assertEquals(1, buf.refCnt());
            assertSame(alloc, buf.alloc());
            assertSame(ByteOrder.BIG_ENDIAN, buf.order());
            assertNull(buf.unwrap());
        }

        @Test
        void aBufferIsDirectAndContiguousWithAMemoryAddressAndNoArray()
        {
            final ByteBuf buf = direct(64);
            assertTrue(buf.isDirect());
            assertTrue(buf.isContiguous());
            assertTrue(buf.hasMemoryAddress());
            assertNotEquals(0, buf.memoryAddress());
            assertFalse(buf.hasArray());
            assertThrows(UnsupportedOperationException.class, buf::array);
            assertThrows(UnsupportedOperationException.class, buf::arrayOffset);
        }

        @Test
        void theMemoryAddressPointsAtTheContent()
        {
            final ByteBuf buf = direct(64);
            buf.setLong(8, 0x0102030405060708L);
            final ByteBuffer raw = MemoryViews.of(buf.memoryAddress(), 64);
            assertEquals(0x0102030405060708L, raw.getLong(8));
            raw.putInt(20, 0xCAFEBABE);
            assertEquals(0xCAFEBABE, buf.getInt(20));
            buf.release();
        }

        @Test
        void bufferIoBufferAndCompositeBufferAreDirectWhenDirectIsPreferred()
        {
            assertTrue(alloc.isDirectBufferPooled());
            assertTrue(track(alloc.buffer()).isDirect());
            assertTrue(track(alloc.buffer(10)).isDirect());
            assertTrue(track(alloc.buffer(10, 20)).isDirect());
            assertTrue(track(alloc.ioBuffer()).isDirect());
            assertTrue(track(alloc.ioBuffer(10, 20)).isDirect());
            final CompositeByteBuf composite = track(alloc.compositeBuffer());
            composite.addComponent(true, alloc.buffer(8).writeLong(1));
            assertTrue(composite.isDirect());
            assertEquals(256, track(alloc.directBuffer()).capacity());
        }

        @Test
        void heapBuffersComeFromTheHeapAllocator()
        {
            final ByteBuf heap = track(alloc.heapBuffer(100));
            assertFalse(heap.isDirect());
            assertTrue(heap.hasArray());
            assertEquals(100, heap.capacity());
            final NumaByteBufAllocator heapFirst = new NumaByteBufAllocator(numa, null, false);
            assertFalse(track(heapFirst.buffer()).isDirect());
            final CompositeByteBuf composite = track(heapFirst.compositeBuffer());
            composite.addComponent(true, heapFirst.buffer(8).writeLong(1));
            assertFalse(composite.isDirect());
            assertTrue(track(heapFirst.directBuffer()).isDirect());
            assertTrue(track(heapFirst.ioBuffer()).isDirect());
        }

        @Test
        void aZeroCapacityBufferGrowsOnWrite()
        {
            final ByteBuf buf = direct(0);
            assertEquals(0, buf.capacity());
            buf.writeInt(42);
            assertTrue(buf.capacity() >= 4);
            assertEquals(42, buf.readInt());
        }

        // -------------------------------------------------------------------------------------------- primitives

        @Test
        void everyPrimitiveRoundTripsInBothByteOrdersAtEveryAlignment()
        {
            final ByteBuf buf = direct(64);
            for (int at = 0; at < 8; at++)
            {
                buf.setByte(at, -3);
                assertEquals(-3, buf.getByte(at));
                assertEquals(253, buf.getUnsignedByte(at));
                buf.setShort(at, 0xFEDC);
                assertEquals((short)0xFEDC, buf.getShort(at));
                assertEquals(0xFEDC, buf.getUnsignedShort(at));
                buf.setShortLE(at, 0xFEDC);
                assertEquals((short)0xFEDC, buf.getShortLE(at));
                assertEquals(0xFEDC, buf.getUnsignedShortLE(at));
                buf.setMedium(at, 0xFEDCBA);
                assertEquals(0xFEDCBA, buf.getUnsignedMedium(at));
                assertEquals(0xFFFEDCBA, buf.getMedium(at));
                buf.setMediumLE(at, 0xFEDCBA);
                assertEquals(0xFEDCBA, buf.getUnsignedMediumLE(at));
                assertEquals(0xFFFEDCBA, buf.getMediumLE(at));
                buf.setInt(at, 0xFEDCBA98);
                assertEquals(0xFEDCBA98, buf.getInt(at));
                assertEquals(0xFEDCBA98L, buf.getUnsignedInt(at));
                buf.setIntLE(at, 0xFEDCBA98);
                assertEquals(0xFEDCBA98, buf.getIntLE(at));
                assertEquals(0xFEDCBA98L, buf.getUnsignedIntLE(at));
                buf.setLong(at, 0xFEDCBA9876543210L);
                assertEquals(0xFEDCBA9876543210L, buf.getLong(at));
                buf.setLongLE(at, 0xFEDCBA9876543210L);
                assertEquals(0xFEDCBA9876543210L, buf.getLongLE(at));
                buf.setChar(at, 'λ');
                assertEquals('λ', buf.getChar(at));
                buf.setFloat(at, 3.25f);
                assertEquals(3.25f, buf.getFloat(at));
                buf.setFloatLE(at, -1.5f);
                assertEquals(-1.5f, buf.getFloatLE(at));
                buf.setDouble(at, Math.PI);
                assertEquals(Math.PI, buf.getDouble(at));
                buf.setDoubleLE(at, Math.E);
                assertEquals(Math.E, buf.getDoubleLE(at));
                buf.setBoolean(at, true);
                assertTrue(buf.getBoolean(at));
            }
        }

        @Test
        void bytesAreLaidOutBigEndianUnlessNamedLittleEndian()
        {
            final ByteBuf buf = direct(32);
            buf.setInt(0, 0x01020304);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, contentOf(buf, 0, 4));
            buf.setIntLE(0, 0x01020304);
            assertArrayEquals(new byte[] {4, 3, 2, 1}, contentOf(buf, 0, 4));
            buf.setShort(4, 0x0506);
            assertArrayEquals(new byte[] {5, 6}, contentOf(buf, 4, 2));
            buf.setShortLE(4, 0x0506);
            assertArrayEquals(new byte[] {6, 5}, contentOf(buf, 4, 2));
            buf.setMedium(8, 0x070809);
            assertArrayEquals(new byte[] {7, 8, 9}, contentOf(buf, 8, 3));
            buf.setMediumLE(8, 0x070809);
            assertArrayEquals(new byte[] {9, 8, 7}, contentOf(buf, 8, 3));
            buf.setLong(16, 0x1112131415161718L);
            assertArrayEquals(new byte[] {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}, contentOf(buf, 16, 8));
            buf.setLongLE(16, 0x1112131415161718L);
            assertArrayEquals(new byte[] {0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11}, contentOf(buf, 16, 8));
        }

        @Test
        void randomOperationsLeaveTheSameContentAsNettysHeapBuffer()
        {
            final int capacity = 300;
            final ByteBuf buf = direct(capacity).setZero(0, capacity);
            final ByteBuf reference = Unpooled.buffer(capacity).setZero(0, capacity);
            final SplittableRandom random = new SplittableRandom(7);
            for (int op = 0; op < 20_000; op++)
            {
                final int kind = random.nextInt(10);
                final int width = new int[] {1, 2, 2, 3, 3, 4, 4, 8, 8, 5}[kind];
                final int at = random.nextInt(capacity - width + 1);
                final long value = random.nextLong();
                for (final ByteBuf b : new ByteBuf[] {buf, reference})
                {
                    switch (kind)
                    {
                        case 0: b.setByte(at, (int)value); break;
                        case 1: b.setShort(at, (int)value); break;
                        case 2: b.setShortLE(at, (int)value); break;
                        case 3: b.setMedium(at, (int)value); break;
                        case 4: b.setMediumLE(at, (int)value); break;
                        case 5: b.setInt(at, (int)value); break;
                        case 6: b.setIntLE(at, (int)value); break;
                        case 7: b.setLong(at, value); break;
                        case 8: b.setLongLE(at, value); break;
                        default: b.setBytes(at, pattern(width, (int)value)); break;
                    }
                }
                final int readAt = random.nextInt(capacity - 8 + 1);
                assertEquals(reference.getLong(readAt), buf.getLong(readAt), "after op " + op);
                assertEquals(reference.getIntLE(readAt), buf.getIntLE(readAt), "after op " + op);
                assertEquals(reference.getUnsignedMedium(readAt), buf.getUnsignedMedium(readAt), "after op " + op);
                assertEquals(reference.getUnsignedMediumLE(readAt), buf.getUnsignedMediumLE(readAt), "after op " + op);
                assertEquals(reference.getShortLE(readAt), buf.getShortLE(readAt), "after op " + op);
            }
            assertArrayEquals(contentOf(reference, 0, capacity), contentOf(buf, 0, capacity));
            reference.release();
        }

        @Test
        void readsAndWritesMoveTheirIndices()
        {
            final ByteBuf buf = direct(8);
            buf.writeByte(1).writeShort(2).writeMedium(3).writeInt(4).writeLong(5).writeShortLE(6).writeIntLE(7)
                .writeLongLE(8).writeChar('c').writeFloat(1.5f).writeDouble(2.5).writeBoolean(true).writeMediumLE(9);
            assertEquals(1 + 2 + 3 + 4 + 8 + 2 + 4 + 8 + 2 + 4 + 8 + 1 + 3, buf.writerIndex());
            assertEquals(1, buf.readByte());
            assertEquals(2, buf.readShort());
            assertEquals(3, buf.readMedium());
            assertEquals(4, buf.readInt());
            assertEquals(5, buf.readLong());
            assertEquals(6, buf.readShortLE());
            assertEquals(7, buf.readIntLE());
            assertEquals(8, buf.readLongLE());
            assertEquals('c', buf.readChar());
            assertEquals(1.5f, buf.readFloat());
            assertEquals(2.5, buf.readDouble());
            assertTrue(buf.readBoolean());
            assertEquals(9, buf.readUnsignedMediumLE());
            assertEquals(buf.writerIndex(), buf.readerIndex());
            assertFalse(buf.isReadable());
        }

        // -------------------------------------------------------------------------------------------- bounds

        @Test
        void accessOutsideTheCapacityThrowsIndexOutOfBounds()
        {
            final ByteBuf buf = direct(16, 64);
            final int cap = buf.capacity();
            final List<Executable> outside = List.of(
                () -> buf.getByte(-1), () -> buf.getByte(cap), () -> buf.getShort(cap - 1),
                () -> buf.getUnsignedMedium(cap - 2), () -> buf.getInt(cap - 3), () -> buf.getLong(cap - 7),
                () -> buf.getLongLE(-1), () -> buf.setByte(cap, 1), () -> buf.setShortLE(cap - 1, 1),
                () -> buf.setMedium(cap - 2, 1), () -> buf.setIntLE(cap - 3, 1), () -> buf.setLong(cap - 7, 1),
                () -> buf.getBytes(cap - 1, new byte[2]), () -> buf.setBytes(cap - 1, new byte[2]),
                () -> buf.getBytes(0, new byte[4], 2, 3), () -> buf.setBytes(0, new byte[4], 3, 2),
                () -> buf.nioBuffer(cap - 1, 2), () -> buf.internalNioBuffer(-1, 1), () -> buf.slice(cap - 1, 2),
                () -> buf.retainedSlice(cap, 1), () -> buf.copy(1, cap), () -> buf.setZero(cap - 1, 2),
                () -> buf.getBytes(0, Unpooled.buffer(1), 0, 2));
            for (final Executable access : outside)
            {
                assertThrows(IndexOutOfBoundsException.class, access);
            }
            assertEquals(16, buf.capacity(), "access out of bounds must not grow the buffer");
        }

        @Test
        void inconsistentIndicesAreRejected()
        {
            final ByteBuf buf = direct(16);
            assertThrows(IndexOutOfBoundsException.class, () -> buf.readerIndex(1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.writerIndex(17));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.setIndex(3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.setIndex(-1, 2));
            buf.setIndex(2, 16);
            assertEquals(14, buf.readableBytes());
            assertEquals(0, buf.writableBytes());
        }

        @Test
        void readingPastTheWriterIndexThrows()
        {
            final ByteBuf buf = direct(16);
            buf.writeMedium(1);
            assertThrows(IndexOutOfBoundsException.class, buf::readInt);
            assertThrows(IndexOutOfBoundsException.class, () -> buf.readBytes(new byte[4]));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.readRetainedSlice(4));
            assertEquals(0, buf.readerIndex(), "a failed read must not move the reader index");
        }

        @Test
        void writingPastTheMaxCapacityThrows()
        {
            final ByteBuf buf = direct(8, 16);
            buf.writeBytes(new byte[16]);
            assertFalse(buf.isWritable());
            assertThrows(IndexOutOfBoundsException.class, () -> buf.writeByte(1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.ensureWritable(1));
            assertEquals(1, buf.ensureWritable(1, false));
            assertEquals(16, buf.writerIndex());
        }

        @Test
        void ensureWritableReportsWhatItDid()
        {
            final ByteBuf buf = direct(8, 100);
            assertEquals(0, buf.ensureWritable(4, false), "enough room already");
            assertEquals(2, buf.ensureWritable(50, false), "grown");
            assertTrue(buf.capacity() >= 50);
            final ByteBuf small = direct(8, 100);
            assertEquals(1, small.ensureWritable(200, false), "not enough, and not forced to grow");
            assertEquals(8, small.capacity());
            assertEquals(3, small.ensureWritable(200, true), "grown to the maximum, still not enough");
            assertEquals(100, small.capacity());
        }

        @Test
        void capacityBeyondTheMaxCapacityOrNegativeIsRejected()
        {
            final ByteBuf buf = direct(8, 16);
            assertThrows(IllegalArgumentException.class, () -> buf.capacity(17));
            assertThrows(IllegalArgumentException.class, () -> buf.capacity(-1));
            assertThrows(IllegalArgumentException.class, () -> alloc.directBuffer(10, 5));
            assertThrows(IllegalArgumentException.class, () -> alloc.directBuffer(-1));
        }

        // -------------------------------------------------------------------------------------------- capacity

        @Test
        void capacityGrowsIntoItsSlotWithoutMoving()
        {
            final NumaByteBuf buf = (NumaByteBuf)direct(20);
            final long address = buf.memoryAddress();
            assertTrue(buf.slotBytes() >= 20);
            assertEquals(buf.slotBytes() - 0, buf.maxFastWritableBytes());
            buf.writeBytes(pattern(20, 1));
            buf.writeBytes(new byte[buf.slotBytes() - 20]);
            assertEquals(buf.slotBytes(), buf.capacity());
            assertEquals(address, buf.memoryAddress());
            assertArrayEquals(pattern(20, 1), contentOf(buf, 0, 20));
        }

        @Test
        void capacityGrowthPastTheSlotMovesAndKeepsContentAndIndices()
        {
            final NumaByteBuf buf = (NumaByteBuf)direct(16);
            final byte[] content = pattern(16, 2);
            buf.writeBytes(content);
            buf.readerIndex(3);
            for (final int capacity : new int[] {1000, 70_000, (1 << 20) + 5, 3 << 20})
            {
                final long before = buf.memoryAddress();
                buf.capacity(capacity);
                assertEquals(capacity, buf.capacity());
                assertTrue(buf.slotBytes() >= capacity);
                assertNotEquals(before, buf.memoryAddress(), "moved to a larger allocation");
                assertArrayEquals(content, contentOf(buf, 0, 16));
                assertEquals(3, buf.readerIndex());
                assertEquals(16, buf.writerIndex());
            }
            buf.setByte(buf.capacity() - 1, 7);
            assertEquals(7, buf.getByte((3 << 20) - 1));
        }

        @Test
        void writesGrowTheBufferAsNeededKeepingEveryByte()
        {
            final ByteBuf buf = direct(1);
            final byte[] content = pattern(300_000, 3);
            for (int i = 0; i < content.length; i += 1000)
            {
                buf.writeBytes(content, i, Math.min(1000, content.length - i));
            }
            assertArrayEquals(content, contentOf(buf, 0, content.length));
        }

        @Test
        void calculateNewCapacityDoublesFrom64UpTo4MiBThenStepsBy4MiB()
        {
            final int fourMiB = 4 << 20;
            assertEquals(64, alloc.calculateNewCapacity(0, Integer.MAX_VALUE));
            assertEquals(64, alloc.calculateNewCapacity(64, Integer.MAX_VALUE));
            assertEquals(128, alloc.calculateNewCapacity(65, Integer.MAX_VALUE));
            assertEquals(1024, alloc.calculateNewCapacity(1000, Integer.MAX_VALUE));
            assertEquals(fourMiB, alloc.calculateNewCapacity(fourMiB, Integer.MAX_VALUE));
            assertEquals(2 * fourMiB, alloc.calculateNewCapacity(fourMiB + 1, Integer.MAX_VALUE));
            assertEquals(100, alloc.calculateNewCapacity(65, 100));
            assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(101, 100));
            assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(-1, 100));
        }

        @Test
        void shrinkingTrimsIndicesAndKeepsTheContentThatFits()
        {
            final NumaByteBuf buf = (NumaByteBuf)direct(4000);
            final byte[] content = pattern(3000, 4);
            buf.writeBytes(content);
            buf.readerIndex(2900);
            buf.capacity(2500);
            assertEquals(2500, buf.capacity());
            assertEquals(2500, buf.readerIndex());
            assertEquals(2500, buf.writerIndex());
            final long before = buf.memoryAddress();
            buf.capacity(100);
            assertNotEquals(before, buf.memoryAddress(), "a much smaller capacity moves to a smaller allocation");
            assertTrue(buf.slotBytes() < 2500);
            assertEquals(100, buf.writerIndex());
            final byte[] head = new byte[100];
            System.arraycopy(content, 0, head, 0, 100);
            assertArrayEquals(head, contentOf(buf, 0, 100));
        }

        // -------------------------------------------------------------------------------------------- bulk

        @Test
        void byteArrayTransfersCopyExactlyTheRange()
        {
            final ByteBuf buf = direct(64);
            final byte[] src = pattern(40, 5);
            buf.setBytes(10, src, 5, 30);
            final byte[] dst = new byte[50];
            buf.getBytes(10, dst, 7, 30);
            for (int i = 0; i < 30; i++)
            {
                assertEquals(src[5 + i], dst[7 + i]);
            }
            assertEquals(0, dst[6]);
            assertEquals(0, dst[37]);
            buf.writerIndex(0).writeBytes(src);
            final byte[] read = new byte[40];
            buf.readBytes(read);
            assertArrayEquals(src, read);
        }

        @Test
        void byteBufferTransfersMoveTheByteBufferPosition()
        {
            final ByteBuf buf = direct(64);
            final byte[] content = pattern(32, 6);
            for (final ByteBuffer src : new ByteBuffer[] {ByteBuffer.wrap(content), directOf(content),
                ByteBuffer.wrap(content).asReadOnlyBuffer(), directOf(content).asReadOnlyBuffer()})
            {
                buf.setZero(0, 64);
                src.position(2);
                buf.setBytes(5, src);
                assertEquals(32, src.position());
                assertEquals(0, buf.getByte(4));
                assertEquals(content[2], buf.getByte(5));
                assertEquals(content[31], buf.getByte(34));
            }
            for (final ByteBuffer dst : new ByteBuffer[] {ByteBuffer.allocate(40), ByteBuffer.allocateDirect(40)})
            {
                dst.position(4).limit(34);
                buf.getBytes(5, dst);
                assertEquals(34, dst.position());
                assertEquals(content[2], dst.get(4));
                assertEquals(content[31], dst.get(33));
            }
            assertThrows(ReadOnlyBufferException.class, () -> buf.getBytes(0, ByteBuffer.allocate(4).asReadOnlyBuffer()));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.getBytes(60, ByteBuffer.allocate(8)));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.setBytes(60, ByteBuffer.allocate(8)));
        }

        private static ByteBuffer directOf(final byte[] content)
        {
            final ByteBuffer b = ByteBuffer.allocateDirect(content.length);
            b.put(content).flip();
            return b;
        }

        @Test
        void transfersBetweenByteBufsOfEveryKindCopyEveryByte()
        {
            final byte[] content = pattern(100, 7);
            final ByteBuf numa = direct(100).writeBytes(content);
            final CompositeByteBuf composite = track(alloc.compositeDirectBuffer());
            composite.addComponents(true, alloc.directBuffer(40).writeBytes(content, 0, 40),
                alloc.directBuffer(60).writeBytes(content, 40, 60));
            final ByteBuf[] targets = {direct(120), track(Unpooled.buffer(120)), track(Unpooled.directBuffer(120)),
                track(alloc.compositeDirectBuffer().addComponents(true, alloc.directBuffer(50).writerIndex(50),
                    alloc.directBuffer(70).writerIndex(70)))};
            for (final ByteBuf target : targets)
            {
                numa.getBytes(0, target, 10, 100);
                assertArrayEquals(content, contentOf(target, 10, 100), "numa -> " + target);
                target.setZero(0, 120);
                target.setBytes(10, numa, 0, 100);
                assertArrayEquals(content, contentOf(target, 10, 100), "numa -> " + target + " via setBytes");
                final ByteBuf back = direct(120);
                back.setBytes(20, target, 10, 100);
                assertArrayEquals(content, contentOf(back, 20, 100), target + " -> numa");
                final ByteBuf back2 = direct(120);
                target.getBytes(10, back2, 0, 100);
                assertArrayEquals(content, contentOf(back2, 0, 100), target + " -> numa via getBytes");
            }
            final ByteBuf fromComposite = direct(10).writeBytes(composite, 30, 20);
            assertArrayEquals(Arrays.copyOfRange(content, 30, 50), contentOf(fromComposite, 0, 20));
            final ByteBuf reader = direct(100).writeBytes(content);
            final ByteBuf writer = direct(10);
            writer.writeBytes(reader, 60);
            assertEquals(60, reader.readerIndex());
            assertEquals(60, writer.writerIndex());
            writer.ensureWritable(40);
            reader.readBytes(writer, 40);
            assertArrayEquals(content, contentOf(writer, 0, 100));
        }

        @Test
        void copyingWithinOneBufferBehavesLikeMemmove()
        {
            final ByteBuf buf = direct(64);
            final byte[] content = pattern(64, 8);
            buf.setBytes(0, content);
            buf.setBytes(4, buf, 0, 40);
            final byte[] expected = content.clone();
            System.arraycopy(content, 0, expected, 4, 40);
            assertArrayEquals(expected, contentOf(buf, 0, 64));
            buf.setIndex(10, 64);
            buf.discardReadBytes();
            assertEquals(0, buf.readerIndex());
            assertEquals(54, buf.writerIndex());
            assertArrayEquals(Arrays.copyOfRange(expected, 10, 64), contentOf(buf, 0, 54));
        }

        @Test
        void setZeroAndWriteZeroClearExactlyTheirRange()
        {
            final ByteBuf buf = direct(64);
            buf.setBytes(0, pattern(64, 9));
            final byte before = buf.getByte(2);
            buf.setZero(3, 50);
            assertEquals(before, buf.getByte(2));
            for (int i = 3; i < 53; i++)
            {
                assertEquals(0, buf.getByte(i));
            }
            assertEquals(pattern(64, 9)[53], buf.getByte(53));
            buf.writerIndex(60).writeZero(100);
            assertEquals(160, buf.writerIndex());
            assertEquals(0, buf.getLong(152));
        }

        @Test
        void aCopyIsIndependentOfItsSource()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(32, 10));
            final ByteBuf copy = track(buf.copy(4, 20));
            assertTrue(copy instanceof NumaByteBuf);
            assertEquals(20, copy.readableBytes());
            buf.setZero(0, 32);
            assertArrayEquals(Arrays.copyOfRange(pattern(32, 10), 4, 24), contentOf(copy, 0, 20));
            buf.release();
            assertEquals(1, copy.refCnt());
            assertTrue(copy.release());
        }

        // -------------------------------------------------------------------------------------------- derived

        @Test
        void aSliceSharesContentAndReferenceCountButNotGrowth()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(32, 11));
            final ByteBuf slice = buf.slice(4, 10);
            assertEquals(10, slice.capacity());
            assertEquals(buf.memoryAddress() + 4, slice.memoryAddress());
            assertEquals(buf.getInt(4), slice.getInt(0));
            slice.setInt(0, 77);
            assertEquals(77, buf.getInt(4));
            slice.retain();
            assertEquals(2, buf.refCnt());
            assertThrows(IndexOutOfBoundsException.class, () -> slice.writerIndex(10).writeByte(1));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.getByte(10));
            slice.release();
            assertTrue(slice.release());
            assertEquals(0, buf.refCnt());
        }

        @Test
        void aDuplicateSharesContentAndReferenceCountWithItsOwnIndices()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(16, 12));
            final ByteBuf dup = buf.duplicate();
            assertEquals(16, dup.writerIndex());
            dup.readerIndex(8);
            assertEquals(0, buf.readerIndex());
            dup.setByte(0, 99);
            assertEquals(99, buf.getByte(0));
            assertTrue(dup.release());
            assertEquals(0, buf.refCnt());
        }

        @Test
        void aRetainedSliceHasItsOwnReferenceCountAndKeepsTheMemory()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(32, 13));
            final ByteBuf slice = buf.retainedSlice(1, 4);
            assertEquals(2, buf.refCnt());
            assertEquals(1, slice.refCnt());
            assertEquals(4, slice.capacity());
            assertEquals(4, slice.readableBytes());
            assertEquals(buf.memoryAddress() + 1, slice.memoryAddress());
            assertSame(buf, slice.unwrap());
            assertFalse(buf.release(), "the slice still holds the memory");
            assertArrayEquals(Arrays.copyOfRange(pattern(32, 13), 1, 5), contentOf(slice, 0, 4));
            slice.retain();
            assertEquals(2, slice.refCnt());
            assertEquals(1, buf.refCnt(), "retaining the slice does not touch the parent");
            assertFalse(slice.release());
            assertTrue(slice.release());
            assertEquals(0, buf.refCnt());
        }

        @Test
        void releasingARetainedSliceTooOftenThrowsAndLeavesTheParentAlone()
        {
            final ByteBuf buf = direct(32).writeLong(5);
            final ByteBuf slice = buf.retainedSlice();
            assertTrue(slice.release());
            assertThrows(IllegalReferenceCountException.class, slice::release);
            assertThrows(IllegalReferenceCountException.class, () -> slice.getByte(0));
            assertThrows(IllegalReferenceCountException.class, slice::retain);
            assertEquals(1, buf.refCnt());
            assertEquals(5, buf.readLong());
        }

        @Test
        void aRetainedDuplicateFollowsTheRootsCapacityAndMemory()
        {
            final ByteBuf buf = direct(16).writeBytes(pattern(16, 14));
            final ByteBuf dup = buf.retainedDuplicate();
            assertEquals(16, dup.writerIndex());
            assertEquals(buf.maxCapacity(), dup.maxCapacity());
            dup.writeBytes(pattern(5000, 15));
            assertTrue(buf.capacity() >= 5016, "the duplicate grew the root");
            assertEquals(buf.capacity(), dup.capacity());
            assertEquals(16, buf.writerIndex());
            assertArrayEquals(pattern(5000, 15), contentOf(buf, 16, 5000));
            assertArrayEquals(pattern(16, 14), contentOf(dup, 0, 16));
            final ByteBuf slice = buf.retainedSlice(0, 4);
            assertThrows(UnsupportedOperationException.class, () -> slice.capacity(8));
            slice.release();
            assertFalse(buf.release());
            assertTrue(dup.release());
        }

        @Test
        void aSliceWhoseRootShrankBelowItRefusesEveryAccessPastTheRootInsteadOfReachingOtherMemory()
        {
            final ByteBuf buf = direct(1024).writeBytes(pattern(1024, 21));
            final ByteBuf slice = track(buf.retainedSlice(0, 1024));
            buf.capacity(16); // the root moves to a 16-byte slot; the slice keeps its length of 1024
            final List<ByteBuf> neighbours = new ArrayList<>();
            for (int i = 0; i < 256; i++)
            {
                neighbours.add(direct(16).writeZero(16));
            }
            assertEquals(buf.getLong(8), slice.getLong(8), "what the root still holds reads the same");
            slice.setLong(8, 42);
            assertEquals(42, buf.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.setLong(16, 0x5A5A5A5A5A5A5A5AL));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.setByte(1023, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.getInt(100));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.setMedium(14, 1), "straddling the root's end");
            assertThrows(IndexOutOfBoundsException.class, () -> slice.setBytes(0, new byte[1024]));
            assertFalse(slice.hasMemoryAddress(), "a channel must not write through its address");
            assertThrows(UnsupportedOperationException.class, slice::memoryAddress);
            for (final ByteBuf n : neighbours)
            {
                assertEquals(0, n.getLong(0), "a neighbour was overwritten");
                assertEquals(0, n.getLong(8), "a neighbour was overwritten");
            }
            final ByteBuf small = track(buf.retainedSlice(0, 8));
            assertTrue(small.hasMemoryAddress(), "a slice the root still holds keeps its address");
            assertEquals(buf.memoryAddress(), small.memoryAddress());
        }

        @Test
        void aPlainSliceWhoseRootShrankWritesAndReadsOnlyTheRootsOwnSlot()
        {
            final ByteBuf buf = direct(1024).writeZero(1024);
            final ByteBuf slice = buf.slice(0, 1024);
            final ByteBuf readSlice = buf.readSlice(1024);
            // Netty's plain slices read and write the root without checking its capacity, at its address + offset
            buf.capacity(16);
            final List<ByteBuf> neighbours = sameClassNeighbours(buf);
            slice.writerIndex(16);
            while (slice.isWritable(8))
            {
                slice.writeLong(0x5A5A5A5A5A5A5A5AL);
            }
            for (final ByteBuf n : neighbours)
            {
                assertEquals(0, n.getLong(0), "a neighbour was overwritten");
                assertEquals(0, n.getLong(8), "a neighbour was overwritten");
                n.setLong(0, 0x3C3C3C3C3C3C3C3CL).setLong(8, 0x3C3C3C3C3C3C3C3CL);
            }
            slice.readerIndex(16);
            readSlice.readerIndex(16);
            while (slice.isReadable(8))
            {
                assertEquals(0x5A5A5A5A5A5A5A5AL, slice.readLong(), "read a neighbour's memory");
                assertEquals(0x5A5A5A5A5A5A5A5AL, readSlice.readLong(), "read a neighbour's memory");
            }
            assertEquals(16, buf.capacity());
            assertTrue(slice.hasMemoryAddress());
            assertEquals(buf.memoryAddress(), slice.memoryAddress(), "the root kept its slot");
        }

        @Test
        void aPlainDuplicateOrReadOnlyViewWhoseRootShrankNeverReadsAnotherBuffersMemory()
        {
            final ByteBuf buf = direct(1024).writeBytes(pattern(1024, 24));
            final ByteBuf dup = buf.duplicate().readerIndex(16);
            final ByteBuf readOnly = buf.asReadOnly().readerIndex(16);
            final ByteBuf swapped = buf.order(ByteOrder.LITTLE_ENDIAN).duplicate().readerIndex(16);
            buf.capacity(16); // the views keep their indices, 16 and 1024, past the root's new capacity
            for (final ByteBuf n : sameClassNeighbours(buf))
            {
                n.setLong(0, 0x3C3C3C3C3C3C3C3CL).setLong(8, 0x3C3C3C3C3C3C3C3CL);
            }
            final ByteBuf expected = Unpooled.wrappedBuffer(pattern(1024, 24));
            for (final ByteBuf view : new ByteBuf[] {dup, readOnly, swapped})
            {
                while (view.isReadable(8))
                {
                    final int at = view.readerIndex();
                    final long expectedLong = view == swapped ? expected.getLongLE(at) : expected.getLong(at);
                    final long read;
                    try
                    {
                        read = view.readLong();
                    }
                    catch (final IndexOutOfBoundsException refused)
                    {
                        // Netty 4.1's read-only view reads through the root's checked getLong: refused, as safe
                        assertSame(readOnly, view, "only the read-only view checks against the root");
                        break;
                    }
                    assertEquals(expectedLong, read, "read other memory at " + at + " through " + view);
                }
            }
            dup.setIndex(0, 16).writeLong(7); // grows the root again, into the slot it kept
            assertEquals(7, buf.getLong(16));
        }

        @Test
        void aRecycledBufferForgetsThePlainViewsOfItsLastLifeAndMovesWhenItShrinks()
        {
            final NumaByteBuf buf = (NumaByteBuf)alloc.directBuffer(4000);
            buf.slice(0, 10);
            buf.release();
            final NumaByteBuf again = (NumaByteBuf)direct(4000);
            assertSame(buf, again, "the object comes back from the thread's cache");
            again.capacity(16);
            assertTrue(again.slotBytes() < 4000, "a plain view of a buffer's last life does not keep its slot");
        }

        /** 256 zeroed buffers of the shrunk root's size class: some sit right after its new slot, if it moved. */
        private List<ByteBuf> sameClassNeighbours(final ByteBuf root)
        {
            final List<ByteBuf> neighbours = new ArrayList<>();
            for (int i = 0; i < 256; i++)
            {
                neighbours.add(direct(root.capacity()).writeZero(root.capacity()));
            }
            return neighbours;
        }

        @Test
        void copiesBetweenABufferAndASliceWhoseRootShrankMoveWhatTheRootHoldsAndRefuseTheRest()
        {
            final ByteBuf buf = direct(1024).writeBytes(pattern(1024, 26));
            final ByteBuf slice = track(buf.retainedSlice(0, 1024));
            buf.capacity(16);
            final ByteBuf other = direct(16).writeBytes(pattern(16, 27));
            other.setBytes(0, slice, 0, 8);
            assertEquals(buf.getLong(0), other.getLong(0));
            other.getBytes(8, slice, 8, 8);
            assertEquals(other.getLong(8), buf.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> other.setBytes(0, slice, 16, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> other.setBytes(0, slice, 12, 8), "straddling its end");
            assertThrows(IndexOutOfBoundsException.class, () -> other.getBytes(0, slice, 16, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> other.getBytes(0, slice, 12, 8), "straddling its end");
        }

        @Test
        void aRetainedDuplicateOfADuplicateWhoseIndicesNoLongerFitTheRootThrowsAndRetainsNothing()
        {
            final ByteBuf buf = alloc.directBuffer(1024).writerIndex(1000);
            final ByteBuf dup = buf.retainedDuplicate();
            buf.capacity(16); // dup keeps its writer index of 1000
            assertThrows(IndexOutOfBoundsException.class, dup::retainedDuplicate, "its indices cannot be kept");
            assertEquals(1, dup.refCnt());
            assertEquals(2, buf.refCnt(), "the root is held by itself and dup, not by a half-made duplicate");
            assertTrue(dup.release());
            assertTrue(buf.release()); // freed: the used bytes are back at the baseline after the test
        }

        @Test
        void nettysOwnDuplicateOfADuplicateWhoseIndicesNoLongerFitThrowsToo()
        {
            final ByteBuf buf = track(Unpooled.directBuffer(1024).writerIndex(1000));
            final ByteBuf dup = buf.duplicate();
            buf.capacity(16);
            assertThrows(IndexOutOfBoundsException.class, dup::retainedDuplicate);
            assertThrows(IndexOutOfBoundsException.class, dup::duplicate);
            assertEquals(1, buf.refCnt());
        }

        @Test
        void derivedBuffersOfDerivedBuffersKeepTheirParentsAlive()
        {
            final ByteBuf buf = direct(64).writeBytes(pattern(64, 16));
            final ByteBuf outer = buf.retainedSlice(8, 40);
            final ByteBuf inner = outer.retainedSlice(4, 10);
            final ByteBuf innerDup = inner.retainedDuplicate();
            assertEquals(buf.memoryAddress() + 12, inner.memoryAddress());
            assertEquals(10, innerDup.capacity());
            assertEquals(buf.getLong(12), inner.getLong(0));
            assertFalse(buf.release());
            assertFalse(outer.release());
            assertFalse(inner.release());
            assertEquals(buf.getByte(12 + 9), innerDup.getByte(9));
            assertEquals(1, outer.refCnt(), "held by inner, which innerDup holds");
            assertTrue(innerDup.release());
            assertEquals(0, buf.refCnt());
        }

        @Test
        void readRetainedSliceAdvancesTheReaderIndex()
        {
            final ByteBuf buf = direct(16).writeInt(1).writeInt(2);
            final ByteBuf first = buf.readRetainedSlice(4);
            assertEquals(4, buf.readerIndex());
            assertEquals(1, first.readInt());
            assertEquals(2, buf.readInt());
            first.release();
            buf.release();
        }

        @Test
        void derivedBuffersSupportEveryBulkOperation() throws IOException
        {
            final byte[] content = pattern(64, 17);
            final ByteBuf buf = direct(64).writeBytes(content);
            final ByteBuf slice = track(buf.retainedSlice(16, 32));
            final byte[] out = new byte[32];
            slice.getBytes(0, out);
            assertArrayEquals(Arrays.copyOfRange(content, 16, 48), out);
            final ByteBuffer nio = slice.nioBuffer(2, 8);
            assertEquals(8, nio.remaining());
            assertEquals(content[18], nio.get(0));
            assertEquals(8, slice.internalNioBuffer(2, 8).remaining());
            final ByteBuf copy = track(slice.copy(0, 8));
            assertEquals(buf.getLong(16), copy.getLong(0));
            final ByteArrayOutputStream stream = new ByteArrayOutputStream();
            slice.getBytes(0, stream, 32);
            assertArrayEquals(out, stream.toByteArray());
            slice.setBytes(0, new ByteArrayInputStream(new byte[] {1, 2}), 2);
            assertEquals(0x0102, buf.getShort(16));
            slice.setBytes(2, Unpooled.wrappedBuffer(new byte[] {3, 4}), 0, 2);
            assertEquals(0x0304, buf.getShort(18));
            slice.setBytes(4, ByteBuffer.wrap(new byte[] {5, 6}));
            assertEquals(0x0506, buf.getShort(20));
            final ByteBuf other = direct(40);
            other.setBytes(4, slice, 0, 32);
            assertArrayEquals(contentOf(slice, 0, 32), contentOf(other, 4, 32));
            other.setZero(0, 40);
            slice.getBytes(0, other, 8, 32);
            assertArrayEquals(contentOf(slice, 0, 32), contentOf(other, 8, 32));
            slice.setBytes(10, other.setLong(0, 0x1122334455667788L), 0, 8);
            assertEquals(0x1122334455667788L, buf.getLong(26));
            slice.setZero(0, 6);
            assertEquals(0, buf.getMedium(16));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.getBytes(30, new byte[3]));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.setBytes(30, ByteBuffer.allocate(3)));
        }

        // -------------------------------------------------------------------------------------------- NIO

        @Test
        void nioBuffersShareTheContentWithTheirOwnPositions()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(32, 18));
            assertEquals(1, buf.nioBufferCount());
            final ByteBuffer nio = buf.nioBuffer(2, 6);
            assertTrue(nio.isDirect());
            assertEquals(0, nio.position());
            assertEquals(6, nio.limit());
            assertSame(ByteOrder.BIG_ENDIAN, nio.order());
            assertEquals(buf.getShort(2), nio.getShort(0));
            nio.put(0, (byte)42);
            assertEquals(42, buf.getByte(2));
            final ByteBuffer[] all = buf.nioBuffers();
            assertEquals(1, all.length);
            assertEquals(32, all[0].remaining());
            final ByteBuffer whole = buf.nioBuffer();
            assertEquals(buf.readableBytes(), whole.remaining());
        }

        @Test
        void theInternalNioBufferIsReusedAndPositionedOnTheRange()
        {
            final ByteBuf buf = direct(32).writeBytes(pattern(32, 19));
            final ByteBuffer first = buf.internalNioBuffer(3, 4);
            assertEquals(3, first.position());
            assertEquals(7, first.limit());
            assertEquals(buf.getByte(3), first.get(3));
            final ByteBuffer second = buf.internalNioBuffer(10, 20);
            assertSame(first, second);
            assertEquals(10, second.position());
            assertEquals(30, second.limit());
        }

        @Test
        void nioBuffersFollowTheMemoryWhenItMoves()
        {
            final ByteBuf buf = direct(16).writeLong(1);
            buf.internalNioBuffer(0, 8);
            buf.capacity(100_000);
            buf.setLong(90_000, 7);
            assertEquals(7, buf.internalNioBuffer(90_000, 8).getLong(90_000));
            assertEquals(7, buf.nioBuffer(90_000, 8).getLong(0));
            assertEquals(1, buf.nioBuffer(0, 8).getLong());
        }

        @Test
        void channelTransfersThroughAPipeMoveEveryByte() throws Exception
        {
            final Pipe pipe = Pipe.open();
            try
            {
                final byte[] content = pattern(4000, 20);
                final ByteBuf src = direct(4000).writeBytes(content);
                assertEquals(1000, writeFully(src, 0, 1000, pipe));
                final ByteBuf dst = direct(4000);
                assertEquals(1000, readFully(dst, 0, 1000, pipe));
                assertEquals(3000, src.writerIndex(4000).readerIndex(1000).readBytes(pipe.sink(), 3000));
                assertEquals(4000, src.readerIndex());
                dst.writerIndex(1000);
                int got = 0;
                while (got < 3000)
                {
                    got += dst.writeBytes(pipe.source(), 3000 - got);
                }
                assertArrayEquals(content, contentOf(dst, 0, 4000));
                pipe.sink().close();
                assertEquals(-1, dst.setBytes(0, pipe.source(), 10), "end of stream");
                pipe.source().close();
                assertEquals(-1, dst.setBytes(0, pipe.source(), 10), "closed channel");
            }
            finally
            {
                pipe.sink().close();
                pipe.source().close();
            }
        }

        private static int writeFully(final ByteBuf src, final int index, final int length, final Pipe pipe)
            throws IOException
        {
            int done = 0;
            while (done < length)
            {
                done += src.getBytes(index + done, pipe.sink(), length - done);
            }
            return done;
        }

        private static int readFully(final ByteBuf dst, final int index, final int length, final Pipe pipe)
            throws IOException
        {
            int done = 0;
            while (done < length)
            {
                done += dst.setBytes(index + done, pipe.source(), length - done);
            }
            return done;
        }

        @Test
        void fileChannelTransfersAtAPositionMoveEveryByte(@TempDir final Path dir) throws IOException
        {
            final byte[] content = pattern(10_000, 21);
            try (FileChannel file = FileChannel.open(dir.resolve("data"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final ByteBuf src = direct(10_000).writeBytes(content);
                assertEquals(6000, src.getBytes(0, file, 100, 6000));
                assertEquals(4000, src.readerIndex(6000).readBytes(file, 6100, 4000));
                assertEquals(0, file.position(), "positional transfers leave the channel position alone");
                final ByteBuf dst = direct(10_000);
                int got = 0;
                while (got < 10_000)
                {
                    got += dst.setBytes(got, file, 100 + got, 10_000 - got);
                }
                assertArrayEquals(content, contentOf(dst, 0, 10_000));
                assertEquals(-1, dst.setBytes(0, file, 1_000_000, 10), "past the end of the file");
                final ByteBuf appended = direct(10);
                assertEquals(10, appended.writeBytes(file, 100, 10));
                assertArrayEquals(Arrays.copyOf(content, 10), contentOf(appended, 0, 10));
            }
        }

        @Test
        void streamTransfersMoveEveryByte() throws IOException
        {
            final byte[] content = pattern(50_000, 22);
            final ByteBuf src = direct(50_000).writeBytes(content);
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            src.getBytes(0, out, 50_000);
            assertArrayEquals(content, out.toByteArray());
            final ByteArrayOutputStream part = new ByteArrayOutputStream();
            src.readerIndex(100).readBytes(part, 900);
            assertEquals(1000, src.readerIndex());
            assertArrayEquals(Arrays.copyOfRange(content, 100, 1000), part.toByteArray());
            final ByteBuf dst = direct(10);
            final ByteArrayInputStream in = new ByteArrayInputStream(content);
            int got = 0;
            while (got < content.length)
            {
                final int n = dst.writeBytes(in, content.length - got);
                assertTrue(n > 0);
                got += n;
            }
            assertArrayEquals(content, contentOf(dst, 0, content.length));
            assertEquals(-1, dst.writeBytes(in, 10), "end of stream");
            assertEquals(-1, dst.setBytes(0, new ByteArrayInputStream(new byte[0]), 10));
        }

        // -------------------------------------------------------------------------------------------- reference count

        @Test
        void releasingTwiceThrowsIllegalReferenceCount()
        {
            final ByteBuf buf = alloc.directBuffer(16);
            assertTrue(buf.release());
            assertEquals(0, buf.refCnt());
            assertThrows(IllegalReferenceCountException.class, buf::release);
            assertThrows(IllegalReferenceCountException.class, () -> buf.release(1));
        }

        @Test
        void everyAccessAfterReleaseThrowsIllegalReferenceCount()
        {
            final ByteBuf buf = alloc.directBuffer(16).writeLong(1);
            buf.release();
            final List<Executable> accesses = List.of(
                () -> buf.getByte(0), () -> buf.setByte(0, 1), () -> buf.getLong(0), () -> buf.readByte(),
                () -> buf.writeInt(1), () -> buf.memoryAddress(), () -> buf.nioBuffer(0, 1),
                () -> buf.internalNioBuffer(0, 1), () -> buf.retain(), () -> buf.retainedSlice(),
                () -> buf.retainedDuplicate(), () -> buf.slice(0, 1), () -> buf.duplicate(), () -> buf.copy(),
                () -> buf.capacity(64), () -> buf.getBytes(0, new byte[1]), () -> buf.setBytes(0, new byte[1]),
                () -> buf.getBytes(0, ByteBuffer.allocate(1)), () -> buf.setZero(0, 1),
                () -> buf.getBytes(0, Unpooled.buffer(1), 0, 1), () -> buf.ensureWritable(1));
            for (final Executable access : accesses)
            {
                assertThrows(IllegalReferenceCountException.class, access);
            }
        }

        @Test
        void retainAndReleaseByCountsFreeOnlyAtZero()
        {
            final ByteBuf buf = alloc.directBuffer(16);
            buf.retain(3);
            assertEquals(4, buf.refCnt());
            assertFalse(buf.release(2));
            assertThrows(IllegalReferenceCountException.class, () -> buf.release(3));
            assertEquals(2, buf.refCnt(), "a failed release changes nothing");
            assertTrue(buf.release(2));
        }

        @Test
        void aReleasedBufferObjectIsReusedWithFreshState()
        {
            final ByteBuf first = alloc.directBuffer(64, 128);
            first.writeLong(1).readerIndex(4).markReaderIndex();
            first.release();
            // the same size class: the object comes back from the thread's cache, with its slot
            final ByteBuf second = track(alloc.directBuffer(56, 60));
            assertSame(first, second, "the object comes back from the thread's cache");
            assertEquals(1, second.refCnt());
            assertEquals(0, second.readerIndex());
            assertEquals(0, second.writerIndex());
            assertEquals(56, second.capacity());
            assertEquals(60, second.maxCapacity());
            second.writeInt(1).resetReaderIndex();
            assertEquals(0, second.readerIndex(), "marks were reset too");
        }

        @Test
        void aBufferMayBeReleasedOnAnotherThread() throws Exception
        {
            numa.trimCurrentThreadCache();
            final List<ByteBuf> bufs = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                bufs.add(alloc.directBuffer(100 + i * 37).writeInt(i));
            }
            final long used = numa.stats().getUsedBytes();
            assertTrue(used > 0);
            CompletableFuture.runAsync(() ->
            {
                for (final ByteBuf buf : bufs)
                {
                    assertTrue(buf.release());
                }
                numa.trimCurrentThreadCache();
            }).get(10, TimeUnit.SECONDS);
            numa.trimCurrentThreadCache(); // what came back to this thread's cache, with its memory
            numa.maintainNow();
            assertEquals(used - bufs.stream().mapToLong(b -> ((NumaByteBuf)b).slotBytes()).sum(),
                numa.stats().getUsedBytes());
            for (int i = 0; i < 10; i++)
            {
                alloc.directBuffer(64).release();
            }
        }

        // -------------------------------------------------------------------------------------------- the rest

        @Test
        void aCompositeOfTheseBuffersReadsAcrossComponentsAndReleasesThem()
        {
            final CompositeByteBuf composite = alloc.compositeDirectBuffer();
            final ByteBuf a = alloc.directBuffer(3).writeMedium(0x010203);
            final ByteBuf b = alloc.directBuffer(5).writeByte(4).writeInt(0x05060708);
            final ByteBuf c = alloc.directBuffer(8).writeLong(0x090A0B0C0D0E0F10L);
            composite.addComponents(true, a, b, c);
            assertEquals(16, composite.readableBytes());
            assertEquals(0x01020304, composite.readInt());
            assertEquals(0x0506070809L, composite.readLong() >>> 24);
            assertEquals(3, composite.nioBufferCount());
            final ByteBuffer[] parts = composite.nioBuffers(0, 16);
            assertEquals(3, parts.length);
            assertEquals(0x0102, parts[0].getShort(parts[0].position()));
            final ByteBuf copy = composite.copy(0, 16);
            assertEquals(0x0102030405060708L, copy.getLong(0));
            copy.release();
            composite.consolidate();
            assertEquals(0x090A0B0C0D0E0F10L, composite.getLong(8));
            assertTrue(composite.release());
            assertEquals(0, a.refCnt());
            assertEquals(0, b.refCnt());
            assertEquals(0, c.refCnt());
        }

        @Test
        void theMetricCountsDirectAndHeapUse()
        {
            final long direct = alloc.metric().usedDirectMemory();
            final long heap = alloc.metric().usedHeapMemory();
            final ByteBuf d = direct(10_000);
            final ByteBuf h = track(alloc.heapBuffer(5000));
            assertTrue(alloc.metric().usedDirectMemory() >= direct + 10_000);
            assertTrue(alloc.metric().usedHeapMemory() >= heap + 5000);
            assertTrue(alloc.metric().toString().contains("usedDirectMemory"));
            d.release();
            h.release();
        }

        @Test
        void equalsHashCodeAndToStringFollowNettysRules()
        {
            final byte[] content = pattern(40, 23);
            final ByteBuf buf = direct(64).writeBytes(content);
            final ByteBuf heap = track(Unpooled.wrappedBuffer(content));
            assertEquals(heap, buf);
            assertEquals(heap.hashCode(), buf.hashCode());
            assertTrue(ByteBufUtil.equals(buf, heap));
            assertEquals(ByteBufUtil.hexDump(heap), ByteBufUtil.hexDump(buf));
            assertTrue(buf.toString().contains("widx: 40"), buf.toString());
            buf.release();
            assertTrue(buf.toString().contains("freed"), buf.toString());
        }

        @Test
        void searchingAndCharactersWork()
        {
            final ByteBuf buf = direct(8);
            buf.writeCharSequence("héllo, wörld", StandardCharsets.UTF_8);
            assertEquals(14, buf.readableBytes());
            assertEquals("héllo, wörld", buf.toString(StandardCharsets.UTF_8));
            assertEquals("héllo", buf.getCharSequence(0, 6, StandardCharsets.UTF_8).toString());
            assertEquals(6, buf.indexOf(0, 14, (byte)','));
            assertEquals(6, buf.bytesBefore((byte)','));
            assertEquals(1, buf.forEachByte(b -> b != (byte)0xC3));
            buf.writeCharSequence("!", StandardCharsets.US_ASCII);
            assertEquals('!', buf.getByte(14));
        }

        @Test
        @SuppressWarnings("deprecation")
        void theLittleEndianViewSwapsMultiByteValues()
        {
            final ByteBuf buf = direct(16);
            final ByteBuf le = buf.order(ByteOrder.LITTLE_ENDIAN);
            le.writeInt(1);
            assertEquals(1, buf.getByte(0));
            assertEquals(1, buf.getIntLE(0));
            assertEquals(4, buf.writerIndex());
        }

        @Test
        void theReadOnlyViewRejectsWrites()
        {
            final ByteBuf buf = direct(16).writeLong(3);
            final ByteBuf readOnly = buf.asReadOnly();
            assertTrue(readOnly.isReadOnly());
            assertEquals(3, readOnly.getLong(0));
            assertThrows(ReadOnlyBufferException.class, () -> readOnly.setByte(0, 1));
        }

        @Test
        void marksResetTheIndices()
        {
            final ByteBuf buf = direct(16).writeLong(1).writeLong(2);
            buf.readLong();
            buf.markReaderIndex();
            buf.readLong();
            buf.resetReaderIndex();
            assertEquals(8, buf.readerIndex());
            buf.writerIndex(8).markWriterIndex().writerIndex(16).resetWriterIndex();
            assertEquals(8, buf.writerIndex());
        }
    }
}
