package dev.minibatch.spring.sample;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/** The producer side: append to the stream; durable when {@code place} returns. */
@Service
public class OrderService {

    private final Stream orders;

    public OrderService(Minibatch minibatch, @Value("${orders.stream}") String stream) {
        this.orders = minibatch.stream(stream);
    }

    public void place(Order order) {
        orders.append(order);
    }
}
