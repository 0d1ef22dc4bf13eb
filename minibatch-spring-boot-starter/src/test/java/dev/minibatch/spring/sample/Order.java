package dev.minibatch.spring.sample;

/** What producers append: any JSON-serialisable value works; a record is the simplest. */
public record Order(String id, String customer, int quantity, double unitPrice) {
    public double total() {
        return quantity * unitPrice;
    }
}
