package dev.minibatch.plugin;

import java.util.List;
import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * One plugin's class loader. Classes are looked up in the plugin first (its jar, or its zip's
 * {@code classes/} and {@code lib/*.jar}), so a plugin's third-party libraries never clash with
 * another plugin's or the application's; the exception is the API shared with the core —
 * {@code dev.minibatch.*}, Jackson and SLF4J — which always comes from the parent when the parent
 * has it. A copy of those inside a plugin is ignored: otherwise the plugin's {@code EmitterProvider}
 * would be a different class from the core's and could never be used. A plugin's own classes in a
 * {@code dev.minibatch.*} package that the parent does not have still load from the plugin.
 *
 * <p>Lives as long as the providers loaded through it; thread-safe like any class loader.
 */
final class IsolatingClassLoader extends PluginClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    /** Package prefixes of the API plugins share with the core. */
    static final List<String> SHARED_PREFIXES = List.of("dev.minibatch.", "com.fasterxml.jackson.", "org.slf4j.");

    private final String pluginId;

    IsolatingClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
        this.pluginId = descriptor.getPluginId();
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Class<?> loadClass(String className) throws ClassNotFoundException {
        if (isShared(className)) {
            synchronized (getClassLoadingLock(className)) {
                Class<?> loaded = findLoadedClass(className);
                if (loaded != null) {
                    return loaded;
                }
                try {
                    return getParent().loadClass(className);
                } catch (ClassNotFoundException notInTheCore) {
                    // a plugin's own class under dev.minibatch.*: fall through to the plugin
                }
            }
        }
        return super.loadClass(className);
    }

    @Override
    public String toString() {
        return "IsolatingClassLoader[plugin " + pluginId + "]";
    }
}
