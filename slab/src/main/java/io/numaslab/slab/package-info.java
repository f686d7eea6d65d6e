/**
 * Size-classed slabs carved from chunks of memory, with all free-slot bookkeeping on the Java heap.
 *
 * <pre>
 *   ChunkSource ──acquireChunk()──▶ Chunk (2 MiB, aligned) ──64 KiB pages──▶ Slab (slots of one class)
 *                                                          └─────────────▶ page run (one allocation &gt; 64 KiB)
 *
 *   SlabHeap.allocate(size): SizeClasses.classIndexOf(size) → first slab of the class with room → lowest free slot
 *   SlabHeap.free(address):  ChunkTable.slabOf(address) (radix map of 64 KiB pages) → slot (checked, then marked
 *                            free); page runs: ChunkTable.chunkOf(address) → page → run
 * </pre>
 *
 * <ul>
 *   <li>{@link io.numaslab.slab.SizeClasses}: the 80 classes from 16 B to 64 KiB and each one's slab geometry.</li>
 *   <li>{@link io.numaslab.slab.ChunkSource}: where chunks come from (node-bound huge pages, in another module).</li>
 *   <li>{@link io.numaslab.slab.Chunk}: one chunk, its page map and its preallocated slabs.</li>
 *   <li>{@link io.numaslab.slab.ChunkTable}: address to chunk and address to slab, lock-free, for every thread.</li>
 *   <li>{@link io.numaslab.slab.SlabHeap}: the single-owner heap tying these together.</li>
 * </ul>
 *
 * This layer never reads or writes the memory it hands out: it only does arithmetic on addresses. That keeps
 * freed memory untouched (nothing to corrupt with a stray write) and lets tests use made-up addresses.
 */
package io.numaslab.slab;
