package io.numaslab.allocator;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers an allocator's MXBeans: {@code io.numaslab:type=NodeArena,node=N} per node and
 * {@code io.numaslab:type=NumaAllocator}. A second allocator in the same JVM adds {@code allocator=<id>} to its
 * names so that both can be seen.
 */
final class JmxRegistration
{
    private final List<ObjectName> names = new ArrayList<>();

    private JmxRegistration()
    {
    }

    static JmxRegistration register(final NumaAllocator allocator, final int id)
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        // The plain names first; if another allocator holds any of them (even one building at this moment), this
        // one's names get its id. Checking isRegistered first would leave a window between check and register.
        final JmxRegistration plain = new JmxRegistration();
        try
        {
            plain.registerAll(server, allocator, "");
            return plain;
        }
        catch (final InstanceAlreadyExistsException taken)
        {
            plain.unregister();
        }
        catch (final JMException ex)
        {
            plain.unregister();
            throw new IllegalStateException("cannot register numaslab MXBeans: " + ex.getMessage(), ex);
        }
        final JmxRegistration withId = new JmxRegistration();
        try
        {
            withId.registerAll(server, allocator, ",allocator=" + id);
            return withId;
        }
        catch (final JMException ex)
        {
            withId.unregister();
            throw new IllegalStateException("cannot register numaslab MXBeans: " + ex.getMessage(), ex);
        }
    }

    private void registerAll(final MBeanServer server, final NumaAllocator allocator, final String suffix)
        throws JMException
    {
        add(server, new ObjectName("io.numaslab:type=NumaAllocator" + suffix),
            new StandardMBean(allocator.stats(), NumaAllocatorMXBean.class, true));
        for (final int node : allocator.nodes())
        {
            add(server, new ObjectName("io.numaslab:type=NodeArena,node=" + node + suffix),
                new StandardMBean(allocator.nodeStats(node), NodeArenaMXBean.class, true));
        }
    }

    private void add(final MBeanServer server, final ObjectName name, final Object bean) throws JMException
    {
        server.registerMBean(bean, name);
        names.add(name);
    }

    /** @return the names registered and not yet unregistered, in registration order. */
    List<ObjectName> names()
    {
        return List.copyOf(names);
    }

    void unregister()
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (final ObjectName name : names)
        {
            try
            {
                server.unregisterMBean(name);
            }
            catch (final JMException ignored)
            {
                // already gone
            }
        }
        names.clear();
    }
}
