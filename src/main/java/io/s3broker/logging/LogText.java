package io.s3broker.logging;

/**
 * Client input (keys, caller names, JWT subjects, paths) as it may appear in a log line: every character that could
 * end the line or hide text where log readers split or show lines (C0 and C1 controls, NEL, U+2028 and U+2029,
 * bidi and other format characters, broken surrogates) becomes {@code \n}, {@code \r}, {@code \t} or
 * {@code \\uXXXX}, and backslash and double quote are escaped, so that a value can sit between quotes. Nothing a
 * client sends can then start a line or forge another field.
 */
public final class LogText {

    private LogText() {
    }

    /** {@code text} with those characters escaped; {@code "-"} for null. */
    public static String escape(String text) {
        if (text == null) {
            return "-";
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int next = i + Character.charCount(c);
            String replacement = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\\' -> "\\\\";
                case '"' -> "\\\"";
                default -> unsafe(c) ? hex(text.substring(i, next)) : null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(text, i, next);
                }
            }
            i = next;
        }
        return out == null ? text : out.toString();
    }

    /** {@code value} of a {@code name=value} field: escaped, and quoted when it is empty or holds a space or '='. */
    public static String field(String value) {
        String escaped = escape(value);
        return escaped.isEmpty() || escaped.indexOf(' ') >= 0 || escaped.indexOf('=') >= 0
                || escaped.indexOf('"') >= 0 ? "\"" + escaped + "\"" : escaped;
    }

    /**
     * A copy of {@code failure} (and of its causes) whose messages are escaped, with the same stack traces, for a
     * log call that prints a stack trace: an exception's message may carry client input too.
     */
    public static Throwable escaped(Throwable failure) {
        if (failure == null) {
            return null;
        }
        Throwable copy = new LoggedFailure(failure.getClass().getName() + (failure.getMessage() == null ? ""
                : ": " + escape(failure.getMessage())), failure.getCause() == failure ? null : escaped(failure.getCause()));
        copy.setStackTrace(failure.getStackTrace());
        return copy;
    }

    /** What could end a line, or hide or reorder text, where a log is read; and what is not valid UTF-16. */
    private static boolean unsafe(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    private static String hex(String chars) {
        StringBuilder out = new StringBuilder(6 * chars.length());
        chars.chars().forEach(c -> out.append(String.format("\\u%04X", c)));
        return out.toString();
    }

    /** Stands for the logged exception, under its class name, with its stack trace. */
    private static final class LoggedFailure extends RuntimeException {

        LoggedFailure(String description, Throwable cause) {
            super(description, cause, false, true);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
