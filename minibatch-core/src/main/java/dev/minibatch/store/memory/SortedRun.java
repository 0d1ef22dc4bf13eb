package dev.minibatch.store.memory;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A sorted list seen as a {@link SortedMap} of each element to itself, only so that
 * {@link TreeMap}'s {@code SortedMap} constructor builds a tree from it in linear time, instead of
 * n inserts or n deletions with rebalancing. Offers what that constructor reads (comparator, size,
 * entry iteration); the views are unsupported.
 */
final class SortedRun<E> extends AbstractMap<E, E> implements SortedMap<E, E> {

    private final List<E> sorted;
    private final Comparator<? super E> order;

    private SortedRun(List<E> sorted, Comparator<? super E> order) {
        this.sorted = sorted;
        this.order = order;
    }

    /** A tree of {@code sorted} (in {@code order}, no duplicates), built in linear time. */
    static <E> TreeMap<E, E> tree(List<E> sorted, Comparator<? super E> order) {
        return new TreeMap<>(new SortedRun<>(sorted, order));
    }

    @Override
    public Comparator<? super E> comparator() {
        return order;
    }

    @Override
    public int size() {
        return sorted.size();
    }

    @Override
    public Set<Map.Entry<E, E>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<E, E>> iterator() {
                Iterator<E> it = sorted.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Map.Entry<E, E> next() {
                        E e = it.next();
                        return Map.entry(e, e);
                    }
                };
            }

            @Override
            public int size() {
                return sorted.size();
            }
        };
    }

    @Override
    public E firstKey() {
        return sorted.get(0);
    }

    @Override
    public E lastKey() {
        return sorted.get(sorted.size() - 1);
    }

    @Override
    public SortedMap<E, E> subMap(E fromKey, E toKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<E, E> headMap(E toKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<E, E> tailMap(E fromKey) {
        throw new UnsupportedOperationException();
    }
}
