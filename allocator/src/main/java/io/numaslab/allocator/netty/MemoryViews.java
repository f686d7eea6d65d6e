package io.numaslab.allocator.netty;

import com.sun.jna.Pointer;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct {@link ByteBuffer}s over memory that numaslab owns: they never free it (no cleaner), and must not be used
 * after the memory is freed.
 * <p>
 * Netty's {@code PlatformDependent.directBuffer(address, size)} makes them where Netty can reach the JDK's private
 * no-cleaner constructor (it needs {@code -Dio.netty.tryReflectionSetAccessible=true} and
 * {@code --add-opens java.base/java.nio=ALL-UNNAMED} on Java 9+); everywhere else JNA's {@code Pointer.getByteBuffer},
 * which calls JNI's {@code NewDirectByteBuffer}. Both cost a native call or reflection and two objects, so each thread
 * keeps the views it made in a small table indexed by address, where a buffer that gets a recently used slot back
 * finds them again:
 * <ul>
 *   <li>a <em>view</em> covers one allocation, with position 0 and limit = capacity forever; it is only ever read
 *       with absolute methods, so one view may serve any number of buffers and threads;</li>
 *   <li>a <em>scratch</em> buffer is a duplicate of a view that one buffer at a time owns (for
 *       {@code internalNioBuffer}, whose position and limit its users move); the owner gives it back when its memory
 *       changes or is freed.</li>
 * </ul>
 */
final class MemoryViews
{
    private static final boolean NETTY_CONSTRUCTOR = PlatformDependent.hasDirectBufferNoCleanerConstructor();
    private static final int TABLE_ENTRIES = 1024;

    private static final FastThreadLocal<Table> TABLES = new FastThreadLocal<Table>()
    {
        @Override
        protected Table initialValue()
        {
            return new Table();
        }
    };

    private MemoryViews()
    {
    }

    /**
     * @param address     start of the memory.
     * @param lengthBytes its length, at least 1.
     * @return a new big-endian direct buffer with position 0 and limit and capacity {@code lengthBytes}.
     */
    static ByteBuffer of(final long address, final int lengthBytes)
    {
        final ByteBuffer view = NETTY_CONSTRUCTOR ? PlatformDependent.directBuffer(address, lengthBytes) :
            new Pointer(address).getByteBuffer(0, lengthBytes);
        return view.order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * A shared view, from the calling thread's table when it holds one for exactly this memory.
     *
     * @param address     start of an allocation.
     * @param lengthBytes its usable size.
     * @return a big-endian view to be read and written with absolute methods only; never to be moved.
     */
    static ByteBuffer view(final long address, final int lengthBytes)
    {
        final Table table = TABLES.get();
        final int i = Table.index(address);
        if (table.addresses[i] == address && table.lengths[i] == lengthBytes)
        {
            return table.views[i];
        }
        final ByteBuffer view = of(address, lengthBytes);
        table.addresses[i] = address;
        table.lengths[i] = lengthBytes;
        table.views[i] = view;
        table.scratch[i] = null;
        return view;
    }

    /**
     * A scratch buffer over the memory that the caller owns until it gives it back: from the calling thread's table,
     * else a new duplicate of the view.
     *
     * @param address     start of an allocation.
     * @param lengthBytes its usable size.
     * @param view        the allocation's view (from {@link #view}).
     * @return a big-endian buffer over the whole allocation, position and limit unspecified.
     */
    static ByteBuffer takeScratch(final long address, final int lengthBytes, final ByteBuffer view)
    {
        final Table table = TABLES.get();
        final int i = Table.index(address);
        final ByteBuffer scratch = table.scratch[i];
        if (scratch != null && table.addresses[i] == address && table.lengths[i] == lengthBytes)
        {
            table.scratch[i] = null;
            return scratch;
        }
        return view.duplicate();
    }

    /**
     * Gives a scratch buffer back to the calling thread's table, where the next owner of the same memory finds it.
     *
     * @param address     start of the allocation it covers.
     * @param lengthBytes the allocation's usable size.
     * @param scratch     the buffer; its owner must not use it any more.
     */
    static void giveScratch(final long address, final int lengthBytes, final ByteBuffer scratch)
    {
        final Table table = TABLES.get();
        final int i = Table.index(address);
        if (table.addresses[i] == address && table.lengths[i] == lengthBytes)
        {
            table.scratch[i] = scratch;
        }
    }

    /** One thread's views, direct-mapped by address: a newer allocation at the same index replaces the older. */
    private static final class Table
    {
        final long[] addresses = new long[TABLE_ENTRIES];
        final int[] lengths = new int[TABLE_ENTRIES];
        final ByteBuffer[] views = new ByteBuffer[TABLE_ENTRIES];
        final ByteBuffer[] scratch = new ByteBuffer[TABLE_ENTRIES];

        static int index(final long address)
        {
            return (int)((address * 0x9E3779B97F4A7C15L) >>> 54) & (TABLE_ENTRIES - 1);
        }
    }
}
