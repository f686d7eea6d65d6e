package io.numaslab.allocator.netty;

import io.netty.util.internal.PlatformDependent;

/**
 * Big- and little-endian reads and writes of raw memory through Netty's {@code PlatformDependent} (sun.misc.Unsafe),
 * as Netty's own unsafe buffers do them. Only to be used when {@link #AVAILABLE}; addresses are not checked.
 * <p>
 * Multi-byte values are read and written in one access where the CPU allows unaligned access (x86_64, aarch64),
 * byte by byte elsewhere.
 */
final class UnsafeMemory
{
    /** Whether Netty can reach sun.misc.Unsafe in this JVM ({@code -Dio.netty.noUnsafe=true} turns it off). */
    static final boolean AVAILABLE = PlatformDependent.hasUnsafe();

    private static final boolean UNALIGNED = AVAILABLE && PlatformDependent.isUnaligned();
    private static final boolean BIG_ENDIAN_NATIVE = PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;

    private UnsafeMemory()
    {
    }

    /** @return the byte at {@code address}. */
    static byte getByte(final long address)
    {
        return PlatformDependent.getByte(address);
    }

    /** Stores the low 8 bits of {@code value} at {@code address}. */
    static void setByte(final long address, final int value)
    {
        PlatformDependent.putByte(address, (byte)value);
    }

    /** @return the big-endian 16-bit value at {@code address}. */
    static short getShort(final long address)
    {
        if (UNALIGNED)
        {
            final short v = PlatformDependent.getShort(address);
            return BIG_ENDIAN_NATIVE ? v : Short.reverseBytes(v);
        }
        return (short)(getByte(address) << 8 | getByte(address + 1) & 0xff);
    }

    /** @return the little-endian 16-bit value at {@code address}. */
    static short getShortLE(final long address)
    {
        if (UNALIGNED)
        {
            final short v = PlatformDependent.getShort(address);
            return BIG_ENDIAN_NATIVE ? Short.reverseBytes(v) : v;
        }
        return (short)(getByte(address) & 0xff | getByte(address + 1) << 8);
    }

    /** @return the big-endian unsigned 24-bit value at {@code address}. */
    static int getUnsignedMedium(final long address)
    {
        return (getByte(address) & 0xff) << 16 | (getShort(address + 1) & 0xffff);
    }

    /** @return the little-endian unsigned 24-bit value at {@code address}. */
    static int getUnsignedMediumLE(final long address)
    {
        return getShortLE(address) & 0xffff | (getByte(address + 2) & 0xff) << 16;
    }

    /** @return the big-endian 32-bit value at {@code address}. */
    static int getInt(final long address)
    {
        if (UNALIGNED)
        {
            final int v = PlatformDependent.getInt(address);
            return BIG_ENDIAN_NATIVE ? v : Integer.reverseBytes(v);
        }
        return (getShort(address) & 0xffff) << 16 | getShort(address + 2) & 0xffff;
    }

    /** @return the little-endian 32-bit value at {@code address}. */
    static int getIntLE(final long address)
    {
        if (UNALIGNED)
        {
            final int v = PlatformDependent.getInt(address);
            return BIG_ENDIAN_NATIVE ? Integer.reverseBytes(v) : v;
        }
        return getShortLE(address) & 0xffff | (getShortLE(address + 2) & 0xffff) << 16;
    }

    /** @return the big-endian 64-bit value at {@code address}. */
    static long getLong(final long address)
    {
        if (UNALIGNED)
        {
            final long v = PlatformDependent.getLong(address);
            return BIG_ENDIAN_NATIVE ? v : Long.reverseBytes(v);
        }
        return (getInt(address) & 0xffffffffL) << 32 | getInt(address + 4) & 0xffffffffL;
    }

    /** @return the little-endian 64-bit value at {@code address}. */
    static long getLongLE(final long address)
    {
        if (UNALIGNED)
        {
            final long v = PlatformDependent.getLong(address);
            return BIG_ENDIAN_NATIVE ? Long.reverseBytes(v) : v;
        }
        return getIntLE(address) & 0xffffffffL | (getIntLE(address + 4) & 0xffffffffL) << 32;
    }

    /** Stores the low 16 bits of {@code value} big-endian at {@code address}. */
    static void setShort(final long address, final int value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putShort(address, BIG_ENDIAN_NATIVE ? (short)value : Short.reverseBytes((short)value));
            return;
        }
        setByte(address, value >>> 8);
        setByte(address + 1, value);
    }

    /** Stores the low 16 bits of {@code value} little-endian at {@code address}. */
    static void setShortLE(final long address, final int value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putShort(address, BIG_ENDIAN_NATIVE ? Short.reverseBytes((short)value) : (short)value);
            return;
        }
        setByte(address, value);
        setByte(address + 1, value >>> 8);
    }

    /** Stores the low 24 bits of {@code value} big-endian at {@code address}. */
    static void setMedium(final long address, final int value)
    {
        setByte(address, value >>> 16);
        setShort(address + 1, value);
    }

    /** Stores the low 24 bits of {@code value} little-endian at {@code address}. */
    static void setMediumLE(final long address, final int value)
    {
        setShortLE(address, value);
        setByte(address + 2, value >>> 16);
    }

    /** Stores {@code value} big-endian at {@code address}. */
    static void setInt(final long address, final int value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putInt(address, BIG_ENDIAN_NATIVE ? value : Integer.reverseBytes(value));
            return;
        }
        setShort(address, value >>> 16);
        setShort(address + 2, value);
    }

    /** Stores {@code value} little-endian at {@code address}. */
    static void setIntLE(final long address, final int value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putInt(address, BIG_ENDIAN_NATIVE ? Integer.reverseBytes(value) : value);
            return;
        }
        setShortLE(address, value);
        setShortLE(address + 2, value >>> 16);
    }

    /** Stores {@code value} big-endian at {@code address}. */
    static void setLong(final long address, final long value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putLong(address, BIG_ENDIAN_NATIVE ? value : Long.reverseBytes(value));
            return;
        }
        setInt(address, (int)(value >>> 32));
        setInt(address + 4, (int)value);
    }

    /** Stores {@code value} little-endian at {@code address}. */
    static void setLongLE(final long address, final long value)
    {
        if (UNALIGNED)
        {
            PlatformDependent.putLong(address, BIG_ENDIAN_NATIVE ? Long.reverseBytes(value) : value);
            return;
        }
        setIntLE(address, (int)value);
        setIntLE(address + 4, (int)(value >>> 32));
    }
}
