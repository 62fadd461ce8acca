package dev.lmgate.spi;

/**
 * A piece of text in a JSON body and where it lives.
 *
 * @param pointer RFC 6901 JSON pointer to the string in the original body; edits name it
 * @param text the text as the body holds it
 */
public record TextPart(String pointer, String text) {}
