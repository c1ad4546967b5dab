package io.s3broker.upload.form;

import java.util.Locale;

import io.s3broker.upload.form.MultipartFormParser.MalformedFormException;

/**
 * What the headers of one form part say: its name, and whether and how it is a file.
 *
 * @param filename the part's {@code filename} (or {@code filename*}) parameter, null if it has none: a part with
 *        one is a file, as browsers and Netty tell them apart
 * @param contentType the part's Content-Type header, null if it has none
 */
record PartHeaders(String name, String filename, String contentType) {

    /** The header block of a part, up to its empty line. */
    static PartHeaders parse(String text) {
        String disposition = null;
        String contentType = null;
        for (String line : text.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new MalformedFormException("a part header has no colon: " + abbreviate(line));
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-disposition")) {
                disposition = value;
            } else if (name.equals("content-type")) {
                contentType = value;
            }
        }
        if (disposition == null) {
            throw new MalformedFormException("a part has no Content-Disposition header");
        }
        return disposition(disposition, contentType);
    }

    /** {@code form-data; name="..."; filename="..."}: values quoted (where a backslash escapes '"' and '\') or not. */
    private static PartHeaders disposition(String value, String contentType) {
        int semicolon = value.indexOf(';');
        String type = (semicolon < 0 ? value : value.substring(0, semicolon)).trim();
        if (!type.equalsIgnoreCase("form-data")) {
            throw new MalformedFormException("a part's Content-Disposition is not form-data: " + abbreviate(value));
        }
        String name = null;
        String filename = null;
        int i = semicolon < 0 ? value.length() : semicolon + 1;
        while (i < value.length()) {
            int equals = value.indexOf('=', i);
            int next = value.indexOf(';', i);
            if (equals < 0 || next >= 0 && next < equals) {
                i = next < 0 ? value.length() : next + 1; // a parameter without value
                continue;
            }
            String parameter = value.substring(i, equals).trim().toLowerCase(Locale.ROOT);
            StringBuilder text = new StringBuilder();
            i = equals + 1;
            while (i < value.length() && value.charAt(i) == ' ') {
                i++;
            }
            if (i < value.length() && value.charAt(i) == '"') {
                for (i++; i < value.length() && value.charAt(i) != '"'; i++) {
                    char c = value.charAt(i);
                    if (c == '\\' && i + 1 < value.length() && (value.charAt(i + 1) == '"' || value.charAt(i + 1) == '\\')) {
                        c = value.charAt(++i);
                    }
                    text.append(c);
                }
                if (i >= value.length()) {
                    throw new MalformedFormException("a quoted value in Content-Disposition is not closed");
                }
                int end = value.indexOf(';', i);
                i = end < 0 ? value.length() : end + 1;
            } else {
                int end = next < 0 ? value.length() : next;
                text.append(value, i, end);
                i = end + 1;
            }
            if (parameter.equals("name") && name == null) {
                name = text.toString().trim();
            } else if ((parameter.equals("filename") || parameter.equals("filename*")) && filename == null) {
                filename = text.toString();
            }
        }
        if (name == null || name.isEmpty()) {
            throw new MalformedFormException("a part's Content-Disposition has no name");
        }
        return new PartHeaders(name, filename, contentType);
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
