package io.numaslab.allocator.netty;

import io.numaslab.allocator.ThreadSlots;
import io.numaslab.allocator.VirtualThreads;
import org.jctools.queues.MpscArrayQueue;

/**
 * A bounded per-thread pool of buffer objects, so that allocate + release in a steady state makes no garbage.
 * <p>
 * Each thread has a {@link Local}, found through {@link ThreadSlots} (faster than a FastThreadLocal on threads that
 * are not Netty's): a stack that only it touches, and a bounded MPSC queue through which other threads
 * give back the objects it made. An object always goes back to the thread that made it, so a producer thread that
 * allocates and a consumer thread that releases keep reusing the producer's objects. An object that finds its home
 * full is dropped for the garbage collector; so is everything a thread held when it ends.
 * <p>
 * An object must be recycled at most once per use: its owner guarantees that through its reference count, which
 * reaches zero exactly once.
 *
 * @param <T> the pooled type.
 */
final class BufferRecycler<T>
{
    /** Most objects each thread keeps on its stack, and most waiting in its queue from other threads. */
    static final int MAX_POOLED_PER_THREAD = 1024;
    /** The same for a virtual thread: a server may run a million of them, each pool is so much heap. */
    static final int MAX_POOLED_PER_VIRTUAL_THREAD = 8;

    /**
     * Makes a new object that belongs to a thread's pool.
     *
     * @param <T> the pooled type.
     */
    interface Factory<T>
    {
        /**
         * @param home the pool of the calling thread, where the object must be recycled to.
         * @return a new object.
         */
        T newObject(Local<T> home);
    }

    private final Factory<T> factory;
    private final ThreadSlots<Local<T>> locals = new ThreadSlots<>(Local::new);

    /** @param factory makes an object when the calling thread's pool is empty. */
    BufferRecycler(final Factory<T> factory)
    {
        this.factory = factory;
    }

    /** @return a pooled object of the calling thread, or a new one. Its state is whatever it was recycled with. */
    T get()
    {
        final Local<T> local = locals.get();
        final T pooled = local.pop();
        return pooled != null ? pooled : factory.newObject(local);
    }

    /**
     * The pool of one thread.
     *
     * @param <T> the pooled type.
     */
    static final class Local<T>
    {
        /**
         * Elements of padding at each end of the arrays the owner writes on every get and recycle: 128 bytes or more
         * (two cache lines), so that wherever the garbage collector puts those arrays, no line they write is one that
         * another thread reads.
         */
        private static final int PADDING = 32;
        private static final int SIZE_INDEX = PADDING;

        private final Thread owner;
        private final int capacity;
        /** The stack: element {@code i} at {@code PADDING + i}. */
        private final Object[] stack;
        /**
         * The stack's size, at {@link #SIZE_INDEX}, in a padded array rather than a field: other threads read
         * {@code owner} and {@code returned} of this object whenever they give an object back, and a field the owner
         * writes each time would move their cache line between the cores.
         */
        private final int[] sizeCell = new int[PADDING + 1 + PADDING];
        private final MpscArrayQueue<T> returned;

        private Local(final Thread owner)
        {
            this.owner = owner;
            this.capacity = VirtualThreads.isVirtual(owner) ? MAX_POOLED_PER_VIRTUAL_THREAD : MAX_POOLED_PER_THREAD;
            this.stack = new Object[PADDING + capacity + PADDING];
            this.returned = new MpscArrayQueue<>(capacity);
        }

        @SuppressWarnings("unchecked")
        private T pop()
        {
            final int[] cell = sizeCell;
            int size = cell[SIZE_INDEX];
            if (size == 0 && (size = drainReturned()) == 0)
            {
                return null;
            }
            size--;
            final T object = (T)stack[PADDING + size];
            stack[PADDING + size] = null;
            cell[SIZE_INDEX] = size;
            return object;
        }

        /** @return the stack's size after moving onto it what other threads gave back. */
        private int drainReturned()
        {
            int size = sizeCell[SIZE_INDEX];
            T object;
            while (size < capacity && (object = returned.relaxedPoll()) != null)
            {
                stack[PADDING + size++] = object;
            }
            sizeCell[SIZE_INDEX] = size;
            return size;
        }

        /**
         * Gives an object back, from any thread; it may be handed out again at once.
         *
         * @param object an object of this pool that nobody uses any more.
         */
        void recycle(final T object)
        {
            if (Thread.currentThread() == owner)
            {
                final int[] cell = sizeCell;
                final int size = cell[SIZE_INDEX];
                if (size < capacity)
                {
                    stack[PADDING + size] = object;
                    cell[SIZE_INDEX] = size + 1;
                }
            }
            else
            {
                returned.offer(object);
            }
        }
    }
}
