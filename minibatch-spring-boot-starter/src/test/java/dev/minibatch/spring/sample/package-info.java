/**
 * A sample application to copy: orders are appended by a service, summed per window by a typed
 * {@code @MinibatchListener}, and each window's summary goes to a sink bean. Its settings are in
 * {@code sample/orders.properties} (in your application: {@code application.properties}).
 */
package dev.minibatch.spring.sample;
