/**
 * Where the {@code minibatch} command finds its plugins: the folder bundled with a distribution
 * (named by the launcher through the {@value dev.minibatch.cli.plugins.PluginFolders#BUNDLED_PROPERTY}
 * system property) and the user's plugins folder ({@link dev.minibatch.plugin.Providers#pluginsDirectory()}),
 * the user's copy of a provider winning over the bundled one.
 */
package dev.minibatch.cli.plugins;
