package io.numaslab.allocator;

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
        final JmxRegistration registration = new JmxRegistration();
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try
        {
            final String suffix = server.isRegistered(new ObjectName("io.numaslab:type=NumaAllocator")) ?
                ",allocator=" + id : "";
            registration.add(server, new ObjectName("io.numaslab:type=NumaAllocator" + suffix),
                new StandardMBean(allocator.stats(), NumaAllocatorMXBean.class, true));
            for (final int node : allocator.nodes())
            {
                registration.add(server, new ObjectName("io.numaslab:type=NodeArena,node=" + node + suffix),
                    new StandardMBean(allocator.nodeStats(node), NodeArenaMXBean.class, true));
            }
        }
        catch (final JMException ex)
        {
            registration.unregister();
            throw new IllegalStateException("cannot register numaslab MXBeans: " + ex.getMessage(), ex);
        }
        return registration;
    }

    private void add(final MBeanServer server, final ObjectName name, final Object bean) throws JMException
    {
        server.registerMBean(bean, name);
        names.add(name);
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
