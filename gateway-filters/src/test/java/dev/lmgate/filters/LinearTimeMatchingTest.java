package dev.lmgate.filters;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Every pattern the filters run over caller or model text runs in linear time: the filters never
 * use {@code java.util.regex} (a backtracking engine: catastrophic on crafted input, and recursive
 * enough to overflow the stack), directly or through {@code String}'s regex methods. RE2/J ({@code
 * com.google.re2j}) and hand-written automata take its place.
 */
class LinearTimeMatchingTest {
  static final JavaClasses FILTERS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.lmgate.filters");

  @Test
  void filtersNeverUseTheBacktrackingRegexEngine() {
    noClasses()
        .that()
        .resideInAPackage("dev.lmgate.filters..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("java.util.regex..")
        .because("patterns run on untrusted text must run on RE2/J (linear time)")
        .check(FILTERS);
  }

  @Test
  void filtersNeverCallStringsRegexMethods() {
    noClasses()
        .that()
        .resideInAPackage("dev.lmgate.filters..")
        .should()
        .callMethod(String.class, "matches", String.class)
        .orShould()
        .callMethod(String.class, "replaceAll", String.class, String.class)
        .orShould()
        .callMethod(String.class, "replaceFirst", String.class, String.class)
        .orShould()
        .callMethod(String.class, "split", String.class)
        .orShould()
        .callMethod(String.class, "split", String.class, int.class)
        .because("String's regex methods run java.util.regex; use RE2/J or a loop")
        .check(FILTERS);
  }
}
