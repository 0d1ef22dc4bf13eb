package dev.minibatch.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.spring.MinibatchHealthIndicator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The sample application runs as shipped, on a SQLite file of its own. */
@SpringBootTest(classes = OrdersApplication.class)
class OrdersApplicationTest {

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) throws Exception {
        Path dir = Files.createTempDirectory("minibatch-sample");
        dir.toFile().deleteOnExit();
        registry.add("minibatch.url", () -> "sqlite:" + dir.resolve("orders.db"));
    }

    @Autowired
    OrderService service;

    @Autowired
    OrderTotals totals;

    @Autowired
    SummarySink sink;

    @Autowired
    MinibatchHealthIndicator health;

    @Test
    void placedOrdersAreSummedPerCustomerAndEachWindowReachesTheSink() throws Exception {
        for (int i = 0; i < 100; i++) {
            service.place(new Order("o" + i, i % 2 == 0 ? "alice" : "bob", 1 + i % 3, 2.5));
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (sink.received().size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sink.received()).hasSize(5).allSatisfy(s -> assertThat(s.orders()).isEqualTo(20));
        double expectedAlice = 0;
        double expectedBob = 0;
        for (int i = 0; i < 100; i++) {
            double total = (1 + i % 3) * 2.5;
            if (i % 2 == 0) {
                expectedAlice += total;
            } else {
                expectedBob += total;
            }
        }
        assertThat(totals.revenueByCustomer()).containsEntry("alice", expectedAlice).containsEntry("bob", expectedBob);
        assertThat(sink.received().stream().mapToDouble(WindowSummary::revenue).sum()).isEqualTo(expectedAlice + expectedBob);
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
    }
}
