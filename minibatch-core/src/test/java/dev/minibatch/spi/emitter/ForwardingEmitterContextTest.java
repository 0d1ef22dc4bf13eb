package dev.minibatch.spi.emitter;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A wrapping emitter's context must never fall back to one of EmitterContext's defaults silently. */
class ForwardingEmitterContextTest {

    @Test
    void everyMethodOfEmitterContextIsForwarded() {
        List<String> missing = new ArrayList<>();
        for (Method m : EmitterContext.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                Method declared = ForwardingEmitterContext.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
                assertThat(Modifier.isPublic(declared.getModifiers())).as(declared.toString()).isTrue();
            } catch (NoSuchMethodException e) {
                missing.add(m.getName() + Arrays.toString(m.getParameterTypes()));
            }
        }
        assertThat(missing).as("EmitterContext methods ForwardingEmitterContext does not forward").isEmpty();
    }
}
