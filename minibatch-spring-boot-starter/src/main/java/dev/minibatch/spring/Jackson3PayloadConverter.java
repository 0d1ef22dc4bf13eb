package dev.minibatch.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Type;

/**
 * Converts with a Jackson 3 ({@code tools.jackson}) mapper, Spring Boot 4's default: the Jackson 2
 * tree is written as UTF-8 bytes and read by the application's mapper, so its modules, naming
 * strategy and deserialization features apply. Loaded only when Jackson 3 is on the class path.
 */
final class Jackson3PayloadConverter implements PayloadConverter {

    private final tools.jackson.databind.ObjectMapper mapper;
    private final ObjectMapper writer;

    Jackson3PayloadConverter(tools.jackson.databind.ObjectMapper mapper, ObjectMapper writer) {
        this.mapper = mapper;
        this.writer = writer;
    }

    @Override
    public Object convert(JsonNode value, Type type) throws Exception {
        return mapper.readValue(writer.writeValueAsBytes(value), mapper.constructType(type));
    }

    @Override
    public String describe() {
        return "the application's Jackson 3 mapper";
    }
}
