/**
 * Micrometer meters for minibatch: {@link dev.minibatch.micrometer.MinibatchMetrics} binds a
 * {@code Minibatch} (every consumer it runs, and the streams they read) to a {@code MeterRegistry}.
 * Works without Spring; the Spring Boot starter registers it with the application's registry.
 */
package dev.minibatch.micrometer;
