package dev.minibatch.spring.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.PropertySource;

/**
 * The sample's entry point. Add {@code dev.minibatch:minibatch-spring-boot-starter} (version from
 * {@code minibatch-bom}) to a Spring Boot 4 application and this is all the wiring there is: the
 * starter creates the {@code Minibatch} bean from {@code minibatch.url} and runs the annotated
 * methods of {@link OrderTotals} as consumers while the application runs.
 */
@SpringBootApplication
@PropertySource("classpath:sample/orders.properties")
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }
}
