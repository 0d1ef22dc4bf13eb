/**
 * Spring Boot support: {@link dev.minibatch.spring.MinibatchAutoConfiguration} creates a
 * {@code Minibatch} from {@code minibatch.*} properties, {@link dev.minibatch.spring.MinibatchListener}
 * turns bean methods into consumers started and stopped with the application context,
 * and health and Micrometer metrics come along when the application has them.
 */
package dev.minibatch.spring;
