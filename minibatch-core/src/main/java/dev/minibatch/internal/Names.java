package dev.minibatch.internal;

/** Stream name rules, shared by every store so a name valid on one is valid on all. */
public final class Names {

    /** Longest accepted name; MongoDB index keys and file systems stay comfortable below it. */
    public static final int MAX_LENGTH = 255;

    /** Suffix of the dead-letter stream of a stream. */
    public static final String DEAD_SUFFIX = ".dead";

    private Names() {
    }

    /**
     * Checks a stream name: 1 to 255 characters, no leading or trailing blanks, no control
     * characters, and no {@code $} (MongoDB reserves it). Dots and slashes are allowed: omega|ml
     * names streams {@code omegaml.streams/.name.stream}.
     *
     * @return the name
     * @throws IllegalArgumentException naming the problem
     */
    public static String checkStreamName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("stream name must not be null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("stream name must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("stream name is " + name.length() + " characters long; the limit is "
                    + MAX_LENGTH + ": '" + name.substring(0, 40) + "…'");
        }
        if (name.isBlank() || !name.strip().equals(name)) {
            throw new IllegalArgumentException("stream name '" + name + "' must not start or end with whitespace");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException("stream name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' contains a control character at position " + i);
            }
            if (c == '$') {
                throw new IllegalArgumentException("stream name '" + name + "' must not contain '$'");
            }
        }
        return name;
    }

    /** The dead-letter stream of {@code stream}. */
    public static String deadLetterStream(String stream) {
        return stream + DEAD_SUFFIX;
    }
}
