package io.hydra.events.testing;

import java.util.Map;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link KafkaBroker} parameter: one broker for the whole test run, started on first use and closed
 * when the run ends (JUnit closes AutoCloseable values of the root store). Topics are not auto-created on it: a test
 * creates its own (unique) topics, and can rely on unknown topics staying unknown.
 *
 * <p>A test that stops the broker must start it again before it ends; a test that wants an outage of its own
 * should rather create a {@code new KafkaBroker()}.
 */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBroker.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        KafkaBroker broker = context.getRoot().getStore(NAMESPACE).computeIfAbsent(KafkaBroker.class,
                key -> new KafkaBroker(Map.of("auto.create.topics.enable", "false")).start(), KafkaBroker.class);
        if (!broker.isRunning()) {
            broker.start();
        }
        return broker;
    }
}
