package dev.lmgate.audit.record;

/** Masks sensitive spans in a text (the same detectors the filters use). */
@FunctionalInterface
public interface Redactor {
  String redact(String text);
}
