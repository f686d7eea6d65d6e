/**
 * Netty on numaslab: {@link io.numaslab.allocator.netty.NumaByteBufAllocator}, a {@code ByteBufAllocator} whose
 * direct buffers live on the node of the thread that allocates them, and
 * {@link io.numaslab.allocator.netty.NodeEventLoops}, event loops pinned to and bound on the allocator's nodes.
 * Netty (4.1 or 4.2) is a {@code provided} dependency: the application brings its own.
 */
package io.numaslab.allocator.netty;
