/**
 * Finding providers: {@link dev.minibatch.plugin.Providers} (the registry of stores, emitters,
 * sources and sinks by name, from the class path and PF4J plugin folders), plugin folders, zips
 * and their class loaders.
 *
 * <p><b>Stability:</b> {@link dev.minibatch.plugin.Providers} is API, evolving; the rest is internal.
 */
package dev.minibatch.plugin;
