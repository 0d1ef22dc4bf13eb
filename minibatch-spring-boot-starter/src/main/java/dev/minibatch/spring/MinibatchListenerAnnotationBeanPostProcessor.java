package dev.minibatch.spring;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds {@link MinibatchListener} methods on every bean and checks them at once (a method the
 * annotation cannot call fails the context here, naming it). The endpoints are started by
 * {@link MinibatchListenerContainer}. Singleton, thread-safe.
 */
public class MinibatchListenerAnnotationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private final List<ListenerEndpoint> endpoints = new CopyOnWriteArrayList<>();
    private ConfigurableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory factory) throws BeansException {
        if (factory instanceof ConfigurableBeanFactory configurable) {
            this.beanFactory = configurable;
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> target = AopUtils.getTargetClass(bean);
        Map<Method, MinibatchListener> found = MethodIntrospector.selectMethods(target,
                (MethodIntrospector.MetadataLookup<MinibatchListener>) m ->
                        AnnotatedElementUtils.findMergedAnnotation(m, MinibatchListener.class));
        for (Map.Entry<Method, MinibatchListener> e : found.entrySet()) {
            Method invocable = AopUtils.selectInvocableMethod(e.getKey(), bean.getClass());
            endpoints.add(ListenerEndpoint.of(bean, beanName, invocable, e.getValue(), this::resolve));
        }
        return bean;
    }

    /** Placeholders first, then SpEL, as Spring's own {@code @Value}. */
    private String resolve(String value) {
        if (beanFactory == null || value == null || value.isEmpty()) {
            return value;
        }
        String resolved = beanFactory.resolveEmbeddedValue(value);
        if (resolved != null && resolved.contains("#{") && beanFactory.getBeanExpressionResolver() != null) {
            Object evaluated = beanFactory.getBeanExpressionResolver().evaluate(resolved,
                    new BeanExpressionContext(beanFactory, null));
            return evaluated == null ? null : evaluated.toString();
        }
        return resolved;
    }

    /** The endpoints found so far, in discovery order. */
    List<ListenerEndpoint> endpoints() {
        return List.copyOf(endpoints);
    }
}
