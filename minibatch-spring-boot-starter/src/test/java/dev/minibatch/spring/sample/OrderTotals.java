package dev.minibatch.spring.sample;

import dev.minibatch.spring.MinibatchListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The consumer side. Each window of {@code orders.batch-size} orders arrives as a typed list;
 * the return value goes to the {@code summarySink} bean; the window is committed only after both
 * returned. Throwing would retry the window and, after {@code minibatch.consumer.max-attempts},
 * move its orders to {@code orders.dead}.
 */
@Component
public class OrderTotals {

    private final Map<String, Double> revenueByCustomer = new ConcurrentHashMap<>();

    @MinibatchListener(stream = "${orders.stream}", size = "${orders.batch-size:100}", sink = "summarySink")
    public WindowSummary onOrders(List<Order> orders) {
        double revenue = 0;
        for (Order o : orders) {
            revenueByCustomer.merge(o.customer(), o.total(), Double::sum);
            revenue += o.total();
        }
        return new WindowSummary(orders.size(), revenue);
    }

    public Map<String, Double> revenueByCustomer() {
        return Map.copyOf(revenueByCustomer);
    }
}
